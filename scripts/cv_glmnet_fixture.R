#!/usr/bin/env Rscript
# Cross-validation fixture of crates/runner/tests/cv_agreement.rs:
# crates/runner/tests/fixtures/cv/. Deterministic.
#
#   Rscript scripts/cv_glmnet_fixture.R        # from the repository root
#
# Two small problems, one gaussian and one binomial, and cv.glmnet over an explicit lambda
# sequence (geometric from glmnet's lambda.max down to eps * lambda.max) with a given foldid
# (standardize = TRUE, intercept = TRUE, thresh = 1e-14, the Lasso). glmnet's gaussian and
# binomial objectives at lambda are regpath's at alpha = lambda (docs/design.md §3), so
# `regpath path --alphas <lambda> --foldid <foldid>` must give cv_mean = cvm and cv_se = cvsd
# (gaussian: type.measure = "mse", the MSE on the original y; binomial: "deviance", the mean
# binomial deviance with probabilities clamped to [1e-5, 1 - 1e-5]).
#
# Output per problem P = gaussian | binomial: P.X.csv (n x p), P.y.csv, P.foldid.txt (one
# fold number per line), P.lambda.txt (decreasing), P.cv.csv (alpha_index, lambda, cvm, cvsd,
# nzero), P.choice.json (0-based indices and values of lambda.min and lambda.1se);
# manifest.json (sizes, seeds, thresh, glmnet and R versions).
suppressPackageStartupMessages(library(glmnet))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script) == 1) normalizePath(file.path(dirname(script), "..")) else getwd()
out_dir <- file.path(root, "crates", "runner", "tests", "fixtures", "cv")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

SEED <- 20261205
THRESH <- 1e-14
fmt <- function(v) sprintf("%.17g", v)

problem <- function(name, family, n, p, k, eps, n_lambda) {
  common <- rnorm(n)
  X <- sapply(1:p, function(j) (0.5 * common + rnorm(n)) * 10^((j %% 4 - 1.5) / 2) + (j %% 3))
  beta <- c(seq(1.5, 0.5, length.out = 5), rep(0, p - 5)) / apply(X, 2, sd)[1:p]
  eta <- drop(scale(X, scale = FALSE) %*% beta)
  y <- if (family == "gaussian") 3 + eta + rnorm(n) else rbinom(n, 1, 1 / (1 + exp(-eta)))
  foldid <- sample(rep(seq_len(k), length.out = n))
  first <- glmnet(X, y, family = family)
  lambda <- max(first$lambda) * exp(seq(0, log(eps), length.out = n_lambda))
  cv <- cv.glmnet(X, y, family = family, foldid = foldid, lambda = lambda, thresh = THRESH, maxit = 1e7)
  stopifnot(length(cv$cvm) == n_lambda, all(is.finite(cv$cvm)))
  write.table(matrix(fmt(X), n, p), file.path(out_dir, paste0(name, ".X.csv")), sep = ",", quote = FALSE,
              row.names = FALSE, col.names = FALSE)
  writeLines(as.character(y), file.path(out_dir, paste0(name, ".y.csv")))
  writeLines(as.character(foldid), file.path(out_dir, paste0(name, ".foldid.txt")))
  writeLines(fmt(lambda), file.path(out_dir, paste0(name, ".lambda.txt")))
  table <- data.frame(alpha_index = seq_along(lambda) - 1, lambda = fmt(cv$lambda), cvm = fmt(cv$cvm),
                      cvsd = fmt(cv$cvsd), nzero = cv$nzero)
  write.csv(table, file.path(out_dir, paste0(name, ".cv.csv")), row.names = FALSE, quote = FALSE)
  i_min <- match(cv$lambda.min, cv$lambda) - 1
  i_1se <- match(cv$lambda.1se, cv$lambda) - 1
  writeLines(sprintf('{"alpha_min_index": %d, "alpha_min": %s, "alpha_1se_index": %d, "alpha_1se": %s}',
                     i_min, fmt(cv$lambda.min), i_1se, fmt(cv$lambda.1se)),
             file.path(out_dir, paste0(name, ".choice.json")))
  sprintf('"%s": {"n": %d, "p": %d, "folds": %d, "eps": %g, "n_lambda": %d}', name, n, p, k, eps, n_lambda)
}

set.seed(SEED)
entries <- c(problem("gaussian", "gaussian", 120, 30, 5, 1e-2, 30),
             problem("binomial", "binomial", 160, 20, 4, 2e-2, 25))
writeLines(sprintf('{%s, "seed": %d, "thresh": %g, "glmnet": "%s", "R": "%s"}', paste(entries, collapse = ", "),
                   SEED, THRESH, as.character(packageVersion("glmnet")), R.version.string),
           file.path(out_dir, "manifest.json"))
cat("wrote", out_dir, "\n")
