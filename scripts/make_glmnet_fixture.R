#!/usr/bin/env Rscript
# glmnet reference path for crates/runner/tests/fixtures/reference (called by
# scripts/make_reference_fixtures.py, which post-processes the output).
#
#   Rscript scripts/make_glmnet_fixture.R X.csv y.csv lambda.txt OUT.csv [THRESH]
#
# Fits the standardized Gaussian Lasso (alpha = 1, standardize = TRUE, intercept = TRUE) over
# exactly the lambdas in lambda.txt (decreasing), and writes OUT.csv with one row per lambda:
# lambda, intercept, coef_0..coef_{p-1} (original scale, 17 significant digits), plus
# OUT.csv.version with the glmnet version.
suppressPackageStartupMessages(library(glmnet))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 4) stop("usage: make_glmnet_fixture.R X.csv y.csv lambda.txt OUT.csv [THRESH]")
x <- as.matrix(read.csv(args[1], header = FALSE))
y <- read.csv(args[2], header = FALSE)[[1]]
lambda <- scan(args[3], quiet = TRUE)
thresh <- if (length(args) >= 5) as.numeric(args[5]) else 1e-30
stopifnot(nrow(x) == length(y), all(diff(lambda) < 0))

# No early stopping of the path (with a user lambda glmnet does not stop early anyway).
glmnet.control(fdev = 0, devmax = 1)
fit <- glmnet(x, y, family = "gaussian", alpha = 1, lambda = lambda, standardize = TRUE,
              intercept = TRUE, thresh = thresh, maxit = 1e8)
# glmnet divides lambda by sd(y) and multiplies back: equal up to rounding.
stopifnot(length(fit$lambda) == length(lambda), max(abs(fit$lambda / lambda - 1)) < 1e-14)
glmnet.control(factory = TRUE)

b <- as.matrix(coef(fit))  # (p + 1) x k, first row the intercept
out <- cbind(fit$lambda, t(b))
colnames(out) <- c("lambda", "intercept", paste0("coef_", seq_len(ncol(x)) - 1))
lines <- apply(out, 1, function(r) paste(sprintf("%.17g", r), collapse = ","))
writeLines(c(paste(colnames(out), collapse = ","), lines), args[4])
writeLines(as.character(packageVersion("glmnet")), paste0(args[4], ".version"))
