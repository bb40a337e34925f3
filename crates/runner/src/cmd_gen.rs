//! `regpath gen`: write a synthetic dataset to disk, or (`--bed`) simulate a phenotype on a
//! real PLINK fileset (docs/design.md §4).

use std::path::{Path, PathBuf};

use anyhow::Context;
use regpath_datagen::dataset::{OutputFormat, write_dataset};
use regpath_datagen::simulate::{
    CausalSnps, DEFAULT_MAF_ALPHA, SimulateSpec, SnpScan, causal_indices, fileset_hash, read_causal_ids,
    simulate_phenotype_scanned, simulation_meta, write_simulation,
};
use regpath_datagen::survival::DEFAULT_CENSORING;
use regpath_datagen::{Bed, FamilySpec, SnpFilter, select_snps};
use serde_json::{Map, Value, json};

/// The synthetic families `regpath gen` knows.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// X ~ U(0, 1), y = 2·x0 + 3·x1 + N(0, 1).
    Uniform,
    /// Pairwise correlation rho, glmnet's 2010 simulation.
    Equicorrelated,
    /// corr(x_i, x_j) = rho^|i-j|, k nonzero effects.
    Toeplitz,
    /// SNP dosages 0/1/2 with allele frequencies, LD blocks and k causal SNPs.
    Genotype,
    /// Mostly-zero design, k nonzero effects.
    #[value(name = "sparse_x", alias = "sparse-x")]
    SparseX,
}

impl Family {
    /// The family name used in specs and meta.json.
    fn spec_name(self) -> &'static str {
        match self {
            Family::Uniform => "uniform",
            Family::Equicorrelated => "equicorrelated",
            Family::Toeplitz => "toeplitz",
            Family::Genotype => "genotype",
            Family::SparseX => "sparse_x",
        }
    }
}

/// Output format of the design matrix.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// X.npy (n × p, f64, Fortran order).
    Npy,
    /// PLINK 1 fileset geno.bed/.bim/.fam plus pheno.txt (genotype family only).
    Bed,
}

/// Arguments of `regpath gen`.
#[derive(clap::Args, Debug)]
pub struct GenArgs {
    /// Dataset family (not with --bed).
    #[arg(long, value_enum, required_unless_present = "bed")]
    pub family: Option<Family>,
    /// Number of samples (rows) (not with --bed).
    #[arg(long, required_unless_present = "bed")]
    pub n: Option<usize>,
    /// Number of features (columns / SNPs) (not with --bed).
    #[arg(long, required_unless_present = "bed")]
    pub p: Option<usize>,
    /// Simulate a phenotype on this real PLINK fileset (PREFIX.bed/.bim/.fam) instead of
    /// generating a synthetic dataset: --k random causal SNPs among the polymorphic ones (or
    /// --causal FILE), per-allele effects ~ N(0, [2f(1-f)]^--maf-alpha), noise scaled so that
    /// var(g)/var(y) = --h2 exactly in the sample. Writes DIR/pheno.txt, DIR/effects.txt (a
    /// PLINK --score file) and DIR/meta.json.
    #[arg(
        long,
        value_name = "PREFIX",
        requires = "h2",
        conflicts_with_all = [
            "family", "n", "p", "rho", "snr", "maf_min", "maf_max", "block_size", "ld", "dup_frac",
            "flip_frac", "mono_frac", "missing_rate", "density", "format",
        ]
    )]
    pub bed: Option<PathBuf>,
    /// With --bed: the causal SNPs, one SNP id per line (first field; further fields are
    /// ignored; a first line `SNP …` is a header). --k is then optional; if given it must
    /// equal the number of SNPs listed.
    #[arg(long, value_name = "FILE", requires = "bed")]
    pub causal: Option<PathBuf>,
    /// With --bed: α of the effect variance [2f(1-f)]^α of a causal SNP of allele frequency f
    /// (-1: equal variance per standardized SNP, GCTA's model; 0: per-allele effects
    /// independent of f). [default: -1]
    #[arg(long, value_name = "A", requires = "bed", allow_negative_numbers = true)]
    pub maf_alpha: Option<f64>,
    /// With --bed: draw causal SNPs only among the SNP ids FILE lists (PLINK's --extract).
    #[arg(long, value_name = "FILE", requires = "bed")]
    pub extract: Option<PathBuf>,
    /// With --bed: never draw the SNP ids FILE lists (PLINK's --exclude).
    #[arg(long, value_name = "FILE", requires = "bed")]
    pub exclude: Option<PathBuf>,
    /// With --bed: draw causal SNPs only among SNPs of minor allele frequency at least MIN
    /// (PLINK's --maf, over every sample). SNPs at a negative base-pair position are never
    /// drawn, as PLINK leaves them out.
    #[arg(long, value_name = "MIN", requires = "bed")]
    pub maf: Option<f64>,
    /// Correlation: pairwise (equicorrelated) or of neighbouring columns (toeplitz); in [0, 1).
    #[arg(long)]
    pub rho: Option<f64>,
    /// Number of nonzero coefficients / causal SNPs (toeplitz, genotype, sparse_x, --bed).
    #[arg(long)]
    pub k: Option<usize>,
    /// Target signal-to-noise ratio Var(Xβ)/σ² (for genotype h2 = snr/(1+snr)). [default: 3]
    #[arg(long, conflicts_with = "h2")]
    pub snr: Option<f64>,
    /// Target heritability h² = SNR/(1 + SNR), in (0, 1) (genotype; required with --bed, where
    /// var(g)/var(y) = h² exactly in the sample). [default: 0.5 for genotype]
    #[arg(long)]
    pub h2: Option<f64>,
    /// Lowest allele frequency (genotype). [default: 0.05]
    #[arg(long)]
    pub maf_min: Option<f64>,
    /// Highest allele frequency, at most 0.5 (genotype). [default: 0.5]
    #[arg(long)]
    pub maf_max: Option<f64>,
    /// SNPs per LD block (genotype). [default: 20]
    #[arg(long)]
    pub block_size: Option<usize>,
    /// Latent correlation of neighbouring SNPs within a block, in [0, 1); values near 1 (0.999)
    /// give long blocks in near-perfect LD (genotype). [default: 0.9]
    #[arg(long)]
    pub ld: Option<f64>,
    /// Fraction of SNPs that are exact copies of an earlier SNP of their block (perfect LD),
    /// in [0, 1) (genotype). [default: 0]
    #[arg(long)]
    pub dup_frac: Option<f64>,
    /// Fraction of the duplicates that are allele-flipped copies 2 − g, in [0, 1] (genotype).
    /// [default: 0]
    #[arg(long)]
    pub flip_frac: Option<f64>,
    /// Fraction of monomorphic SNPs (all 0 or all 2; never causal), in [0, 1) (genotype).
    /// [default: 0]
    #[arg(long)]
    pub mono_frac: Option<f64>,
    /// Probability that a genotype call is missing, in [0, 1): .bed code 01; X.npy holds the
    /// SNP's mean over its called samples (genotype). [default: 0]
    #[arg(long)]
    pub missing_rate: Option<f64>,
    /// Case/control phenotype by the liability-threshold model (genotype, --bed): the
    /// quantitative phenotype with heritability --h2 is the liability; samples above its
    /// population quantile 1 − --prevalence are cases. y.npy and pheno.txt hold 0/1, the .fam
    /// PLINK's 1 = control, 2 = case.
    #[arg(long)]
    pub binary: bool,
    /// Share of cases in the population, in (0, 1), with --binary. [default: 0.5]
    #[arg(long, requires = "binary")]
    pub prevalence: Option<f64>,
    /// Survival phenotype (genotype, --bed) from a Cox model whose linear predictor η is the
    /// genetic value, centered and scaled so that var(η)/(var(η) + π²/6) = --h2 (h² on the
    /// log-time scale): exponential baseline hazard, T = −log(U)/exp(η), independent exponential
    /// censoring C (see --censoring); time = min(T, C), status = 1{T ≤ C}. Writes time.npy and
    /// status.npy instead of y.npy, and pheno.txt as `FID IID time status` (for `regpath path
    /// --datafit cox`: --time/--status, or --pheno pheno.txt --time-col 1 --status-col 2).
    #[arg(long, conflicts_with = "binary")]
    pub survival: bool,
    /// Expected censored fraction F, in [0, 1), with --survival: the censoring rate is chosen so
    /// that the mean of P(C_i < T_i) over the samples is F; 0 means no censoring. [default: 0.3]
    #[arg(long, value_name = "F", requires = "survival", allow_hyphen_values = true)]
    pub censoring: Option<f64>,
    /// Fraction of nonzero entries of X (sparse_x). [default: 0.05]
    #[arg(long)]
    pub density: Option<f64>,
    /// Random seed; the same seed gives the same bytes on any machine and thread count.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output format: npy, or bed (a PLINK fileset; genotype only).
    #[arg(long, value_enum, default_value = "npy")]
    pub format: Format,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

impl GenArgs {
    /// The optional family flags that were given, as (flag name, spec key, value).
    fn given(&self) -> Vec<(&'static str, &'static str, Value)> {
        let mut out = Vec::new();
        let mut put = |flag, key, v: Option<Value>| {
            if let Some(v) = v {
                out.push((flag, key, v));
            }
        };
        put("--rho", "rho", self.rho.map(|v| json!(v)));
        put("--k", "k", self.k.map(|v| json!(v)));
        put("--snr", "snr", self.snr.map(|v| json!(v)));
        put("--h2", "h2", self.h2.map(|v| json!(v)));
        put("--maf-min", "maf_min", self.maf_min.map(|v| json!(v)));
        put("--maf-max", "maf_max", self.maf_max.map(|v| json!(v)));
        put("--block-size", "block_size", self.block_size.map(|v| json!(v)));
        put("--ld", "ld", self.ld.map(|v| json!(v)));
        put("--dup-frac", "dup_frac", self.dup_frac.map(|v| json!(v)));
        put("--flip-frac", "flip_frac", self.flip_frac.map(|v| json!(v)));
        put("--mono-frac", "mono_frac", self.mono_frac.map(|v| json!(v)));
        put("--missing-rate", "missing_rate", self.missing_rate.map(|v| json!(v)));
        put("--density", "density", self.density.map(|v| json!(v)));
        let prevalence = self.binary.then(|| self.prevalence.unwrap_or(DEFAULT_PREVALENCE));
        put("--binary", "prevalence", prevalence.map(|v| json!(v)));
        put("--survival", "survival", self.survival.then_some(Value::Bool(true)));
        put("--censoring", "censoring", self.censoring.map(|v| json!(v)));
        out
    }
}

/// Prevalence of `--binary` without `--prevalence`.
const DEFAULT_PREVALENCE: f64 = 0.5;

/// The optional flags each family takes (`--snr` and `--h2` are interchangeable where noise is
/// set by a target).
fn allowed_flags(family: Family) -> &'static [&'static str] {
    match family {
        Family::Uniform => &[],
        Family::Equicorrelated => &["--rho", "--snr", "--h2"],
        Family::Toeplitz => &["--rho", "--k", "--snr", "--h2"],
        Family::Genotype => &[
            "--k",
            "--snr",
            "--h2",
            "--maf-min",
            "--maf-max",
            "--block-size",
            "--ld",
            "--dup-frac",
            "--flip-frac",
            "--mono-frac",
            "--missing-rate",
            "--binary",
            "--survival",
            "--censoring",
        ],
        Family::SparseX => &["--density", "--k", "--snr", "--h2"],
    }
}

/// Builds the family spec from the flags; flags that do not apply to the family are errors.
pub fn spec_from_args(args: &GenArgs) -> anyhow::Result<FamilySpec> {
    let family = args.family.context("--family is required (or --bed PREFIX)")?;
    let allowed = allowed_flags(family);
    let mut m = Map::new();
    m.insert("family".into(), json!(family.spec_name()));
    m.insert("n".into(), json!(args.n.context("--n is required with --family")?));
    m.insert("p".into(), json!(args.p.context("--p is required with --family")?));
    for (flag, key, value) in args.given() {
        if !allowed.contains(&flag) {
            let takes = if allowed.is_empty() {
                "it takes only --n and --p".to_string()
            } else {
                format!("it takes {}", allowed.join(", "))
            };
            anyhow::bail!("{flag} does not apply to family {} ({takes})", family.spec_name());
        }
        match (key, value.as_f64()) {
            // Noise is a heritability for genotype and an SNR elsewhere: convert between them.
            ("snr", Some(s)) if family == Family::Genotype => {
                if !(s > 0.0 && s.is_finite()) {
                    anyhow::bail!("invalid parameter: snr must be positive and finite, got {s}");
                }
                m.insert("h2".into(), json!(s / (1.0 + s)));
            }
            ("h2", Some(h)) if family != Family::Genotype => {
                if !(h > 0.0 && h < 1.0) {
                    anyhow::bail!("invalid parameter: h2 must be in (0, 1), got {h}");
                }
                m.insert("snr".into(), json!(h / (1.0 - h)));
            }
            _ => {
                m.insert(key.into(), value);
            }
        }
    }
    serde_json::from_value(Value::Object(m))
        .with_context(|| format!("invalid parameters for family {}", family.spec_name()))
}

/// Runs `regpath gen`.
pub fn run(args: &GenArgs) -> anyhow::Result<()> {
    if let Some(prefix) = &args.bed {
        return run_simulate(args, prefix);
    }
    let spec = spec_from_args(args)?;
    spec.validate()?;
    let format = match args.format {
        Format::Npy => OutputFormat::Npy,
        Format::Bed => OutputFormat::Bed,
    };
    let meta = write_dataset(&args.out, &spec, args.seed, format)
        .with_context(|| format!("regpath gen: writing {}", args.out.display()))?;
    let files: Vec<&str> =
        meta["files"].as_object().map(|f| f.values().filter_map(Value::as_str).collect()).unwrap_or_default();
    let defects = match &meta["n_duplicates"] {
        Value::Null => String::new(),
        d => format!(
            ", {d} duplicate SNPs ({} flipped), {} monomorphic, missing rate {}",
            meta["n_flipped"], meta["n_monomorphic"], meta["missing_rate"]
        ),
    };
    let defects = match &meta["survival"] {
        Value::Bool(true) => format!(
            "{defects}, survival: {} events, {} censored (target censored fraction {}, realized {:.4})",
            meta["events"],
            meta["censored"],
            meta["censoring"],
            meta["censored_fraction"].as_f64().unwrap_or(f64::NAN)
        ),
        _ => defects,
    };
    eprintln!(
        "wrote {} ({}, n = {}, p = {}, seed = {}, realized snr = {:.4}, h2 = {:.4}{defects}): {}, meta.json",
        args.out.display(),
        spec.name(),
        spec.n(),
        spec.p(),
        args.seed,
        meta["snr"].as_f64().unwrap_or(f64::NAN),
        meta["h2"].as_f64().unwrap_or(f64::NAN),
        files.join(", ")
    );
    Ok(())
}

/// The simulation parameters of `gen --bed` (the causal SNPs still as given on the command
/// line: `Random(k)` stands for a --causal list until the fileset is read).
fn simulate_spec(args: &GenArgs) -> anyhow::Result<SimulateSpec> {
    let h2 = args.h2.context("--bed needs --h2 H (the heritability to simulate, in (0, 1))")?;
    let k = match (args.k, &args.causal) {
        (Some(k), _) => k,
        (None, Some(_)) => 1,
        (None, None) => anyhow::bail!("--bed needs --k K (the number of causal SNPs) or --causal FILE"),
    };
    let spec = SimulateSpec {
        causal: CausalSnps::Random(k),
        h2,
        maf_alpha: args.maf_alpha.unwrap_or(DEFAULT_MAF_ALPHA),
        prevalence: args.binary.then(|| args.prevalence.unwrap_or(DEFAULT_PREVALENCE)),
        censoring: args.survival.then(|| args.censoring.unwrap_or(DEFAULT_CENSORING)),
    };
    spec.validate()?;
    Ok(spec)
}

/// Runs `regpath gen --bed PREFIX`: every input is read and checked and the phenotype
/// simulated before anything is written.
fn run_simulate(args: &GenArgs, prefix: &Path) -> anyhow::Result<()> {
    let mut spec = simulate_spec(args)?;
    let bed = Bed::open(prefix)?;
    if let Some(file) = &args.causal {
        let listed = causal_indices(&bed, &read_causal_ids(file)?, file)?;
        if let Some(k) = args.k
            && k != listed.len()
        {
            anyhow::bail!("--k {k} disagrees with the {} SNPs listed in {}", listed.len(), file.display());
        }
        spec.causal = CausalSnps::Listed(listed);
    }
    let filter = SnpFilter { extract: args.extract.clone(), exclude: args.exclude.clone(), maf: args.maf };
    let selection = select_snps(&bed, None, &filter)?;
    if let Some(line) = selection.describe(&filter) {
        eprintln!("note: causal SNPs drawn from {line}");
    }
    let mut scan = SnpScan::new(&bed, None)?;
    if let Some(kept) = &selection.kept {
        scan.restrict(kept);
    }
    let sim = simulate_phenotype_scanned(&bed, None, &scan, &spec, args.seed)?;
    let hash = fileset_hash(&bed)?;
    let meta = simulation_meta(&bed, &spec, args.seed, &sim, &hash);
    let written = write_simulation(&args.out, &bed, None, &sim, &meta)
        .with_context(|| format!("regpath gen --bed: writing {}", args.out.display()))?;
    let cases = match sim.cases {
        Some(c) => format!(", {c} cases and {} controls (prevalence {})", sim.y.len() - c, meta["prevalence"]),
        None => String::new(),
    };
    let cases = match &sim.survival {
        Some(draw) => format!(
            ", {} events and {} censored (target censored fraction {}, realized {:.4})",
            draw.events(),
            draw.time.len() - draw.events(),
            draw.censoring,
            1.0 - draw.event_fraction
        ),
        None => cases,
    };
    let names: Vec<String> =
        written.iter().filter_map(|p| p.file_name()).map(|f| f.to_string_lossy().into_owned()).collect();
    eprintln!(
        "simulated on {} ({} samples): {} causal SNPs among {} polymorphic kept of {} SNPs, h2 = {} (realized {:.12}), \
         maf_alpha = {}, seed = {}{cases}; wrote {}: {}",
        bed.bed_path().display(),
        bed.n_samples(),
        sim.causal.len(),
        scan.n_candidates(),
        bed.n_snps(),
        spec.h2,
        sim.h2,
        spec.maf_alpha,
        args.seed,
        args.out.display(),
        names.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        gen_args: GenArgs,
    }

    fn parse(args: &str) -> Result<GenArgs, clap::Error> {
        let argv = std::iter::once("gen").chain(args.split_whitespace());
        Cli::try_parse_from(argv).map(|c| c.gen_args)
    }

    #[test]
    fn flags_become_a_spec_with_defaults() {
        let a = parse("--family toeplitz --n 50 --p 20 --k 3 --h2 0.75 --out d").unwrap();
        let spec = spec_from_args(&a).unwrap();
        assert_eq!(spec, FamilySpec::Toeplitz { n: 50, p: 20, rho: 0.5, k: 3, snr: 3.0 });
        let g = parse("--family genotype --n 5 --p 9 --snr 1 --maf-min 0.1 --out d").unwrap();
        let spec = spec_from_args(&g).unwrap();
        assert!(matches!(spec, FamilySpec::Genotype { h2, maf_min, .. } if h2 == 0.5 && maf_min == 0.1));
        let s = parse("--family sparse_x --n 5 --p 9 --density 0.2 --out d").unwrap();
        assert_eq!(spec_from_args(&s).unwrap().name(), "sparse_x");
    }

    #[test]
    fn bad_flags_are_errors() {
        assert!(parse("--family nope --n 5 --p 9 --out d").is_err());
        assert!(parse("--family genotype --n 5 --p 9 --snr 1 --h2 0.5 --out d").is_err());
        let a = parse("--family uniform --n 5 --p 9 --rho 0.2 --out d").unwrap();
        let msg = spec_from_args(&a).unwrap_err().to_string();
        assert!(msg.contains("--rho does not apply to family uniform"), "{msg}");
        let a = parse("--family equicorrelated --n 5 --p 9 --h2 1.5 --out d").unwrap();
        assert!(spec_from_args(&a).unwrap_err().to_string().contains("h2 must be in (0, 1)"));
    }

    #[test]
    fn genotype_defect_flags() {
        let g = parse(
            "--family genotype --n 50 --p 100 --dup-frac 0.2 --flip-frac 0.5 --mono-frac 0.1 --missing-rate 0.02 --out d",
        )
        .unwrap();
        let spec = spec_from_args(&g).unwrap();
        assert!(matches!(spec, FamilySpec::Genotype { dup_frac, flip_frac, mono_frac, missing_rate, .. }
            if dup_frac == 0.2 && flip_frac == 0.5 && mono_frac == 0.1 && missing_rate == 0.02));
        let off = spec_from_args(&parse("--family genotype --n 50 --p 100 --out d").unwrap()).unwrap();
        assert!(matches!(off, FamilySpec::Genotype { dup_frac, flip_frac, mono_frac, missing_rate, .. }
            if dup_frac == 0.0 && flip_frac == 0.0 && mono_frac == 0.0 && missing_rate == 0.0));
        let a = parse("--family toeplitz --n 5 --p 9 --dup-frac 0.1 --out d").unwrap();
        let msg = spec_from_args(&a).unwrap_err().to_string();
        assert!(msg.contains("--dup-frac does not apply to family toeplitz"), "{msg}");

        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("g");
        let a = parse(&format!(
            "--family genotype --n 20 --p 200 --dup-frac 0.2 --flip-frac 0.5 --mono-frac 0.1 --missing-rate 0.05 \
             --format bed --out {}",
            out.display()
        ))
        .unwrap();
        run(&a).unwrap();
        let meta: Value = serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
        assert_eq!((meta["dup_frac"].as_f64(), meta["missing_rate"].as_f64()), (Some(0.2), Some(0.05)));
        assert_eq!((meta["n_duplicates"].as_u64(), meta["n_flipped"].as_u64()), (Some(40), Some(20)));
        assert_eq!(meta["n_monomorphic"], 20);
        for (flags, want) in [
            ("--missing-rate 1.5", "missing_rate must be in [0, 1), got 1.5"),
            ("--flip-frac 2", "flip_frac"),
            ("--dup-frac 0.5 --block-size 1", "dup_frac = 0.5 asks for 100 duplicate SNPs"),
        ] {
            let bad = dir.path().join("bad");
            let a = parse(&format!("--family genotype --n 20 --p 200 {flags} --out {}", bad.display())).unwrap();
            let msg = format!("{:#}", run(&a).unwrap_err());
            assert!(msg.contains(want), "{msg}");
            assert!(!bad.exists());
        }
    }

    #[test]
    fn run_writes_files_and_refuses_bad_parameters() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("g");
        let a = parse(&format!("--family genotype --n 9 --p 30 --k 2 --format bed --seed 4 --out {}", out.display()))
            .unwrap();
        run(&a).unwrap();
        for f in ["geno.bed", "geno.bim", "geno.fam", "pheno.txt", "y.npy", "beta.npy", "meta.json"] {
            assert!(out.join(f).exists(), "{f}");
        }
        let bad = dir.path().join("bad");
        let a = parse(&format!("--family toeplitz --n 9 --p 5 --k 6 --out {}", bad.display())).unwrap();
        assert!(run(&a).is_err());
        assert!(!bad.exists());
        let a = parse(&format!("--family uniform --n 9 --p 5 --format bed --out {}", bad.display())).unwrap();
        assert!(run(&a).is_err());
        assert!(!bad.exists());
    }

    #[test]
    fn binary_flags() {
        let spec = |args: &str| spec_from_args(&parse(args).unwrap());
        let b = spec("--family genotype --n 50 --p 100 --binary --prevalence 0.1 --out d").unwrap();
        assert!(matches!(b, FamilySpec::Genotype { prevalence: Some(k), .. } if k == 0.1));
        let d = spec("--family genotype --n 50 --p 100 --binary --out d").unwrap();
        assert!(matches!(d, FamilySpec::Genotype { prevalence: Some(k), .. } if k == DEFAULT_PREVALENCE));
        let q = spec("--family genotype --n 50 --p 100 --out d").unwrap();
        assert!(matches!(q, FamilySpec::Genotype { prevalence: None, .. }));
        assert!(parse("--family genotype --n 50 --p 100 --prevalence 0.1 --out d").is_err(), "needs --binary");
        let msg = spec("--family toeplitz --n 5 --p 9 --binary --out d").unwrap_err().to_string();
        assert!(msg.contains("--binary does not apply to family toeplitz"), "{msg}");
        let surv = spec("--family genotype --n 50 --p 100 --survival --censoring 0.2 --out d").unwrap();
        assert!(matches!(surv, FamilySpec::Genotype { survival: true, censoring: Some(f), prevalence: None, .. }
            if f == 0.2));
        let surv = spec("--family genotype --n 50 --p 100 --survival --out d").unwrap();
        assert!(matches!(surv, FamilySpec::Genotype { survival: true, censoring: None, .. }));
        assert!(parse("--family genotype --n 50 --p 100 --survival --binary --out d").is_err());
        let bad = spec("--family genotype --n 50 --p 100 --binary --prevalence 1 --out d").unwrap();
        let msg = bad.validate().unwrap_err().to_string();
        assert!(msg.contains("prevalence must be in (0, 1)"), "{msg}");
    }
}
