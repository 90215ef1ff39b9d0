//! Error messages with their causes, for people.

use std::error::Error;

/// `error` and every source below it, joined with `: ` — the one-line form in which errors
/// reach logs, pipe results and the terminal.
///
/// Errors in this crate keep their causes as [`Error::source`] instead of copying their text,
/// so their own `Display` says only what failed at their level; this puts the chain back
/// together. A cause whose text the level above already quotes is not repeated.
///
/// ```
/// let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
/// let error = otai::BuildError::new("cannot read the seed file").with_source(io);
/// assert_eq!(otai::report(&error), "cannot read the seed file: no such file");
/// ```
pub fn report(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !cause_text.is_empty() && !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] Middle);

    #[derive(Debug, thiserror::Error)]
    #[error("middle: inner")]
    struct Middle(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("inner")]
    struct Inner;

    #[test]
    fn the_chain_is_joined_without_repeating_quoted_causes() {
        assert_eq!(report(&Outer(Middle(Inner))), "outer: middle: inner");
        assert_eq!(report(&Inner), "inner");
    }
}
