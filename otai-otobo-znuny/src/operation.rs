//! The four GenericInterface operations this plugin speaks.

use std::fmt;

/// A GenericInterface ticket operation. The name is the one OTOBO uses in web service
/// definitions, error codes (`TicketSearch.AuthFail`) and the `operation_urls` param.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `TicketSearch`: ids of the tickets matching filters.
    TicketSearch,
    /// `TicketGet`: one ticket with its articles and dynamic fields.
    TicketGet,
    /// `TicketUpdate`: change ticket fields and/or add an article (a note).
    TicketUpdate,
    /// `TicketCreate`: a new ticket with its first article.
    TicketCreate,
}

impl Operation {
    /// All operations, in the order of the contract.
    pub const ALL: [Operation; 4] = [
        Operation::TicketSearch,
        Operation::TicketGet,
        Operation::TicketUpdate,
        Operation::TicketCreate,
    ];

    /// The operation's name as OTOBO spells it (`TicketSearch`).
    pub const fn name(self) -> &'static str {
        match self {
            Operation::TicketSearch => "TicketSearch",
            Operation::TicketGet => "TicketGet",
            Operation::TicketUpdate => "TicketUpdate",
            Operation::TicketCreate => "TicketCreate",
        }
    }

    /// The route of a web service set up with the defaults (`ticket-search`).
    pub const fn default_route(self) -> &'static str {
        match self {
            Operation::TicketSearch => "ticket-search",
            Operation::TicketGet => "ticket-get",
            Operation::TicketUpdate => "ticket-update",
            Operation::TicketCreate => "ticket-create",
        }
    }

    /// The operation with this OTOBO name, if any.
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.name() == name)
    }

    /// Whether repeating the operation is harmless: searches and gets change nothing, so
    /// they may be retried after any transient failure. Updates and creates may not: a
    /// request that reached the server may have added a note or a ticket already.
    pub const fn is_idempotent(self) -> bool {
        matches!(self, Operation::TicketSearch | Operation::TicketGet)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_name(op.name()), Some(op));
        }
        assert_eq!(Operation::from_name("TicketDelete"), None);
    }

    #[test]
    fn only_reads_are_idempotent() {
        assert!(Operation::TicketSearch.is_idempotent());
        assert!(Operation::TicketGet.is_idempotent());
        assert!(!Operation::TicketUpdate.is_idempotent());
        assert!(!Operation::TicketCreate.is_idempotent());
    }
}
