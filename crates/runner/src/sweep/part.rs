//! The three parts of a unit's samples. Its own module because the split file reader
//! (`fixed_split`), the plan that holds it (`plan`) and the unit's data (`data`, which reads the
//! plan) all name them; here none of them imports another to do so.

/// Training, validation or test part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The training part.
    Train = 0,
    /// The validation part (no rows with CV).
    Validation = 1,
    /// The untouched test part.
    Test = 2,
}
