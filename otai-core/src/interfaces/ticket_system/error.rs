//! Why a ticket system operation failed, classified by what a caller may do next.

/// The cause of a failure, boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a ticket system operation failed.
///
/// `Display` says what failed; the cause (an HTTP error, a decoding error…) is the
/// [`std::error::Error::source`] — [`crate::report()`] prints both. The variants say what a
/// caller may do next, which is what the engine's write gate decides by:
///
/// | variant | the request… | retry? |
/// |---|---|---|
/// | [`Unavailable`](Self::Unavailable) | never reached the system | yes, with backoff |
/// | [`OutcomeUnknown`](Self::OutcomeUnknown) | may have been carried out | only after reading the ticket back |
/// | [`Rejected`](Self::Rejected), [`NotFound`](Self::NotFound) | was refused | no |
/// | [`Backend`](Self::Backend) | failed otherwise (an unreadable answer) | no |
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TicketSystemError {
    /// No ticket with that id.
    #[error("ticket `{0}` does not exist")]
    NotFound(String),
    /// The system refused the request (unknown queue, missing field, no permission).
    #[error("{operation} rejected: {message}")]
    Rejected {
        /// The operation (`update_ticket`, `TicketUpdate`…).
        operation: String,
        /// Why.
        message: String,
    },
    /// The request never reached the system (connection refused, DNS, TLS handshake): it
    /// certainly had no effect and may be sent again.
    #[error("{operation} failed: the ticket system is unavailable")]
    Unavailable {
        /// The operation.
        operation: String,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// The request was sent but no usable answer came back (a timeout, a connection cut
    /// after sending, an error page instead of the answer): it may or may not have been
    /// carried out. A write failing this way is resolved by reading the ticket back, never
    /// by sending it again blindly.
    #[error("{operation} failed and may or may not have taken effect")]
    OutcomeUnknown {
        /// The operation.
        operation: String,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// Any other failure: the system answered something that cannot be used.
    #[error("{operation} failed")]
    Backend {
        /// The operation.
        operation: String,
        /// Why.
        #[source]
        source: BoxError,
    },
}

impl TicketSystemError {
    /// A failure of `operation` caused by `source`, of no more specific class.
    pub fn backend(operation: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Backend {
            operation: operation.into(),
            source: source.into(),
        }
    }

    /// `operation` never reached the system (see [`TicketSystemError::Unavailable`]).
    pub fn unavailable(operation: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Unavailable {
            operation: operation.into(),
            source: source.into(),
        }
    }

    /// `operation` was sent without a usable answer (see
    /// [`TicketSystemError::OutcomeUnknown`]).
    pub fn outcome_unknown(operation: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::OutcomeUnknown {
            operation: operation.into(),
            source: source.into(),
        }
    }

    /// The system refused `operation` for `message`.
    pub fn rejected(operation: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Rejected {
            operation: operation.into(),
            message: message.into(),
        }
    }

    /// Whether the system may work again later without anything changing here: it could
    /// not be reached, or its answer got lost. Reads may simply be repeated; a write whose
    /// outcome is unknown is read back first.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::OutcomeUnknown { .. })
    }

    /// Whether the request may have been carried out although it failed.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Self::OutcomeUnknown { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_say_what_may_be_done_next() {
        let io = || std::io::Error::other("cut");
        assert!(TicketSystemError::unavailable("TicketGet", io()).is_transient());
        let unknown = TicketSystemError::outcome_unknown("TicketUpdate", io());
        assert!(unknown.is_transient() && unknown.is_outcome_unknown());
        assert!(!TicketSystemError::rejected("TicketUpdate", "no queue").is_transient());
        assert!(!TicketSystemError::backend("TicketGet", io()).is_transient());
        assert!(!TicketSystemError::NotFound("7".into()).is_outcome_unknown());
        assert_eq!(
            crate::report(&unknown),
            "TicketUpdate failed and may or may not have taken effect: cut"
        );
    }
}
