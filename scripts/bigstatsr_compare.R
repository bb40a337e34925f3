#!/usr/bin/env Rscript
# bigstatsr_compare.R — fit bigstatsr's penalized regression (big_spLinReg /
# big_spLogReg: lasso, CMSA K-fold cross-validation with early stopping) on a
# PLINK fileset and report one CSV row comparable to regpath's runs.
#
# Usage:
#   Rscript scripts/bigstatsr_compare.R PREFIX PHENO TRAIN_KEEP TEST_KEEP NCORES OUTCSV [logistic]
#
#   PREFIX      PLINK fileset prefix (PREFIX.bed/.bim/.fam)
#   PHENO       whitespace-separated `FID IID value` with a header line, matched
#               to the .fam by FID+IID (for `logistic`: 0/1, or PLINK 1/2 coding)
#   TRAIN_KEEP  `FID IID` per line (PLINK --keep format; a header is tolerated)
#   TEST_KEEP   same, for the held-out samples
#   NCORES      cores for bigstatsr (folds / column blocks); BLAS is pinned to 1
#   OUTCSV      one-row CSV written here (overwritten)
#   logistic    optional 7th arg: big_spLogReg instead of big_spLinReg
#   env BIGSTATSR_SEED (default 1): seed of the random K-fold assignment
#
# Peak memory: the caller should wrap the run in `/usr/bin/time -v`. The
# peak_rss_mb column is this R process's VmHWM from /proc/self/status (main
# process only: with NCORES > 1 bigstatsr's PSOCK workers are separate
# processes and are not included; pages of the memory-mapped .bk count).
#
# ---------------------------------------------------------------------------
# Installing bigstatsr / bigsnpr without CRAN (Debian bookworm, R 4.2.2;
# verified: bigstatsr 1.6.2 at 6e04c60, bigsnpr 1.12.21 at 467ef18):
#
#   apt-get install -y --no-install-recommends r-base-dev r-cran-rcpp \
#     r-cran-rcpparmadillo r-cran-rcppeigen r-cran-bh r-cran-data.table \
#     r-cran-cowplot r-cran-ps r-cran-rspectra r-cran-parallelly r-cran-ff \
#     r-cran-dorng r-cran-robustbase r-cran-urltools r-cran-foreach \
#     r-cran-doparallel r-cran-ggplot2 r-cran-tibble r-cran-vctrs \
#     r-cran-magrittr r-cran-matrix
#
#   Bring each GitHub repo (the `fetch` tool gives a bare git dir
#   /work/.mirror/<owner>+<name>/repo; elsewhere a plain `git clone
#   https://github.com/<owner>/<name>` works), clone it to /tmp/src/<name> and
#   `R CMD INSTALL` it, in this order:
#     privefl/bigassertr cran/flock cran/RhpcBLASctl privefl/bigparallelr
#     privefl/rmio privefl/bigstatsr
#     cran/nabor ypan1988/roptim privefl/bigsparser privefl/bigreadr
#     privefl/bigutilsr privefl/runonce privefl/bigsnpr
#
#   mkdir -p /tmp/src && cd /tmp/src
#   for r in privefl+bigassertr cran+flock cran+RhpcBLASctl privefl+bigparallelr \
#            privefl+rmio cran+nabor ypan1988+roptim privefl+bigsparser \
#            privefl+bigreadr privefl+bigutilsr privefl+runonce; do
#     git clone -q /work/.mirror/$r/repo /tmp/src/${r#*+}
#   done
#   # the bigstatsr / bigsnpr mirrors lack some non-package files: sparse checkout
#   git clone -q --no-checkout /work/.mirror/privefl+bigstatsr/repo bigstatsr
#   (cd bigstatsr && git sparse-checkout set --no-cone '/*' '!/tmp-tests/' && git checkout)
#   git clone -q --no-checkout /work/.mirror/privefl+bigsnpr/repo bigsnpr
#   (cd bigsnpr && git sparse-checkout set --no-cone '/*' '!/data-raw/' '!/docs/' \
#        '!/vignettes/how-to-PCA.html' && git checkout)
#   # ("error: invalid object ..." after `git checkout` is harmless)
#   export MAKEFLAGS=-j1
#   for d in bigassertr flock RhpcBLASctl bigparallelr rmio bigstatsr nabor roptim \
#            bigsparser bigreadr bigutilsr runonce bigsnpr; do
#     R CMD INSTALL $d || break
#   done
#   # ~10 min on 2 cores (bigstatsr ~3 min, bigsnpr ~6 min are the long ones)
#
#   Quick check:
#   Rscript -e 'library(bigstatsr); X <- FBM(200, 1000, init = rnorm(2e5));
#               print(summary(big_spLinReg(X, rnorm(200), K = 4, ncores = 1)))'
# ---------------------------------------------------------------------------
#
# CSV columns:
#   tool            "bigstatsr"
#   datafit         "quadratic" or "logistic"
#   n_train n_test p
#   convert_s       elapsed seconds of snp_readBed (.bed -> .rds/.bk), alone
#   impute_s        elapsed seconds of the missing-genotype check (+ mean
#                   imputation with snp_fastImputeSimple if any call is missing)
#   fit_s           system.time()[["elapsed"]] of big_sp{Lin,Log}Reg alone
#   test_r2         quadratic: 1 - SSE/SST, SST around the test-set mean;
#                   logistic: AUC (bigstatsr::AUC) of the predicted probabilities
#   test_deviance   logistic only: mean binomial deviance on the test set,
#                   -2/n * sum(y log p + (1-y) log(1-p)) (p clipped to [1e-15, 1-1e-15])
#   nnz             number of nonzero SNP coefficients of the final model, i.e.
#                   summary(mod)$nb_var of the best row = count of nonzero
#                   entries of the beta AVERAGED over the K fold models
#                   (the union of the folds' supports, which is what predict() uses)
#   nnz_fold_mean   mean over the K folds of each fold model's own nonzero count
#   n_alphas_mean   mean over the K folds of the path length actually computed
#                   (number of lambdas before early stopping; bigstatsr calls the
#                   penalty grid "lambda", its "alpha" is the l1 ratio)
#   all_conv        TRUE if every fold stopped with "No more improvement"
#   peak_rss_mb     VmHWM of this R process (see above)

suppressPackageStartupMessages({
  library(bigstatsr)
  library(bigsnpr)
})

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 6 || length(args) > 7) {
  stop("usage: bigstatsr_compare.R PREFIX PHENO TRAIN_KEEP TEST_KEEP NCORES OUTCSV [logistic]")
}
prefix   <- args[1]
pheno_f  <- args[2]
train_f  <- args[3]
test_f   <- args[4]
ncores   <- as.integer(args[5])
out_csv  <- args[6]
logistic <- length(args) == 7
if (logistic && args[7] != "logistic") stop("7th argument must be 'logistic'")
stopifnot(!is.na(ncores), ncores >= 1)

# One BLAS thread here and in the PSOCK workers bigstatsr starts when NCORES > 1
# (workers inherit the environment; bigparallelr::assert_cores() refuses
# NCORES > 1 when a fresh worker's BLAS would be multi-threaded).
Sys.setenv(OPENBLAS_NUM_THREADS = "1", OMP_NUM_THREADS = "1", MKL_NUM_THREADS = "1")
bigparallelr::set_blas_ncores(1)

peak_rss_mb <- function() {
  st <- tryCatch(readLines("/proc/self/status"), error = function(e) character())
  l <- grep("^VmHWM:", st, value = TRUE)
  if (length(l) == 0) return(NA_real_)
  as.numeric(gsub("[^0-9]", "", l)) / 1024
}

## ---- .bed -> FBM (timed alone) ------------------------------------------
tmpdir <- tempfile("bigstatsr_compare_")
dir.create(tmpdir)
on.exit(unlink(tmpdir, recursive = TRUE), add = TRUE)
backing <- file.path(tmpdir, "geno")

convert_s <- system.time(
  rds <- snp_readBed(paste0(prefix, ".bed"), backingfile = backing)
)[["elapsed"]]
obj <- snp_attach(rds)
G   <- obj$genotypes
fam <- obj$fam
p   <- ncol(G)

## ---- missing genotypes ------------------------------------------------------
impute_s <- system.time({
  counts <- big_counts(G, byrow = FALSE)
  n_na <- sum(counts[is.na(rownames(counts)), ])
  if (n_na > 0) {
    message(sprintf("%d missing genotype calls: mean imputation", n_na))
    G <- snp_fastImputeSimple(G, method = "mean2", ncores = ncores)
  }
})[["elapsed"]]

## ---- phenotype and sample lists -------------------------------------------
key <- function(fid, iid) paste(fid, iid, sep = "\r")
fam_key <- key(fam$family.ID, fam$sample.ID)

ph <- read.table(pheno_f, header = TRUE, colClasses = "character",
                 comment.char = "", check.names = FALSE)
if (ncol(ph) < 3) stop("PHENO needs FID IID value columns")
ph_val <- suppressWarnings(as.numeric(ph[[3]]))
y <- ph_val[match(fam_key, key(ph[[1]], ph[[2]]))]

read_keep <- function(f) {
  k <- read.table(f, header = FALSE, colClasses = "character", comment.char = "")
  if (toupper(k[1, 1]) %in% c("FID", "#FID")) k <- k[-1, , drop = FALSE]
  idx <- match(key(k[[1]], k[[2]]), fam_key)
  if (anyNA(idx)) warning(sprintf("%s: %d samples not in the .fam, dropped", f, sum(is.na(idx))))
  idx <- idx[!is.na(idx)]
  idx[!is.na(y[idx])]   # also drop samples with missing phenotype
}
train <- sort(read_keep(train_f))
test  <- sort(read_keep(test_f))
if (length(intersect(train, test)) > 0) stop("train and test overlap")

if (logistic) {
  # accept 0/1 or PLINK's 1 = control / 2 = case
  u <- sort(unique(y[c(train, test)]))
  if (all(u %in% c(1, 2))) y <- y - 1
  if (!all(unique(y[c(train, test)]) %in% c(0, 1))) stop("logistic needs a 0/1 (or 1/2) phenotype")
}

## ---- fit (timed alone) ---------------------------------------------------
# bigstatsr draws the K fold assignment with sample(): fix the seed so that
# reruns (and NCORES = 1 vs > 1) give the same folds and the same model.
set.seed(as.integer(Sys.getenv("BIGSTATSR_SEED", "1")))
fit_s <- system.time(
  mod <- if (logistic) {
    big_spLogReg(G, y[train], ind.train = train, K = 4, ncores = ncores)
  } else {
    big_spLinReg(G, y[train], ind.train = train, K = 4, ncores = ncores)
  }
)[["elapsed"]]

## ---- predict on test ---------------------------------------------------------
pred <- predict(mod, G, ind.row = test, ncores = ncores)   # probabilities for logistic
yt <- y[test]
test_deviance <- NA_real_
if (logistic) {
  test_r2 <- AUC(pred, yt)
  pc <- pmin(pmax(pred, 1e-15), 1 - 1e-15)
  test_deviance <- -2 * mean(yt * log(pc) + (1 - yt) * log(1 - pc))
} else {
  test_r2 <- 1 - sum((yt - pred)^2) / sum((yt - mean(yt))^2)
}

## ---- model size ---------------------------------------------------------------
s <- summary(mod, best.only = TRUE)
nnz <- s$nb_var                         # nonzero in the fold-averaged beta
folds <- mod[[1]]                        # single alpha / power settings: the K fold models
ind_col <- attr(mod, "ind.col")
nnz_fold_mean <- mean(sapply(folds, function(m) sum(m$beta[seq_along(ind_col)] != 0)))
n_alphas_mean <- mean(sapply(folds, function(m) length(m$lambda)))
all_conv <- s$all_conv

res <- data.frame(
  tool = "bigstatsr",
  datafit = if (logistic) "logistic" else "quadratic",
  n_train = length(train), n_test = length(test), p = p,
  convert_s = round(convert_s, 3), impute_s = round(impute_s, 3),
  fit_s = round(fit_s, 3),
  test_r2 = signif(test_r2, 6),
  test_deviance = signif(test_deviance, 6),
  nnz = nnz, nnz_fold_mean = nnz_fold_mean, n_alphas_mean = n_alphas_mean,
  all_conv = all_conv,
  peak_rss_mb = round(peak_rss_mb(), 1)
)
write.csv(res, out_csv, row.names = FALSE, quote = FALSE, na = "")
print(res, row.names = FALSE)
message(sprintf("fold messages: %s", paste(unlist(s$message), collapse = ", ")))
