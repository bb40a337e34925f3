#!/usr/bin/env Rscript
# Logistic fixture of crates/runner/tests/logistic_agreement.rs:
# crates/runner/tests/fixtures/reference/logistic/. Deterministic.
#
#   Rscript scripts/make_glmnet_logistic_fixture.R        # from the repository root
#
# One small case/control problem (n = 80, p = 20 correlated columns on scales 10^-1..10^1 with
# offsets, y ~ Bernoulli(sigmoid(X beta)) from a sparse truth), and glmnet binomial paths
# (standardize = TRUE, intercept = TRUE, thresh = 1e-14) for the Lasso (alpha = 1) and the
# elastic net (alpha = 0.5) over 10 lambdas, geometric from glmnet's lambda.max to
# 5e-2 * lambda.max. glmnet then minimizes
#
#     -(1/n) sum_i [y_i eta_i - log(1 + e^eta_i)] + lambda * sum_j (a |b_j| + (1 - a)/2 b_j^2) s_j^(1 or 2)
#
# with s_j the 1/n RMS of the centred column: regpath's logistic objective at alpha = lambda,
# l1_ratio = a. The script writes glmnet's coefficients and its objective, recomputed here.
#
# Output: X.csv (n x p), y.csv (0/1), no headers, 17 significant digits;
#   REF.alphas.txt (decreasing), REF.path.csv (alpha_index, alpha, intercept, objective),
#   REF.coefs.csv (alpha_index, feature, coef; nonzero only), REF = lasso | enet;
#   manifest.json (sizes, seed, thresh, glmnet version).
suppressPackageStartupMessages(library(glmnet))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script) == 1) normalizePath(file.path(dirname(script), "..")) else getwd()
out_dir <- file.path(root, "crates", "runner", "tests", "fixtures", "reference", "logistic")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

SEED <- 20261201
THRESH <- 1e-14
n <- 80; p <- 20
set.seed(SEED)
common <- rnorm(n)
X <- sapply(1:p, function(j) (0.6 * common + rnorm(n)) * 10^((j %% 5 - 2) / 2) + (j %% 3))
beta <- c(1.5, -1, 0.8, rep(0, p - 3)) / apply(X, 2, sd)[1:p]
eta <- drop(scale(X, scale = FALSE) %*% beta)
y <- rbinom(n, 1, 1 / (1 + exp(-eta)))

fmt <- function(v) sprintf("%.17g", v)
write.table(matrix(fmt(X), n, p), file.path(out_dir, "X.csv"), sep = ",", quote = FALSE, row.names = FALSE, col.names = FALSE)
writeLines(as.character(y), file.path(out_dir, "y.csv"))

s <- sqrt(colMeans(sweep(X, 2, colMeans(X))^2))
objective <- function(b0, b, lambda, a) {
  eta <- b0 + drop(X %*% b)
  loss <- mean(log1p(exp(-abs(eta))) + pmax(eta, 0) - y * eta)
  t <- b * s
  loss + lambda * sum(a * abs(t) + (1 - a) / 2 * t^2)
}
for (ref in c("lasso", "enet")) {
  a <- if (ref == "lasso") 1 else 0.5
  first <- glmnet(X, y, family = "binomial", alpha = a)
  lambda <- max(first$lambda) * exp(seq(0, log(5e-2), length.out = 10))
  fit <- glmnet(X, y, family = "binomial", alpha = a, lambda = lambda, thresh = THRESH, maxit = 1e7)
  writeLines(fmt(lambda), file.path(out_dir, paste0(ref, ".alphas.txt")))
  B <- as.matrix(fit$beta)
  path <- data.frame(alpha_index = 0:9, alpha = fmt(lambda), intercept = fmt(fit$a0),
                     objective = fmt(sapply(1:10, function(k) objective(fit$a0[k], B[, k], lambda[k], a))))
  write.csv(path, file.path(out_dir, paste0(ref, ".path.csv")), row.names = FALSE, quote = FALSE)
  nz <- which(B != 0, arr.ind = TRUE)
  nz <- nz[order(nz[, 2], nz[, 1]), , drop = FALSE]
  coefs <- data.frame(alpha_index = nz[, 2] - 1, feature = nz[, 1] - 1, coef = fmt(B[nz]))
  write.csv(coefs, file.path(out_dir, paste0(ref, ".coefs.csv")), row.names = FALSE, quote = FALSE)
}
writeLines(sprintf('{"n": %d, "p": %d, "seed": %d, "thresh": %g, "glmnet": "%s", "R": "%s"}',
                   n, p, SEED, THRESH, as.character(packageVersion("glmnet")), R.version.string),
           file.path(out_dir, "manifest.json"))
cat("wrote", out_dir, "\n")
