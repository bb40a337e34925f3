#!/usr/bin/env Rscript
# Penalty-factor / covariate fixture of crates/runner/tests/penalty_factor_agreement.rs:
# crates/runner/tests/fixtures/reference/weighted/ (see the README there). Deterministic.
#
#   Rscript scripts/make_glmnet_weighted_fixture.R        # from the repository root
#
# One small problem (n = 60, p = 30 correlated columns on scales 10^-1.5..10^1.5 with offsets,
# y from a sparse truth + noise), a penalty-factor vector w for X's columns (three zeros, some
# weights > 1 and < 1) and q = 2 covariates (cov1 numeric, cov2 0/1), and two glmnet paths
# (gaussian, alpha = 1, standardize = TRUE, intercept = TRUE):
#
# - glmnet_cov:     x = cbind(X, C), penalty.factor = c(w, 0, 0)   (covariates unpenalized);
# - glmnet_weights: x = X,           penalty.factor = w.
#
# Each over 10 lambdas, geometric from glmnet's own lambda.max down to 1e-2 * lambda.max.
#
# Conventions. glmnet rescales penalty.factor to sum to nvars (the number of columns it is
# given, here p + q or p; the zeros count in the sum): pf' = pf * nvars / sum(pf), and with
# standardize = TRUE it minimizes 1/(2n)||y - b - X beta||^2 + lambda * sum_j pf'_j |beta_j| s_j
# (s_j the 1/n RMS of the centred column; glmnet's internal scaling of y by its sd cancels for
# the Lasso, see scripts/make_reference_fixtures.py). regpath with weights w used as given
# minimizes the same with alpha * w_j in place of lambda * pf'_j, so
#
#     alpha = lambda * nvars / sum(pf)        (nvars = p + q with covariates, p without).
#
# For every glmnet solution the script recomputes, under regpath's weighted objective at that
# alpha, the worst KKT violation (relative to alpha_max, the alpha at which the penalized
# coefficients all vanish), |mean residual|, and a relative duality gap (unpenalized block
# [1, X_u, C] profiled out by projection; the residual rescaled into the dual feasible set),
# prints them, and refuses to write an unconverged reference.
#
# Output (crates/runner/tests/fixtures/reference/weighted/):
#   X.csv (n x p), y.csv, covariates.csv (n x q), no headers, 17 significant digits;
#   weights.txt                 w, one per line, for X's p columns only (shortest exact decimal);
#   REF.lambda.txt              glmnet's lambdas (decreasing), REF = glmnet_cov | glmnet_weights;
#   REF.alphas.txt              the alphas regpath must use, one per line (same order);
#   REF.path.csv                alpha_index, lambda, alpha, intercept, objective, rel_gap, kkt;
#   REF.coefs.csv               alpha_index, feature, coef (nonzero only, original scale; the
#                               covariates are features p, p + 1);
#   manifest.json               sizes, seed, thresh, versions, and per reference nvars, sum_pf,
#                               lambda_max, alpha_max.
suppressPackageStartupMessages(library(glmnet))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script) == 1) normalizePath(file.path(dirname(script), "..")) else getwd()
out_dir <- file.path(root, "crates", "runner", "tests", "fixtures", "reference", "weighted")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

SEED <- 20240917
# glmnet's thresh bounds a squared coefficient change relative to the null deviance: 1e-14
# leaves relative duality gaps ~1e-7, 1e-30 ~1e-16 (scripts/make_reference_fixtures.py).
THRESH <- 1e-30
NLAMBDA <- 10
LAMBDA_MIN_RATIO <- 1e-2

fmt <- function(v) sprintf("%.17g", v)
# Shortest of 15..17 significant digits that reads back as the same double (weights: "0.1").
fmt_short <- function(v) {
  vapply(v, function(a) {
    for (d in 15:17) {
      s <- sprintf("%.*g", d, a)
      if (as.numeric(s) == a) return(s)
    }
    sprintf("%.17g", a)
  }, "")
}

# ------------------------------------------------------------------------------------------
# Data.
set.seed(SEED)
n <- 60
p <- 30
q <- 2
rho <- 0.6
chol_s <- chol(rho^abs(outer(seq_len(p), seq_len(p), "-")))
z <- matrix(rnorm(n * p), n, p) %*% chol_s  # Toeplitz(0.6) correlation
scales <- 10^runif(p, -1.5, 1.5)
offsets <- runif(p, -5, 5)
x <- sweep(sweep(z, 2, scales, "*"), 2, offsets, "+")
cov1 <- 40 + 12 * rnorm(n)              # numeric, age-like
cov2 <- as.numeric(runif(n) < 0.4)      # 0/1
covs <- cbind(cov1, cov2)

# Weights (0-based columns): unpenalized 0, 7, 19; heavier 2, 11, 24; lighter 4, 14, 27.
w <- rep(1, p)
w[c(0, 7, 19) + 1] <- 0
w[c(2, 11, 24) + 1] <- c(2, 3.5, 1.5)
w[c(4, 14, 27) + 1] <- c(0.5, 0.25, 0.1)

# Sparse truth on the standardized columns: one unpenalized (0; 7 and 19 have no effect), one
# heavily penalized (2), two lightly penalized (4, 14), two with weight 1 (10, 22).
beta_std <- rep(0, p)
beta_std[c(0, 2, 4, 10, 14, 22) + 1] <- c(1.5, -1.2, 1.0, 0.8, -0.6, 0.5)
y <- as.vector(2 + z %*% beta_std + 0.03 * (cov1 - 40) + 0.8 * cov2 + rnorm(n))

# Write with 17 significant digits and re-read: the fits use exactly what the files hold.
write_matrix <- function(m, path) {
  m <- as.matrix(m)
  writeLines(apply(m, 1, function(r) paste(fmt(r), collapse = ",")), path)
}
write_matrix(x, file.path(out_dir, "X.csv"))
writeLines(fmt(y), file.path(out_dir, "y.csv"))
write_matrix(covs, file.path(out_dir, "covariates.csv"))
writeLines(fmt_short(w), file.path(out_dir, "weights.txt"))
x_r <- unname(as.matrix(read.csv(file.path(out_dir, "X.csv"), header = FALSE)))
y_r <- read.csv(file.path(out_dir, "y.csv"), header = FALSE)[[1]]
c_r <- unname(as.matrix(read.csv(file.path(out_dir, "covariates.csv"), header = FALSE)))
w_r <- scan(file.path(out_dir, "weights.txt"), quiet = TRUE)
stopifnot(identical(x_r, unname(x)), identical(y_r, y), identical(c_r, unname(covs)), identical(w_r, w))
stopifnot(all(c_r[, 2] %in% c(0, 1)), length(unique(c_r[, 2])) == 2)
x <- x_r
y <- y_r
covs <- c_r

# ------------------------------------------------------------------------------------------
# regpath's weighted objective, KKT violation and duality gap of a solution (independent of
# glmnet): xf the columns, pf their weights (0 = unpenalized), alpha regpath's alpha.
p0 <- sum((y - mean(y))^2) / (2 * n)

certify <- function(xf, pf, alpha, a0, beta) {
  xm <- colMeans(xf)
  s <- sqrt(colMeans(sweep(xf, 2, xm)^2))
  xt <- sweep(sweep(xf, 2, xm), 2, s, "/")
  pen <- pf > 0
  r <- as.vector(y - a0 - xf %*% beta)
  obj <- sum(r^2) / (2 * n) + alpha * sum(pf * s * abs(beta))
  g <- as.vector(crossprod(xt, r)) / n
  t <- beta * s
  viol <- ifelse(!pen, abs(g),
                 ifelse(t == 0, pmax(abs(g) - alpha * pf, 0), abs(g - alpha * pf * sign(t))))
  # Duality gap of the penalized block, the unpenalized block U = [1, X_u] profiled out.
  qu <- qr(cbind(1, xf[, !pen, drop = FALSE]))
  stopifnot(qu$rank == 1 + sum(!pen))
  qy <- qr.resid(qu, y)
  rp <- as.vector(qr.resid(qu, y - xf[, pen, drop = FALSE] %*% beta[pen]))
  prof <- sum(rp^2) / (2 * n) + alpha * sum(pf * s * abs(beta))
  gp <- abs(as.vector(crossprod(xt[, pen, drop = FALSE], rp))) / n
  cmax <- min(1, min(alpha * pf[pen] / gp))
  yr <- sum(qy * rp)
  cc <- max(0, min(cmax, yr / sum(rp^2)))
  dual <- cc * yr / n - cc^2 * sum(rp^2) / (2 * n)
  list(obj = obj, prof = prof, gap = (prof - dual) / p0, viol = viol, mean_r = abs(mean(r)), g = g, t = t)
}

# alpha_max of the weighted problem: max |x~_j' r0| / (n w_j) over penalized j, r0 the residual of
# the unpenalized least-squares fit (independent of glmnet).
alpha_max_of <- function(xf, pf) {
  xm <- colMeans(xf)
  s <- sqrt(colMeans(sweep(xf, 2, xm)^2))
  pen <- pf > 0
  r0 <- qr.resid(qr(cbind(1, xf[, !pen, drop = FALSE])), y)
  max(abs(as.vector(crossprod(sweep(xf[, pen], 2, xm[pen]), r0))) / (n * s[pen] * pf[pen]))
}

# ------------------------------------------------------------------------------------------
fit_reference <- function(name, xf, pf) {
  nvars <- ncol(xf)
  sum_pf <- sum(pf)
  ratio <- nvars / sum_pf  # alpha = lambda * ratio
  glmnet.control(fdev = 0, devmax = 1)
  on.exit(glmnet.control(factory = TRUE))
  common <- list(x = xf, y = y, family = "gaussian", alpha = 1, penalty.factor = pf, standardize = TRUE,
                 intercept = TRUE, thresh = THRESH, maxit = 1e8)
  fit0 <- do.call(glmnet, c(common, list(nlambda = NLAMBDA, lambda.min.ratio = LAMBDA_MIN_RATIO)))
  lambda_max <- fit0$lambda[1]
  alpha_max <- alpha_max_of(xf, pf)
  cat(sprintf("%-15s nvars %d  sum(pf) %s  glmnet lambda.max %s  (x nvars/sum(pf) = %s; alpha_max %s, rel diff %.1e)\n",
              name, nvars, fmt(sum_pf), fmt(lambda_max), fmt(lambda_max * ratio), fmt(alpha_max),
              lambda_max * ratio / alpha_max - 1))
  stopifnot(abs(lambda_max * ratio / alpha_max - 1) < 1e-10)

  lambda <- lambda_max * LAMBDA_MIN_RATIO^(seq(0, 1, length.out = NLAMBDA))
  fit <- do.call(glmnet, c(common, list(lambda = lambda)))
  stopifnot(length(fit$lambda) == NLAMBDA, max(abs(fit$lambda / lambda - 1)) < 1e-14)
  alphas <- lambda * ratio
  b <- as.matrix(coef(fit))  # (nvars + 1) x k, first row the intercept

  path <- character(0)
  coefs <- character(0)
  worst <- c(kkt = 0, mean_r = 0, gap = -Inf, kkt_unpen = 0)
  for (k in seq_along(lambda)) {
    a0 <- b[1, k]
    beta <- b[-1, k]
    cert <- certify(xf, pf, alphas[k], a0, beta)
    kkt <- max(cert$viol) / alpha_max
    kkt_unpen <- max(cert$viol[pf == 0]) / alpha_max
    worst <- pmax(worst, c(kkt, cert$mean_r / alpha_max, cert$gap, kkt_unpen))
    # Cross-check of the conversion: the same KKT in glmnet's own terms (lambda, pf').
    pfr <- pf * nvars / sum_pf
    v2 <- ifelse(pf == 0, abs(cert$g),
                 ifelse(cert$t == 0, pmax(abs(cert$g) - lambda[k] * pfr, 0),
                        abs(cert$g - lambda[k] * pfr * sign(cert$t))))
    stopifnot(max(abs(v2 - cert$viol)) <= 1e-14 * alpha_max)
    cat(sprintf("  #%d lambda %.6e alpha %.6e nnz %2d  KKT %.1e (unpenalized %.1e)  |mean r| %.1e  gap %.1e  P-Pprof %.1e\n",
                k - 1, lambda[k], alphas[k], sum(beta != 0), kkt, kkt_unpen, cert$mean_r / alpha_max, cert$gap,
                (cert$obj - cert$prof) / p0))
    # An unconverged or mis-converted reference is not written.
    stopifnot(kkt < 1e-12, cert$mean_r / alpha_max < 1e-12, cert$gap < 1e-13, cert$obj - cert$prof < 1e-14 * p0)
    path <- c(path, paste(k - 1, fmt(lambda[k]), fmt(alphas[k]), fmt(a0), fmt(cert$obj), fmt(cert$gap), fmt(kkt),
                          sep = ","))
    nz <- which(beta != 0)
    coefs <- c(coefs, sprintf("%d,%d,%s", rep(k - 1, length(nz)), nz - 1, fmt(beta[nz])))
  }
  cat(sprintf("  worst: KKT %.1e (unpenalized columns %.1e) x alpha_max, |mean r| %.1e x alpha_max, rel gap %.1e\n",
              worst[["kkt"]], worst[["kkt_unpen"]], worst[["mean_r"]], worst[["gap"]]))
  writeLines(fmt(lambda), file.path(out_dir, paste0(name, ".lambda.txt")))
  writeLines(fmt(alphas), file.path(out_dir, paste0(name, ".alphas.txt")))
  writeLines(c("alpha_index,lambda,alpha,intercept,objective,rel_gap,kkt", path),
             file.path(out_dir, paste0(name, ".path.csv")))
  writeLines(c("alpha_index,feature,coef", coefs), file.path(out_dir, paste0(name, ".coefs.csv")))
  list(name = name, covariates = nvars > p, nvars = nvars, sum_pf = sum_pf, lambda_max = lambda_max,
       alpha_max = alpha_max, worst = worst)
}

refs <- list(
  fit_reference("glmnet_cov", cbind(x, covs), c(w, rep(0, q))),
  fit_reference("glmnet_weights", x, w)
)

# ------------------------------------------------------------------------------------------
# manifest.json (written by hand: no jsonlite needed).
gver <- as.character(packageVersion("glmnet"))
rver <- paste(R.version$major, R.version$minor, sep = ".")
json_ref <- function(r) {
  sprintf(paste0('    {\n      "name": "%s",\n      "covariates": %s,\n      "nvars": %d,\n      "sum_pf": %s,\n',
                 '      "lambda_max": %s,\n      "alpha_max": %s,\n      "alpha_over_lambda": %s,\n',
                 '      "tool": "R glmnet %s (gaussian, alpha=1, standardize=TRUE, thresh=%s), alpha = lambda*nvars/sum(pf)",\n',
                 '      "max_kkt_over_alpha_max": %s,\n      "max_rel_gap": %s\n    }'),
          r$name, tolower(r$covariates), r$nvars, fmt_short(r$sum_pf), fmt(r$lambda_max), fmt(r$alpha_max),
          fmt(r$nvars / r$sum_pf), gver, format(THRESH), sprintf("%.1e", r$worst[["kkt"]]),
          sprintf("%.1e", r$worst[["gap"]]))
}
manifest <- c(
  "{",
  '  "generator": "scripts/make_glmnet_weighted_fixture.R",',
  sprintf('  "versions": {\n    "R": "%s",\n    "glmnet": "%s"\n  },', rver, gver),
  sprintf('  "seed": %d,', SEED),
  sprintf('  "n": %d,\n  "p": %d,\n  "q": %d,', n, p, q),
  paste0('  "description": "n=60, p=30, Toeplitz(0.6) columns on scales 10^-1.5..10^1.5 with offsets, ',
         '6 effects; weights: 0 on columns 0, 7, 19, 2/3.5/1.5 on 2/11/24, 0.5/0.25/0.1 on 4/14/27, else 1; ',
         'covariates cov1 numeric, cov2 0/1",'),
  sprintf('  "unpenalized_columns": [%s],', paste(which(w == 0) - 1, collapse = ", ")),
  '  "references": [',
  paste(vapply(refs, json_ref, ""), collapse = ",\n"),
  "  ]",
  "}"
)
writeLines(manifest, file.path(out_dir, "manifest.json"))
cat(sprintf("wrote %s (glmnet %s, R %s)\n", out_dir, gver, rver))
