//! Parsing one text cell as a number, shared by the CSV, `.fam`, phenotype, covariate and
//! penalty-factor readers.

/// What one text cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// A finite number.
    Number(f64),
    /// A missing-value marker (`NA`, `NaN`, `.`, an empty cell) or an infinity.
    NonFinite(f64),
    /// Anything else: not a number.
    Text,
}

/// Classifies `text` (already trimmed): a finite number, a missing/non-finite marker, or text.
pub fn parse_cell(text: &str) -> Cell {
    if text.is_empty() || text == "." || text.eq_ignore_ascii_case("na") {
        return Cell::NonFinite(f64::NAN);
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Cell::Number(v),
        Ok(v) => Cell::NonFinite(v),
        Err(_) => Cell::Text,
    }
}

/// True for PLINK's missing-value codes as the phenotype and covariate readers treat them: the
/// number `-9` (also written `-9.0`), and the cells [`parse_cell`] reads as NaN (`NA` in any
/// case, `NaN`, `.`, an empty cell). Infinities are not missing.
pub fn is_plink_missing(cell: Cell) -> bool {
    match cell {
        Cell::Number(v) => v == -9.0,
        Cell::NonFinite(v) => v.is_nan(),
        Cell::Text => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_cells() {
        assert_eq!(parse_cell("1.5e3"), Cell::Number(1500.0));
        assert_eq!(parse_cell("-0"), Cell::Number(0.0));
        assert!(matches!(parse_cell("NA"), Cell::NonFinite(v) if v.is_nan()));
        assert!(matches!(parse_cell("nan"), Cell::NonFinite(v) if v.is_nan()));
        assert!(matches!(parse_cell(""), Cell::NonFinite(v) if v.is_nan()));
        assert_eq!(parse_cell("inf"), Cell::NonFinite(f64::INFINITY));
        assert_eq!(parse_cell("-Infinity"), Cell::NonFinite(f64::NEG_INFINITY));
        assert_eq!(parse_cell("abc"), Cell::Text);
        assert_eq!(parse_cell("x1"), Cell::Text);
    }

    #[test]
    fn plink_missing_codes() {
        for text in ["-9", "-9.0", "NA", "na", "NaN", ".", ""] {
            assert!(is_plink_missing(parse_cell(text)), "{text}");
        }
        for text in ["0", "9", "-9.5", "inf", "-inf", "abc"] {
            assert!(!is_plink_missing(parse_cell(text)), "{text}");
        }
    }
}
