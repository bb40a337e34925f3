#!/usr/bin/env Rscript
# Exports two public gene-expression matrices from Debian's Bioconductor data packages as
# regpath sweep datasets (configs/expression.toml, results/expression/README.md):
#
#   DIR/all/X.npy, y.npy, genes.txt   ALL (r-bioc-all): 128 acute lymphoblastic leukemia
#       samples x 12,625 probesets (hgu95av2, RMA, log2). y = the patient's age in years
#       (pData(ALL)$age); the 5 samples without an age are dropped: n = 123.
#   (and the case/control versions all_bt and bladder_cc, described at the end)
#   DIR/bladder/X.npy, y.npy, genes.txt   bladderbatch (r-bioc-bladderbatch): 57 bladder
#       samples x 22,283 probesets (hgu133a, RMA, log2). There is no continuous phenotype, so
#       y = the expression of one probeset predicted from the others: the probeset with the
#       largest variance over the 57 samples (named in genes.txt's first line, "# y = ..."),
#       which is removed from X.
#
# With TOP > 0, X keeps only the TOP probesets of largest variance over all samples (an
# unsupervised filter: it never looks at y, so it does not leak the response into the choice of
# features); the default, 0, keeps every probeset (the committed sweep does). X.npy is n x p float64 in Fortran order (column-major, as R stores it),
# y.npy a float64 vector; genes.txt lists the probeset of each column of X, in order.
#
# Usage: Rscript scripts/expression_data.R DIR [TOP]
#        (apt-get install r-bioc-all r-bioc-bladderbatch; nothing else is needed)
# scripts/expression_data.sh DIR [TOP] is the same.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: expression_data.R DIR [TOP]")
out <- args[1]
top <- if (length(args) >= 2) as.integer(args[2]) else 0L
suppressMessages({
  library(Biobase)
  library(ALL)
  library(bladderbatch)
})

# A numeric array as a .npy file (format 1.0, little-endian float64; a matrix in Fortran order).
write_npy <- function(path, a) {
  shape <- if (is.matrix(a)) sprintf("(%d, %d)", nrow(a), ncol(a)) else sprintf("(%d,)", length(a))
  dict <- sprintf("{'descr': '<f8', 'fortran_order': %s, 'shape': %s, }",
                  if (is.matrix(a)) "True" else "False", shape)
  # magic (6) + version (2) + length (2) + header, padded with spaces to 64 bytes, ending "\n"
  total <- 10 + nchar(dict) + 1
  pad <- (64 - total %% 64) %% 64
  header <- paste0(dict, strrep(" ", pad), "\n")
  con <- file(path, "wb")
  on.exit(close(con))
  writeBin(as.raw(c(0x93, charToRaw("NUMPY"), 0x01, 0x00)), con)
  writeBin(as.integer(nchar(header)), con, size = 2, endian = "little")
  writeBin(charToRaw(header), con)
  writeBin(as.double(a), con, size = 8, endian = "little")
}

# Writes one dataset: x (samples x genes, named columns), y; keeps the `top` most variable genes.
export <- function(dir, x, y, note) {
  stopifnot(nrow(x) == length(y), !anyNA(x), !anyNA(y))
  v <- apply(x, 2, var)
  keep <- if (top > 0) sort(order(v, decreasing = TRUE)[seq_len(min(top, ncol(x)))]) else seq_len(ncol(x))
  x <- x[, keep, drop = FALSE]
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  write_npy(file.path(dir, "X.npy"), x)
  write_npy(file.path(dir, "y.npy"), y)
  writeLines(c(note, colnames(x)), file.path(dir, "genes.txt"))
  cat(sprintf("%s: n = %d, p = %d, y mean %.4g sd %.4g\n", dir, nrow(x), ncol(x), mean(y), sd(y)))
}

kept <- if (top > 0) sprintf("the top %d probesets by variance", top) else "every probeset"
data(ALL)
age <- pData(ALL)$age
has_age <- !is.na(age)
x <- t(exprs(ALL))[has_age, , drop = FALSE]
export(file.path(out, "all"), x, as.double(age[has_age]),
       sprintf("# ALL (hgu95av2): y = age in years, %d of 128 samples (5 without an age dropped); %s",
               sum(has_age), kept))

data(bladderdata)
x <- t(exprs(bladderEset))
target <- which.max(apply(x, 2, var))
y <- as.double(x[, target])
export(file.path(out, "bladder"), x[, -target, drop = FALSE], y,
       sprintf("# bladderbatch (hgu133a): y = expression of probeset %s (largest variance), removed from X; %s",
               colnames(x)[target], kept))

# Case/control versions (logistic paths, docs/performance.md "Elastic net past n"):
#   DIR/all_bt: ALL, y = 1 for T-cell, 0 for B-cell leukemia (pData(ALL)$BT), all 128 samples;
#   DIR/bladder_cc: bladderbatch, y = 1 for "Cancer", 0 for "Normal" or "Biopsy"
#   (pData(bladderEset)$cancer), all 57 samples and probesets.
x <- t(exprs(ALL))
export(file.path(out, "all_bt"), x, as.double(substr(as.character(pData(ALL)$BT), 1, 1) == "T"),
       sprintf("# ALL (hgu95av2): y = 1 for T-cell, 0 for B-cell leukemia; %s", kept))
x <- t(exprs(bladderEset))
export(file.path(out, "bladder_cc"), x, as.double(pData(bladderEset)$cancer == "Cancer"),
       sprintf("# bladderbatch (hgu133a): y = 1 for cancer, 0 for normal or biopsy; %s", kept))
