#!/usr/bin/env Rscript
# Cox fixture of crates/solver/tests/cox_agreement.rs: crates/solver/tests/fixtures/cox/.
# Deterministic.
#
#   Rscript scripts/make_glmnet_cox_fixture.R        # from the repository root (Debian: r-cran-glmnet)
#
# One small survival problem (n = 80, p = 20 correlated columns on scales 10^-1..10^1 with
# offsets; times from a Cox model with an exponential baseline and a sparse truth, rounded to
# one decimal so that event times are tied, about 30 % censored) and glmnet Cox paths
# (family = "cox", ties = Breslow, glmnet's default; standardize = TRUE, thresh = 1e-14) for
# the Lasso (alpha = 1) and the elastic net (alpha = 0.5) over 10 lambdas, geometric from
# glmnet's lambda.max to 5e-2 * lambda.max. glmnet then minimizes
#
#     -(1/n) sum_k [ sum_{i in D_k} eta_i - d_k log sum_{j in R_k} e^eta_j ]
#       + lambda * sum_j (a |b_j| + (1 - a)/2 b_j^2) s_j^(1 or 2)
#
# (eta = X b, no intercept; s_j the 1/n RMS of the centred column): regpath's cox objective at
# alpha = lambda, l1_ratio = a. The script writes glmnet's coefficients and its objective,
# recomputed here from the definition (O(n^2)).
#
# Output: X.csv (n x p), time.csv, status.csv (1 = event), no headers, 17 significant digits;
#   REF.alphas.txt (decreasing), REF.path.csv (alpha_index, alpha, objective),
#   REF.coefs.csv (alpha_index, feature, coef; nonzero only), REF = lasso | enet;
#   manifest.json (sizes, seed, thresh, glmnet version).
suppressPackageStartupMessages({library(glmnet); library(survival)})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script) == 1) normalizePath(file.path(dirname(script), "..")) else getwd()
out_dir <- file.path(root, "crates", "solver", "tests", "fixtures", "cox")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

SEED <- 20261205
THRESH <- 1e-14
n <- 80; p <- 20
set.seed(SEED)
common <- rnorm(n)
X <- sapply(1:p, function(j) (0.6 * common + rnorm(n)) * 10^((j %% 5 - 2) / 2) + (j %% 3))
beta <- c(1.0, -0.8, 0.6, rep(0, p - 3)) / apply(X, 2, sd)[1:p]
eta <- drop(scale(X, scale = FALSE) %*% beta)
event_time <- rexp(n, rate = exp(eta))
censor_time <- rexp(n, rate = 0.4)
time <- round(pmin(event_time, censor_time), 1) + 0.1
status <- as.integer(event_time <= censor_time)

fmt <- function(v) sprintf("%.17g", v)
write.table(matrix(fmt(X), n, p), file.path(out_dir, "X.csv"), sep = ",", quote = FALSE, row.names = FALSE, col.names = FALSE)
writeLines(fmt(time), file.path(out_dir, "time.csv"))
writeLines(as.character(status), file.path(out_dir, "status.csv"))

s <- sqrt(colMeans(sweep(X, 2, colMeans(X))^2))
partial_loss <- function(eta) {
  total <- 0
  for (i in which(status == 1)) total <- total + log(sum(exp(eta[time >= time[i]]))) - eta[i]
  total / n
}
objective <- function(b, lambda, a) {
  t <- b * s
  partial_loss(drop(X %*% b)) + lambda * sum(a * abs(t) + (1 - a) / 2 * t^2)
}
y <- Surv(time, status)
for (ref in c("lasso", "enet")) {
  a <- if (ref == "lasso") 1 else 0.5
  first <- glmnet(X, y, family = "cox", alpha = a)
  lambda <- max(first$lambda) * exp(seq(0, log(5e-2), length.out = 10))
  fit <- glmnet(X, y, family = "cox", alpha = a, lambda = lambda, thresh = THRESH, maxit = 1e7)
  writeLines(fmt(lambda), file.path(out_dir, paste0(ref, ".alphas.txt")))
  B <- as.matrix(fit$beta)
  path <- data.frame(alpha_index = 0:9, alpha = fmt(lambda),
                     objective = fmt(sapply(1:10, function(k) objective(B[, k], lambda[k], a))))
  write.csv(path, file.path(out_dir, paste0(ref, ".path.csv")), row.names = FALSE, quote = FALSE)
  nz <- which(B != 0, arr.ind = TRUE)
  coefs <- data.frame(alpha_index = nz[, 2] - 1, feature = nz[, 1] - 1, coef = fmt(B[nz]))
  coefs <- coefs[order(coefs$alpha_index, coefs$feature), ]
  write.csv(coefs, file.path(out_dir, paste0(ref, ".coefs.csv")), row.names = FALSE, quote = FALSE)
}
writeLines(sprintf('{"n": %d, "p": %d, "seed": %d, "thresh": %g, "events": %d, "distinct_times": %d, "glmnet": "%s", "ties": "breslow"}',
                   n, p, SEED, THRESH, sum(status), length(unique(time)), as.character(packageVersion("glmnet"))),
           file.path(out_dir, "manifest.json"))
