//! Records, for `regpath sweep`'s manifest and piece records, the compiler version and the git
//! revision (and dirtiness) of the source tree at build time: the binary reports what it was
//! built from, not what the checkout holds when it runs.

use std::path::Path;
use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let version = capture(Command::new(rustc).arg("--version")).unwrap_or_default();
    println!("cargo:rustc-env=REGPATH_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC");

    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| capture(Command::new("git").arg("-C").arg(&manifest_dir).args(args));
    let revision = git(&["rev-parse", "HEAD"]).filter(|s| !s.is_empty());
    let dirty = revision.as_ref().and_then(|_| git(&["status", "--porcelain", "--untracked-files=no"]));
    println!("cargo:rustc-env=REGPATH_GIT_REVISION={}", revision.as_deref().unwrap_or(""));
    println!("cargo:rustc-env=REGPATH_GIT_DIRTY={}", dirty.map_or("", |d| if d.is_empty() { "false" } else { "true" }));
    // Run again when HEAD moves, the index changes (commits, staging) or a source file of the
    // workspace's crates is edited (the tree becomes dirty).
    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        for file in ["HEAD", "index", "packed-refs"] {
            let path = Path::new(&git_dir).join(file);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
            let path = Path::new(&git_dir).join(reference);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    let crates = Path::new(&manifest_dir).join("..");
    if crates.exists() {
        println!("cargo:rerun-if-changed={}", crates.display());
    }
}

/// The trimmed standard output of a command that succeeded.
fn capture(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
