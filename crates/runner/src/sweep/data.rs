//! The data of one unit (a dataset instance × replicate): generated or read once, split into
//! training, validation and test parts and CV folds, and viewed as designs to fit and as rows
//! to score.
//!
//! Genotypes — the synthetic `genotype` family and PLINK filesets alike — stay packed at 2 bits
//! per entry: a part or a fold is a list of sample indices into one packed buffer (the
//! generated one, or the memory-mapped `.bed`), and a fit repacks its rows once into a compact
//! 2-bit buffer (see `PackedGenotypeDesign::new`: contiguous bytes make coordinate descent
//! about 2× faster than gathering samples), 1/32 of the f64 copy it replaces. Predictions
//! decode only the columns with a nonzero coefficient. A missing call counts as the SNP's mean
//! over the samples of the fit, as in the fit itself. Dense data (`.npy`/CSV files and the
//! other families) are copied per part, as they are small next to genotype data.

use std::borrow::Cow;
use std::ops::ControlFlow;

use anyhow::{Context, Result};
use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use regpath_datagen::FamilySpec;
use regpath_datagen::families::genotype::GenotypeModel;
use regpath_solver::{
    DenseDesign, Design, PackedGenotypeDesign, PathOptions, PathPoint, PathSummary, PenaltySpec, SampleSegment,
    WithCovariates, fit_path_spec,
};

use super::config::SweepConfig;
use super::part::Part;
use super::plan::{DataOrigin, DatasetInstance, Plan, Unit, split_sizes};
use crate::load::{LoadedX, select_rows};
use crate::plink_codes;

/// SNPs generated per parallel chunk of a synthetic genotype matrix.
const SNPS_PER_CHUNK: usize = 16_384;

/// Packed SNP-major genotypes of a unit (PLINK's code layout), laid out once for its fits: the
/// training part fold after fold, then the validation and the test part, each run starting on
/// a byte (padding slots after a run's last sample are never read). Every fit reads this
/// buffer in place: the training part is all its runs, a CV fit all runs but its fold's
/// ([`PackedGenotypeDesign::from_segments`]); no fold is ever copied.
pub struct PackedParts<'a> {
    bytes: Cow<'a, [u8]>,
    /// Bytes per SNP of `bytes`.
    bytes_per_snp: usize,
    /// SNPs (columns of X).
    p: usize,
    /// The training part's runs `(first byte, samples)`: one per CV fold, in fold order (one
    /// run without CV).
    train_runs: Vec<(usize, usize)>,
    /// The slot in `bytes` of each training / validation / test position.
    rows: [Vec<usize>; 3],
}

impl PackedParts<'static> {
    /// Lays out the samples `parts` (sample indices of the source; the training part with the
    /// folds `fold_sizes` one after the other, or one run when empty) of SNP-major `source`
    /// data (`source_bytes_per_snp` bytes per SNP, its SNPs `columns` or all `p`).
    pub(crate) fn lay_out(
        source: &[u8],
        source_bytes_per_snp: usize,
        columns: Option<&[usize]>,
        p: usize,
        parts: &[Vec<usize>; 3],
        fold_sizes: &[usize],
    ) -> PackedParts<'static> {
        let train_sizes: Vec<usize> = if fold_sizes.is_empty() { vec![parts[0].len()] } else { fold_sizes.to_vec() };
        debug_assert_eq!(train_sizes.iter().sum::<usize>(), parts[0].len());
        let mut slots: Vec<usize> = Vec::new();
        let mut rows: [Vec<usize>; 3] = Default::default();
        let mut train_runs = Vec::new();
        let mut put = |samples: &[usize], rows: &mut Vec<usize>| -> (usize, usize) {
            let byte = slots.len() / 4;
            for &i in samples {
                rows.push(slots.len());
                slots.push(i);
            }
            // padding up to the byte's end (any sample: never read)
            while !slots.len().is_multiple_of(4) {
                slots.push(samples[0]);
            }
            (byte, samples.len())
        };
        let mut start = 0;
        for &size in &train_sizes {
            if size > 0 {
                train_runs.push(put(&parts[0][start..start + size], &mut rows[0]));
            }
            start += size;
        }
        for part in 1..3 {
            if !parts[part].is_empty() {
                put(&parts[part], &mut rows[part]);
            }
        }
        let bytes = regpath_solver::repack_samples(source, source_bytes_per_snp, columns, p, &slots);
        PackedParts { bytes: Cow::Owned(bytes), bytes_per_snp: slots.len() / 4, p, train_runs, rows }
    }
}

/// The design matrix of a unit, split into its parts.
pub enum PartsX<'a> {
    /// Dense rows, copied per part (column-major).
    Dense([Array2<f64>; 3]),
    /// Packed genotypes, never expanded.
    Packed(PackedParts<'a>),
}

/// The data of one unit, split into its parts.
pub struct UnitData<'a> {
    /// X of each part.
    pub x: PartsX<'a>,
    /// y of each part.
    pub y: [Vec<f64>; 3],
    /// True coefficients, when known.
    pub beta: Option<Vec<f64>>,
    /// CV folds: sorted positions within the training part (empty without CV).
    pub folds: Vec<Vec<usize>>,
    /// Unpenalized covariates of each part (same rows as X).
    pub covariates: Option<[Array2<f64>; 3]>,
    /// Penalty factor of each column of X.
    pub penalty_factor: Option<Vec<f64>>,
    /// Copy group of each column of X, when support recovery counts exact copies of a causal
    /// SNP as finding it (simulated phenotypes, `sweep::simulated`).
    pub copy_groups: Option<std::sync::Arc<Vec<u32>>>,
}

/// A design to fit: the training part or a CV fit of it.
pub enum FitDesign<'d> {
    /// Dense rows.
    Dense(DenseDesign<'d>),
    /// Packed genotypes of the fit's samples.
    Packed(PackedGenotypeDesign<'d>),
}

/// Rows to score: a part, or the held-out fold of the training part.
pub struct Scorer<'d> {
    x: ScorerX<'d>,
    covariates: Option<Cow<'d, Array2<f64>>>,
}

enum ScorerX<'d> {
    Dense(Cow<'d, Array2<f64>>),
    Packed {
        parts: &'d PackedParts<'d>,
        /// Sample indices of the scored rows.
        rows: Vec<usize>,
        /// Sample indices of the fit, whose mean imputes a missing call.
        reference: Vec<usize>,
    },
}

/// The random partition of `n` samples into (train, validation, test) index lists (each sorted),
/// and the CV folds of the training part, from `split_seed`.
pub fn split(
    n: usize,
    test: f64,
    validation: f64,
    folds: usize,
    split_seed: u64,
) -> (Vec<usize>, Vec<usize>, Vec<usize>, Vec<Vec<usize>>) {
    let (n_train, n_val, n_test) = split_sizes(n, test, validation);
    let mut rng = ChaCha8Rng::seed_from_u64(split_seed);
    let mut perm: Vec<usize> = (0..n).collect();
    perm.shuffle(&mut rng);
    let mut test_idx = perm[..n_test].to_vec();
    let mut val_idx = perm[n_test..n_test + n_val].to_vec();
    let mut train_idx = perm[n_test + n_val..].to_vec();
    debug_assert_eq!(train_idx.len(), n_train);
    test_idx.sort_unstable();
    val_idx.sort_unstable();
    train_idx.sort_unstable();
    let mut fold_lists = vec![Vec::new(); folds];
    if folds > 0 {
        let mut order: Vec<usize> = (0..n_train).collect();
        order.shuffle(&mut rng);
        for (i, pos) in order.into_iter().enumerate() {
            fold_lists[i % folds].push(pos);
        }
        for f in &mut fold_lists {
            f.sort_unstable();
        }
    }
    (train_idx, val_idx, test_idx, fold_lists)
}

/// The parts and folds of a replicate of dataset `ds`: the dataset's own (`split`/`folds`
/// files, [`super::fixed_split::FixedSplit`]) or drawn at random from `split_seed` ([`split`]).
pub fn unit_split_indices(
    config: &SweepConfig,
    ds: &DatasetInstance,
    split_seed: u64,
) -> (Vec<usize>, Vec<usize>, Vec<usize>, Vec<Vec<usize>>) {
    let e = &config.evaluation;
    match &ds.fixed {
        Some(fixed) => fixed.assign(split_seed),
        None => split(ds.n, e.test, e.validation_fraction(), e.folds(), split_seed),
    }
}

/// The training part in fold order: the sample indices of `train` rearranged fold after fold
/// (each fold's positions in increasing order), and the folds as the consecutive position
/// ranges they then occupy. With no folds, unchanged.
pub fn fold_order(train: &[usize], folds: &[Vec<usize>]) -> (Vec<usize>, Vec<Vec<usize>>) {
    if folds.is_empty() {
        return (train.to_vec(), Vec::new());
    }
    let order: Vec<usize> = folds.iter().flatten().map(|&pos| train[pos]).collect();
    let mut start = 0;
    let ranges = folds
        .iter()
        .map(|f| {
            let r = (start..start + f.len()).collect();
            start += f.len();
            r
        })
        .collect();
    (order, ranges)
}

/// The positions of the training part outside `held` (sorted), for a CV fit.
pub fn complement(n_train: usize, held: &[usize]) -> Vec<usize> {
    let mut out_of_fold = vec![true; n_train];
    for &i in held {
        out_of_fold[i] = false;
    }
    (0..n_train).filter(|&i| out_of_fold[i]).collect()
}

/// Generates or reads the unit's data and splits it.
pub fn prepare_unit<'a>(config: &SweepConfig, plan: &'a Plan, unit: &Unit) -> Result<UnitData<'a>> {
    let ds = &plan.datasets[unit.dataset];
    let (tr, va, te, folds) = unit_split_indices(config, ds, unit.split_seed);
    // genotypes are laid out fold after fold (no fold is copied): the training part in fold order
    let packed = match &ds.origin {
        DataOrigin::Synthetic(FamilySpec::Genotype { .. }) => true,
        DataOrigin::Loaded(file) | DataOrigin::Simulated(file, _) => matches!(file.input.x, LoadedX::Bed { .. }),
        DataOrigin::Synthetic(_) => false,
    };
    let fold_sizes: Vec<usize> = folds.iter().map(Vec::len).collect();
    let (tr, folds) = if packed { fold_order(&tr, &folds) } else { (tr, folds) };
    let idx = [tr, va, te];
    let pick = |y: &[f64]| idx.clone().map(|part| part.iter().map(|&i| y[i]).collect::<Vec<f64>>());
    let cov_parts = |c: ArrayView2<'_, f64>| idx.clone().map(|part| select_rows(c, &part));
    match &ds.origin {
        DataOrigin::Synthetic(spec @ FamilySpec::Genotype { .. }) => {
            let model = GenotypeModel::from_spec(spec, unit.data_seed)
                .with_context(|| format!("cannot generate dataset {}", ds.id))?;
            let phenotype = model.phenotype().with_context(|| format!("cannot generate dataset {}", ds.id))?;
            let mut bytes = Vec::with_capacity(model.n().div_ceil(4) * model.p());
            for chunk in model.packed_chunks(SNPS_PER_CHUNK) {
                bytes.extend_from_slice(&chunk);
            }
            let parts = PackedParts::lay_out(&bytes, model.n().div_ceil(4), None, model.p(), &idx, &fold_sizes);
            drop(bytes);
            let y = phenotype.y.to_vec();
            Ok(UnitData {
                y: pick(&y),
                x: PartsX::Packed(parts),
                beta: Some(phenotype.beta.to_vec()),
                folds,
                covariates: None,
                penalty_factor: None,
                copy_groups: None,
            })
        }
        DataOrigin::Synthetic(spec) => {
            let data = regpath_datagen::generate(spec, unit.data_seed)
                .with_context(|| format!("cannot generate dataset {}", ds.id))?;
            let y = data.y.as_slice().context("generated y is not contiguous")?;
            Ok(UnitData {
                y: pick(y),
                x: PartsX::Dense(idx.clone().map(|part| select_rows(data.x.view(), &part))),
                beta: Some(data.beta.to_vec()),
                folds,
                covariates: None,
                penalty_factor: None,
                copy_groups: None,
            })
        }
        DataOrigin::Loaded(file) | DataOrigin::Simulated(file, _) => {
            let input = &file.input;
            let draw = match &ds.origin {
                DataOrigin::Simulated(_, phenotype) => Some(
                    phenotype
                        .draw(input, unit.data_seed)
                        .with_context(|| format!("dataset {} replicate {}", ds.id, unit.replicate))?,
                ),
                _ => None,
            };
            let y = match &draw {
                Some(d) => d.y.as_slice(),
                None => input.y.as_slice().context("y is not contiguous")?,
            };
            let x = match &input.x {
                LoadedX::Dense(m) => PartsX::Dense(idx.clone().map(|part| select_rows(m.view(), &part))),
                LoadedX::Bed { bed, rows, columns } => {
                    let sample = |i: usize| rows.as_ref().map_or(i, |r| r[i]);
                    let samples = idx.clone().map(|part| part.iter().map(|&i| sample(i)).collect());
                    let p = columns.as_ref().map_or(bed.n_snps(), Vec::len);
                    let parts = PackedParts::lay_out(
                        bed.packed(),
                        bed.bytes_per_snp(),
                        columns.as_deref(),
                        p,
                        &samples,
                        &fold_sizes,
                    );
                    bed.release_resident_pages();
                    PartsX::Packed(parts)
                }
            };
            let copy_groups = match &ds.origin {
                DataOrigin::Simulated(_, phenotype) => Some(phenotype.groups.clone()),
                _ => None,
            };
            Ok(UnitData {
                y: pick(y),
                x,
                beta: draw.map(|d| d.beta).or_else(|| file.beta.clone()),
                folds,
                covariates: input.covariates.as_ref().map(|c| cov_parts(c.values.view())),
                penalty_factor: input.penalty_factor.clone(),
                copy_groups,
            })
        }
    }
}

impl<'a> UnitData<'a> {
    /// y of a part.
    pub fn y(&self, part: Part) -> &[f64] {
        &self.y[part as usize]
    }

    /// Rows in a part.
    pub fn n_rows(&self, part: Part) -> usize {
        self.y[part as usize].len()
    }

    /// The training part, or (a CV fit) the training part without fold `fold`, as a design.
    /// A dense subset is copied into `scratch`; genotypes are read in place.
    pub fn fit_design<'s>(
        &'s self,
        config: &SweepConfig,
        fold: Option<usize>,
        scratch: &'s mut Option<Array2<f64>>,
    ) -> Result<FitDesign<'s>> {
        let (intercept, standardize) = (config.solver.intercept, config.solver.standardize);
        Ok(match &self.x {
            PartsX::Dense(parts) => {
                let view = match fold {
                    None => parts[0].view(),
                    Some(f) => {
                        let fit = complement(self.n_rows(Part::Train), &self.folds[f]);
                        scratch.insert(select_rows(parts[0].view(), &fit)).view()
                    }
                };
                FitDesign::Dense(DenseDesign::new(view, intercept, standardize)?)
            }
            PartsX::Packed(pp) => FitDesign::Packed(pp.training_design(fold, intercept, standardize)?),
        })
    }

    /// Scores a whole part (validation or test) with models fitted on the training part.
    pub fn scorer(&self, part: Part) -> Scorer<'_> {
        let covariates = self.covariates.as_ref().map(|c| Cow::Borrowed(&c[part as usize]));
        let x = match &self.x {
            PartsX::Dense(parts) => ScorerX::Dense(Cow::Borrowed(&parts[part as usize])),
            PartsX::Packed(pp) => {
                ScorerX::Packed { parts: pp, rows: pp.rows[part as usize].clone(), reference: pp.rows[0].clone() }
            }
        };
        Scorer { x, covariates }
    }

    /// Scores fold `fold` of the training part with models fitted on the other folds.
    pub fn fold_scorer(&self, fold: usize) -> Scorer<'_> {
        let held = &self.folds[fold];
        let fit = complement(self.n_rows(Part::Train), held);
        let (held, fit) = (held.as_slice(), fit.as_slice());
        let covariates = self.covariates.as_ref().map(|c| Cow::Owned(select_rows(c[0].view(), held)));
        let x = match &self.x {
            PartsX::Dense(parts) => ScorerX::Dense(Cow::Owned(select_rows(parts[0].view(), held))),
            PartsX::Packed(pp) => ScorerX::Packed {
                parts: pp,
                rows: held.iter().map(|&i| pp.rows[0][i]).collect(),
                reference: fit.iter().map(|&i| pp.rows[0][i]).collect(),
            },
        };
        Scorer { x, covariates }
    }
}

impl FitDesign<'_> {
    /// Fits a path on this design (with the unpenalized covariates when given).
    pub fn fit<F>(
        &self,
        covariates: Option<ArrayView2<'_, f64>>,
        y: &[f64],
        spec: PenaltySpec,
        options: &PathOptions,
        on_point: F,
    ) -> Result<PathSummary>
    where
        F: FnMut(&PathPoint<'_>) -> ControlFlow<()>,
    {
        match self {
            FitDesign::Dense(d) => fit_on(d, covariates, y, spec, options, on_point),
            FitDesign::Packed(d) => fit_on(d, covariates, y, spec, options, on_point),
        }
    }
}

/// Fits a path on `design` (followed by the unpenalized `covariates` when given).
pub(crate) fn fit_on<D: Design, F>(
    design: &D,
    covariates: Option<ArrayView2<'_, f64>>,
    y: &[f64],
    spec: PenaltySpec,
    options: &PathOptions,
    on_point: F,
) -> Result<PathSummary>
where
    F: FnMut(&PathPoint<'_>) -> ControlFlow<()>,
{
    Ok(match covariates {
        Some(c) => fit_path_spec(&WithCovariates::new(design, c)?, y, spec, options, on_point)?,
        None => fit_path_spec(design, y, spec, options, on_point)?,
    })
}

impl Scorer<'_> {
    /// The linear predictor `pred = b + X·β (+ C·γ)` of every scored row, for the sparse
    /// original-scale coefficients `coefs` (`(j, β_j)`; `j ≥ p` are covariates).
    pub fn predict(&self, intercept: f64, coefs: &[(usize, f64)], pred: &mut [f64]) {
        match &self.x {
            ScorerX::Dense(x) => {
                super::metrics::predict(x.view(), self.covariates.as_ref().map(|c| c.view()), intercept, coefs, pred)
            }
            ScorerX::Packed { parts, rows, reference } => {
                pred.fill(intercept);
                let run = byte_run(rows);
                for &(j, c) in coefs {
                    if j < parts.p {
                        parts.add_column(j, c, rows, run, reference, pred);
                    } else if let Some(cov) = &self.covariates {
                        for (p, v) in pred.iter_mut().zip(cov.column(j - parts.p)) {
                            *p += c * v;
                        }
                    }
                }
            }
        }
    }
}

/// The first byte of `rows` when they are consecutive slots starting on a byte boundary.
pub(crate) fn byte_run(rows: &[usize]) -> Option<usize> {
    let first = *rows.first()?;
    (first.is_multiple_of(4) && rows.iter().enumerate().all(|(k, &i)| i == first + k)).then_some(first / 4)
}

impl PackedParts<'_> {
    /// The training part (all its runs), or without the run of fold `leave_out`, as a design
    /// read in place ([`PackedGenotypeDesign::from_segments`]).
    pub(crate) fn training_design(
        &self,
        leave_out: Option<usize>,
        intercept: bool,
        standardize: bool,
    ) -> Result<PackedGenotypeDesign<'_>> {
        let runs: Vec<(usize, usize)> = match leave_out {
            None => self.train_runs.clone(),
            Some(f) => self.train_runs.iter().enumerate().filter(|(g, _)| *g != f).map(|(_, r)| *r).collect(),
        };
        Ok(PackedGenotypeDesign::from_segments(
            &self.bytes,
            self.bytes_per_snp,
            self.p,
            SampleSegment::runs(&runs),
            intercept,
            standardize,
        )?)
    }

    /// The slot in the layout of training position `k` (the order the samples were laid out in).
    pub(crate) fn training_slot(&self, k: usize) -> usize {
        self.rows[0][k]
    }

    /// SNPs (columns of X).
    pub(crate) fn n_snps(&self) -> usize {
        self.p
    }

    /// The bytes of SNP j.
    fn snp(&self, j: usize) -> &[u8] {
        let bps = self.bytes_per_snp;
        &self.bytes[j * bps..(j + 1) * bps]
    }

    /// `pred_r += c·x_{rows[r], j}`, a missing call counting as the mean dosage of SNP j over
    /// the `reference` samples (0 when none is called). Rows that are one run of slots from
    /// byte `run` (every part and fold of the layout) are decoded a byte at a time
    /// ([`regpath_solver::packed_axpy_run`]); the missing calls, if any, are added after.
    pub(crate) fn add_column(
        &self,
        j: usize,
        c: f64,
        rows: &[usize],
        run: Option<usize>,
        reference: &[usize],
        pred: &mut [f64],
    ) {
        let snp = self.snp(j);
        if let Some(first) = run {
            let bytes = &snp[first..first + rows.len().div_ceil(4)];
            regpath_solver::packed_axpy_run(&[2.0 * c, 0.0, c, 0.0], bytes, pred);
            if plink_codes::run_has_missing(bytes, rows.len()) {
                let mean = plink_codes::called_mean(snp, reference.iter().copied());
                for (k, p) in pred.iter_mut().enumerate() {
                    if plink_codes::code(bytes, k) == plink_codes::MISSING {
                        *p += c * mean;
                    }
                }
            }
            return;
        }
        let mut any_missing = false;
        for (p, &i) in pred.iter_mut().zip(rows) {
            let code = plink_codes::code(snp, i);
            any_missing |= code == plink_codes::MISSING;
            *p += c * plink_codes::DOSAGE[code as usize];
        }
        if any_missing {
            let mean = plink_codes::called_mean(snp, reference.iter().copied());
            for (p, &i) in pred.iter_mut().zip(rows) {
                if plink_codes::code(snp, i) == plink_codes::MISSING {
                    *p += c * mean;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_predictions_decode_dosages_and_impute_the_fit_mean() {
        // samples 0..5 of one SNP: dosages 2, missing, 1, 0, 2 (codes 0, 1, 2, 3, 0)
        let byte0 = 0b11_10_01_00u8;
        let parts = PackedParts {
            bytes: Cow::Owned(vec![byte0, 0]),
            bytes_per_snp: 2,
            p: 1,
            train_runs: vec![(0, 5)],
            rows: [vec![0, 2, 3], vec![], vec![1, 4]],
        };
        let scorer = Scorer {
            x: ScorerX::Packed { parts: &parts, rows: parts.rows[2].clone(), reference: parts.rows[0].clone() },
            covariates: None,
        };
        let mut pred = vec![0.0; 2];
        scorer.predict(1.0, &[(0, 0.5)], &mut pred);
        // the missing call counts as the mean over the fit's samples (2 + 1 + 0)/3 = 1
        assert_eq!(pred, vec![1.0 + 0.5 * 1.0, 1.0 + 0.5 * 2.0]);
    }

    /// Rows that form a run of slots (the layout's parts and folds) take the byte-at-a-time
    /// decode; it must give the per-sample decode's predictions, impute missing calls with
    /// the fit's mean, and ignore the padding slots after the run (here missing codes).
    #[test]
    fn run_predictions_equal_per_sample_predictions() {
        // 4 fit samples (slots 0..4), then a run of 70 scored samples from slot 4 (bytes
        // 1..19), its last byte padded with missing codes; 2 SNPs, the second without
        // missing calls among the scored samples
        let n_slots = 4 + 72;
        let bps = n_slots / 4;
        let mut bytes = vec![0u8; 2 * bps];
        let codes = |snp: usize, i: usize| -> u8 {
            // padding past slot 74 (never read) and every 9th sample of SNP 0: missing
            if i >= 74 || (snp == 0 && i % 9 == 5) { 1 } else { [0u8, 2, 3][(i * 7 + snp) % 3] }
        };
        for snp in 0..2 {
            for i in 0..n_slots {
                bytes[snp * bps + i / 4] |= codes(snp, i) << (2 * (i % 4));
            }
        }
        let scored: Vec<usize> = (4..74).collect();
        let parts = PackedParts {
            bytes: Cow::Owned(bytes),
            bytes_per_snp: bps,
            p: 2,
            train_runs: vec![(0, 4)],
            rows: [vec![0, 1, 2, 3], vec![], scored.clone()],
        };
        assert_eq!(byte_run(&scored), Some(1));
        assert_eq!(byte_run(&[4, 5, 7]), None);
        assert_eq!(byte_run(&[5, 6, 7]), None);
        let coefs = [(0, 0.5), (1, -1.25)];
        let mut by_run = vec![0.0; scored.len()];
        let scorer = Scorer {
            x: ScorerX::Packed { parts: &parts, rows: scored.clone(), reference: parts.rows[0].clone() },
            covariates: None,
        };
        scorer.predict(0.25, &coefs, &mut by_run);
        let mut by_sample = vec![0.25; scored.len()];
        for &(j, c) in &coefs {
            parts.add_column(j, c, &scored, None, &parts.rows[0], &mut by_sample);
        }
        assert_eq!(by_run, by_sample);
        // sample 5 (scored position 1) is missing in SNP 0: the fit's mean of SNP 0
        let dosage = |code: u8| plink_codes::DOSAGE[code as usize];
        let mean0 = (0..4).map(|i| dosage(codes(0, i))).sum::<f64>() / 4.0;
        assert_eq!(by_run[1], 0.25 + 0.5 * mean0 - 1.25 * dosage(codes(1, 5)));
    }

    #[test]
    fn complement_of_a_fold() {
        assert_eq!(complement(6, &[1, 4]), vec![0, 2, 3, 5]);
        assert_eq!(complement(3, &[]), vec![0, 1, 2]);
    }
}
