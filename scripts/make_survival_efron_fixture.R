#!/usr/bin/env Rscript
# Efron-ties fixture of crates/solver/tests/cox_agreement.rs: crates/solver/tests/fixtures/cox_efron/.
# Deterministic. Needs R's survival package (Debian: r-cran-survival, part of r-recommended).
#
#   Rscript scripts/make_survival_efron_fixture.R        # from the repository root
#
# Reuses the survival problem of scripts/make_glmnet_cox_fixture.R (fixtures/cox: n = 80, p = 20
# columns on scales 10^-1..10^1, times rounded to one decimal so that event times are tied) and
# asks R's survival::coxph (ties = "efron", its default) for
#
# 1. the Efron (and Breslow) log partial likelihood at five fixed coefficient vectors
#    (coxph with init = b and iter.max = 0): loglik.csv, one row per vector:
#    efron_loss, breslow_loss, the losses as regpath defines them, -loglik / n;
#    betas.csv, the vectors (row-major, p per row);
# 2. ridge-penalized Efron fits, coxph(Surv(time, status) ~ ridge(X, theta, scale = FALSE)),
#    which maximize loglik - theta/2 * sum(b^2): regpath's objective
#    (1/n)(-loglik) + alpha/2 * sum(b^2) without standardization at alpha = theta / n.
#    ridge.csv: alpha, then the p coefficients, one row per alpha.
#
# manifest.json: sizes, survival's version, the convergence settings.
suppressPackageStartupMessages(library(survival))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script) == 1) normalizePath(file.path(dirname(script), "..")) else getwd()
src <- file.path(root, "crates", "solver", "tests", "fixtures", "cox")
out_dir <- file.path(root, "crates", "solver", "tests", "fixtures", "cox_efron")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

X <- as.matrix(read.csv(file.path(src, "X.csv"), header = FALSE))
time <- scan(file.path(src, "time.csv"), quiet = TRUE)
status <- scan(file.path(src, "status.csv"), quiet = TRUE)
n <- nrow(X); p <- ncol(X)
colnames(X) <- paste0("x", 1:p)
fmt <- function(v) sprintf("%.17g", v)

set.seed(20261206)
betas <- t(sapply(1:5, function(k) rnorm(p) * 0.3 / apply(X, 2, sd) * (runif(p) < 0.5)))
loss_at <- function(b, ties) {
  fit <- coxph(Surv(time, status) ~ X, ties = ties, init = b, control = coxph.control(iter.max = 0))
  -fit$loglik[1] / n
}
rows <- t(apply(betas, 1, function(b) c(loss_at(b, "efron"), loss_at(b, "breslow"))))
writeLines(apply(matrix(fmt(betas), nrow(betas)), 1, paste, collapse = ","), file.path(out_dir, "betas.csv"))
writeLines(apply(matrix(fmt(rows), nrow(rows)), 1, paste, collapse = ","), file.path(out_dir, "loglik.csv"))

EPS <- 1e-12
alphas <- c(0.5, 0.05, 0.005)
ridge_rows <- t(sapply(alphas, function(a) {
  fit <- coxph(Surv(time, status) ~ ridge(X, theta = a * n, scale = FALSE), ties = "efron",
               control = coxph.control(eps = EPS, toler.chol = 1e-13, iter.max = 200))
  c(a, unname(coef(fit)))
}))
writeLines(apply(matrix(fmt(ridge_rows), nrow(ridge_rows)), 1, paste, collapse = ","), file.path(out_dir, "ridge.csv"))

writeLines(sprintf('{"n": %d, "p": %d, "events": %d, "ties": "efron", "survival": "%s", "coxph_eps": %g, "alphas": [%s]}',
                   n, p, sum(status), as.character(packageVersion("survival")), EPS, paste(alphas, collapse = ", ")),
           file.path(out_dir, "manifest.json"))
cat("wrote", out_dir, "\n")
