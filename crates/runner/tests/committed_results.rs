//! The committed results name no machine's folders: a reader's checkout has no `/work/…`,
//! `/root/…` or `/home/…`, so such a path in `results/` (manifests, job scripts, logs,
//! reports, READMEs) is a record of one machine that nobody else can follow.

use std::fs;
use std::path::{Path, PathBuf};

fn text_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text_files(&path, out);
        } else if fs::read_to_string(&path).is_ok_and(|text| !text.contains('\0')) {
            out.push(path);
        }
    }
}

#[test]
fn committed_results_name_no_machine_folder() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../results");
    let mut files = Vec::new();
    text_files(&root, &mut files);
    assert!(files.len() > 10, "results/ not found at {}", root.display());
    let mut offenders = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for (k, line) in text.lines().enumerate() {
            if ["/work/", "/root/", "/home/", "/tmp/"].iter().any(|p| line.contains(p)) {
                offenders.push(format!("{}:{}", file.display(), k + 1));
            }
        }
    }
    assert!(offenders.is_empty(), "machine paths in committed results: {offenders:?}");
}
