//! Shared settings and fixtures for the regpath benchmarks.
//!
//! Every sample size, warm-up and measurement time used by the bench targets is set here, in
//! [`Budget`], so that the length of a plain `cargo bench` is tuned in one place. The shapes
//! of the whole-path benchmarks are listed here too ([`path_cases`], [`technique_cases`]);
//! the largest ones only run with `REGPATH_BENCH_LARGE=1`.
//!
//! Environment variables read by the benches:
//!
//! - `REGPATH_BENCH_LARGE=1`: also run the large shapes and the slow cases (1,000 × 100,000
//!   paths for four penalties, Ridge on 200 × 2,000, MCP/SCAD on n > p, cold starts on longer
//!   grids).
//! - `REGPATH_BENCH_THREADS=N`: rayon threads used inside a path fit (default 1, so that the
//!   numbers do not depend on what else runs on the machine; the solver's results never depend
//!   on it).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use criterion::{BenchmarkGroup, SamplingMode, measurement::WallTime};
use ndarray::Array2;
use regpath_datagen::{FamilySpec, generate};
use regpath_solver::{AlphaGrid, PathOptions, PathSummary, PenaltySpec, Screening};

/// Seed of every generated benchmark dataset.
pub const SEED: u64 = 20_240_601;

/// Number of alphas on every benchmarked path.
pub const N_ALPHAS: usize = 100;

/// Criterion timing settings of one kind of benchmark.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Samples (criterion's minimum is 10).
    pub sample_size: usize,
    /// Warm-up time.
    pub warm_up: Duration,
    /// Target measurement time.
    pub measurement: Duration,
    /// Flat sampling (same iteration count in every sample): for benchmarks whose single
    /// iteration takes a large part of the measurement time.
    pub flat: bool,
}

impl Budget {
    /// Micro-kernels (nanoseconds to milliseconds per iteration).
    pub const KERNEL: Budget = Budget {
        sample_size: 30,
        warm_up: Duration::from_millis(500),
        measurement: Duration::from_secs(2),
        flat: false,
    };
    /// Whole paths (tens of milliseconds to seconds per iteration): 10 samples of one
    /// iteration each once an iteration is longer than a second.
    pub const PATH: Budget = Budget {
        sample_size: 10,
        warm_up: Duration::from_millis(500),
        measurement: Duration::from_secs(3),
        flat: true,
    };

    /// Applies the budget to a group.
    pub fn apply(self, group: &mut BenchmarkGroup<'_, WallTime>) {
        group.sample_size(self.sample_size);
        group.warm_up_time(self.warm_up);
        group.measurement_time(self.measurement);
        if self.flat {
            group.sampling_mode(SamplingMode::Flat);
        }
    }
}

/// Whether `REGPATH_BENCH_LARGE=1` asks for the large shapes.
pub fn large() -> bool {
    std::env::var("REGPATH_BENCH_LARGE").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Threads used inside a path fit (`REGPATH_BENCH_THREADS`, default 1).
pub fn threads() -> usize {
    std::env::var("REGPATH_BENCH_THREADS").ok().and_then(|v| v.parse().ok()).filter(|&t| t > 0).unwrap_or(1)
}

/// Sets up the global rayon pool with [`threads`] threads (once per process).
pub fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only if a pool already exists, in which case that pool is used.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(threads()).build_global();
    });
}

/// A synthetic dataset family and size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// glmnet's equicorrelated Gaussian design, ρ = 0.5, SNR 3.
    Equicorrelated {
        /// Samples.
        n: usize,
        /// Features.
        p: usize,
    },
    /// SNP-like 0/1/2 dosages with LD blocks, 10 causal SNPs, h² = 0.5.
    Genotype {
        /// Samples.
        n: usize,
        /// SNPs.
        p: usize,
    },
}

impl Shape {
    /// `eq_n200_p2000`, `geno_n500_p10000`.
    pub fn label(&self) -> String {
        match self {
            Shape::Equicorrelated { n, p } => format!("eq_n{n}_p{p}"),
            Shape::Genotype { n, p } => format!("geno_n{n}_p{p}"),
        }
    }

    /// (n, p).
    pub fn dims(&self) -> (usize, usize) {
        match *self {
            Shape::Equicorrelated { n, p } | Shape::Genotype { n, p } => (n, p),
        }
    }

    /// Generates the dataset (X in Fortran order, y) with the fixed [`SEED`].
    pub fn generate(&self) -> Data {
        let spec = match *self {
            Shape::Equicorrelated { n, p } => FamilySpec::Equicorrelated { n, p, rho: 0.5, snr: 3.0 },
            Shape::Genotype { n, p } => FamilySpec::Genotype {
                n,
                p,
                k: 10,
                h2: 0.5,
                maf_min: 0.05,
                maf_max: 0.5,
                block_size: 20,
                ld: 0.9,
                dup_frac: 0.0,
                flip_frac: 0.0,
                mono_frac: 0.0,
                missing_rate: 0.0,
                prevalence: None,
                survival: false,
                censoring: None,
            },
        };
        let s = generate(&spec, SEED).expect("benchmark dataset parameters are valid");
        Data { x: s.x, y: s.y.to_vec() }
    }
}

/// A generated design and response.
#[derive(Clone, Debug)]
pub struct Data {
    /// n × p, column-major.
    pub x: Array2<f64>,
    /// Length n.
    pub y: Vec<f64>,
}

/// The five penalties with their default parameters (docs/design.md §3).
pub fn penalties() -> [PenaltySpec; 5] {
    [
        PenaltySpec::Lasso,
        PenaltySpec::Ridge,
        PenaltySpec::Enet { l1_ratio: 0.5 },
        PenaltySpec::Mcp { gamma: 3.0 },
        PenaltySpec::Scad { gamma: 3.7 },
    ]
}

/// One whole-path benchmark: a shape, the grid's `eps`, and the penalties run on it.
#[derive(Clone, Debug)]
pub struct PathCase {
    /// The data.
    pub shape: Shape,
    /// Smallest alpha over alpha_max.
    pub eps: f64,
    /// Penalties fitted on this shape.
    pub penalties: Vec<PenaltySpec>,
}

impl PathCase {
    /// `eq_n200_p2000/eps1e-3`: the benchmark parameter string.
    pub fn label(&self) -> String {
        format!("{}/eps{:e}", self.shape.label(), self.eps)
    }
}

/// The whole-path benchmarks (100 alphas each, default screening, warm starts).
///
/// Default set (each path at most a few seconds on one thread; a plain `cargo bench` must stay
/// under ~10 minutes on 2 cores):
/// - 1,000 × 200 (n > p) with `eps = 1e-3`: Lasso, Ridge, ElasticNet;
/// - 200 × 2,000 with `eps = 1e-3`: Lasso, ElasticNet, MCP, SCAD;
/// - 100 × 500 with `eps = 1e-3`: Ridge (Ridge with p ≫ n is currently slow: 100 × 1,000
///   takes ~2–5 s and 200 × 2,000 over a minute, see docs/performance.md);
/// - 500 × 10,000 equicorrelated with `eps = 1e-3`: Lasso, ElasticNet, MCP (1–3 s each since
///   the active-set Newton solver; 5–15 s before);
/// - 500 × 10,000 genotype with `eps = 1e-2`: Lasso, SCAD.
///
/// With `REGPATH_BENCH_LARGE=1` also: MCP and SCAD on 1,000 × 200, SCAD on 500 × 10,000
/// equicorrelated and ElasticNet and MCP on genotype (`eps = 1e-2`), Ridge on 200 × 2,000, and
/// the genomic-scale shape of issue 6, 1,000 × 100,000 equicorrelated with `eps = 1e-3`, for
/// Lasso, ElasticNet, MCP and SCAD (2–12 s per path; the data alone is 0.8 GB).
pub fn path_cases() -> Vec<PathCase> {
    let [lasso, ridge, enet, mcp, scad] = penalties();
    let eq = |n, p| Shape::Equicorrelated { n, p };
    let geno = Shape::Genotype { n: 500, p: 10_000 };
    let mut cases = vec![
        PathCase { shape: eq(1000, 200), eps: 1e-3, penalties: vec![lasso, ridge, enet] },
        PathCase { shape: eq(200, 2000), eps: 1e-3, penalties: vec![lasso, enet, mcp, scad] },
        PathCase { shape: eq(100, 500), eps: 1e-3, penalties: vec![ridge] },
        PathCase { shape: eq(500, 10_000), eps: 1e-3, penalties: vec![lasso, enet, mcp] },
        PathCase { shape: geno, eps: 1e-2, penalties: vec![lasso, scad] },
    ];
    if large() {
        cases.extend([
            PathCase { shape: eq(1000, 200), eps: 1e-3, penalties: vec![mcp, scad] },
            PathCase { shape: eq(500, 10_000), eps: 1e-2, penalties: vec![scad] },
            PathCase { shape: geno, eps: 1e-2, penalties: vec![enet, mcp] },
            PathCase { shape: eq(200, 2000), eps: 1e-3, penalties: vec![ridge] },
            PathCase { shape: eq(1000, 100_000), eps: 1e-3, penalties: vec![lasso, enet, mcp, scad] },
        ]);
    }
    cases
}

/// A solver technique switched on or off, for the warm-start and screening benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variant {
    /// Benchmark function name, e.g. `warm_all_screening`.
    pub name: &'static str,
    /// Warm starts along the path.
    pub warm_start: bool,
    /// Screening techniques.
    pub screening: Screening,
    /// Active-set Newton steps (and the Ridge kernel solve).
    pub newton: bool,
}

/// The technique variants: all on (the default), each screening technique off on its own,
/// all screening off, cold starts with and without screening.
pub fn variants() -> Vec<Variant> {
    let all = Screening::default();
    vec![
        Variant { name: "warm_all_screening", warm_start: true, screening: all, newton: true },
        Variant { name: "warm_no_newton", warm_start: true, screening: all, newton: false },
        Variant {
            name: "warm_no_strong_rules",
            warm_start: true,
            screening: Screening { strong_rules: false, ..all },
            newton: true,
        },
        Variant {
            name: "warm_no_gap_safe",
            warm_start: true,
            screening: Screening { gap_safe: false, ..all },
            newton: true,
        },
        Variant {
            name: "warm_no_gradient_bounds",
            warm_start: true,
            screening: Screening { gradient_bounds: false, ..all },
            newton: true,
        },
        Variant { name: "warm_no_screening", warm_start: true, screening: Screening::none(), newton: true },
        Variant { name: "cold_all_screening", warm_start: false, screening: all, newton: true },
        Variant { name: "cold_no_screening", warm_start: false, screening: Screening::none(), newton: true },
    ]
}

/// One technique benchmark: a case and the variants run on it.
#[derive(Clone, Debug)]
pub struct TechniqueCase {
    /// Shape, grid and penalties.
    pub case: PathCase,
    /// Whether the cold-start variants run (they cost 5–50× a warm path).
    pub cold: bool,
}

/// The technique benchmarks: Lasso (where Gap Safe applies) and MCP (strong rules and
/// gradient bounds only).
///
/// Default set: 100 × 1,000 with `eps = 1e-2`, every variant (cold starts included), Lasso and
/// MCP; 200 × 2,000 with `eps = 1e-2`, the warm variants, Lasso. Cold starts and switched-off
/// screening cost 5–50× a default path (and on 200 × 2,000 with `eps = 1e-3` cold starts hit
/// the epoch limit), so the longer grids are only in the large set.
///
/// With `REGPATH_BENCH_LARGE=1` also: 200 × 2,000 with `eps = 1e-3`, every variant, Lasso and
/// MCP; 500 × 10,000 with `eps = 1e-2`, the warm variants, Lasso.
pub fn technique_cases() -> Vec<TechniqueCase> {
    let [lasso, _, _, mcp, _] = penalties();
    let mut cases = vec![
        TechniqueCase {
            case: PathCase { shape: Shape::Equicorrelated { n: 100, p: 1000 }, eps: 1e-2, penalties: vec![lasso, mcp] },
            cold: true,
        },
        TechniqueCase {
            case: PathCase { shape: Shape::Equicorrelated { n: 200, p: 2000 }, eps: 1e-2, penalties: vec![lasso] },
            cold: false,
        },
    ];
    if large() {
        cases.push(TechniqueCase {
            case: PathCase { shape: Shape::Equicorrelated { n: 200, p: 2000 }, eps: 1e-3, penalties: vec![lasso, mcp] },
            cold: true,
        });
        cases.push(TechniqueCase {
            case: PathCase { shape: Shape::Equicorrelated { n: 500, p: 10_000 }, eps: 1e-2, penalties: vec![lasso] },
            cold: false,
        });
    }
    cases
}

/// Path options for a case and a variant.
pub fn path_options(eps: f64, variant: &Variant) -> PathOptions {
    PathOptions {
        grid: AlphaGrid::Geometric { n_alphas: N_ALPHAS, eps },
        warm_start: variant.warm_start,
        screening: variant.screening,
        newton: variant.newton,
        ..PathOptions::default()
    }
}

/// The default variant (warm starts, all screening).
pub fn default_variant() -> Variant {
    variants()[0]
}

/// Short label of a penalty with its parameter, e.g. `enet_l1r0.5`, `mcp_g3`.
pub fn penalty_label(spec: &PenaltySpec) -> String {
    match spec {
        PenaltySpec::Lasso => "lasso".into(),
        PenaltySpec::Ridge => "ridge".into(),
        PenaltySpec::Enet { l1_ratio } => format!("enet_l1r{l1_ratio}"),
        PenaltySpec::Mcp { gamma } => format!("mcp_g{gamma}"),
        PenaltySpec::Scad { gamma } => format!("scad_g{gamma}"),
    }
}

/// The directory criterion writes to, found the way criterion finds it: `$CRITERION_HOME`,
/// else `$CARGO_TARGET_DIR/criterion`, else the workspace's target directory.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    workspace_root().join("target").join("criterion")
}

/// The repository root (the parent of this package).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("benches/ has a parent").to_path_buf()
}

/// Facts about one benchmarked path, measured once outside the timed loop and joined to the
/// criterion estimates by `zz_summary`: the number of full passes over X, convergence.
#[derive(Clone, Debug)]
pub struct PathFacts {
    /// criterion's full benchmark id (`group/function/parameter`).
    pub full_id: String,
    /// n.
    pub n: usize,
    /// p.
    pub p: usize,
    /// Points fitted.
    pub n_points: usize,
    /// Whether every point reached the tolerance.
    pub all_converged: bool,
    /// The largest certificate along the path.
    pub worst_certificate: f64,
    /// Full-pass equivalents of gradient scans over the path.
    pub scan_passes: f64,
    /// Coordinate-descent epochs summed over the path.
    pub epochs: usize,
}

impl PathFacts {
    /// Builds the facts from a path's summary and its points' worst certificate and epochs.
    pub fn new(full_id: String, dims: (usize, usize), s: &PathSummary, worst: f64, epochs: usize) -> Self {
        PathFacts {
            full_id,
            n: dims.0,
            p: dims.1,
            n_points: s.n_points,
            all_converged: s.all_converged,
            worst_certificate: worst,
            scan_passes: s.scan_passes,
            epochs,
        }
    }

    /// Appends the facts as one CSV line to `<criterion dir>/regpath-path-facts.csv`; the
    /// summary keeps the last line per id. Failures only print a warning.
    pub fn record(&self) {
        let path = criterion_dir().join(FACTS_FILE);
        let line = format!(
            "{},{},{},{},{},{},{},{}\n",
            self.full_id,
            self.n,
            self.p,
            self.n_points,
            self.all_converged,
            self.worst_certificate,
            self.scan_passes,
            self.epochs
        );
        let result = std::fs::create_dir_all(criterion_dir()).and_then(|_| {
            std::fs::OpenOptions::new().create(true).append(true).open(&path)?.write_all(line.as_bytes())
        });
        if let Err(e) = result {
            eprintln!("warning: could not record path facts in {}: {e}", path.display());
        }
        if !self.all_converged {
            eprintln!(
                "warning: {} did not converge everywhere (worst certificate {:e})",
                self.full_id, self.worst_certificate
            );
        }
    }
}

/// File name of the path facts, inside the criterion directory.
pub const FACTS_FILE: &str = "regpath-path-facts.csv";
