//! Faults the fake server can be told to produce, per operation and for the next N
//! requests, to test how a client copes with a misbehaving server or network.

use std::time::Duration;

use crate::operation::Operation;

/// A misbehaviour of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 with a short plain-text body.
    Http500,
    /// An HTML error page with this status, as a reverse proxy sends it (502 Bad Gateway)
    /// or a login page (200).
    HtmlErrorPage {
        /// The HTTP status.
        status: u16,
    },
    /// Wait this long, then answer normally: a slow server (beyond the client's timeout,
    /// the client gives up first).
    Delay(Duration),
    /// Close the connection without answering.
    DropConnection,
    /// Answer with exactly this status and body (`application/json`): for answers of odd
    /// servers.
    Respond {
        /// The HTTP status.
        status: u16,
        /// The body, sent as is.
        body: String,
    },
}

/// When a [`Fault`] applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// What happens.
    pub fault: Fault,
    /// Only requests of this operation (`None`: every request).
    pub operation: Option<Operation>,
    /// Only the next this many matching requests (`None`: until cleared).
    pub remaining: Option<u32>,
    /// Process the request first (the update is applied, the note added), then misbehave:
    /// the server received the request and then failed.
    pub after_processing: bool,
}

impl FaultRule {
    /// `fault` on every request, before processing, until cleared.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            operation: None,
            remaining: None,
            after_processing: false,
        }
    }

    /// Only for requests of `operation`.
    pub fn on(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// Only for the next `count` matching requests.
    pub fn times(mut self, count: u32) -> Self {
        self.remaining = Some(count);
        self
    }

    /// Process the request before misbehaving.
    pub fn after_processing(mut self) -> Self {
        self.after_processing = true;
        self
    }

    fn matches(&self, operation: Option<Operation>) -> bool {
        self.remaining != Some(0) && (self.operation.is_none() || self.operation == operation)
    }
}

/// The fault rules and the latency of a server.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    pub latency: Duration,
    pub rules: Vec<FaultRule>,
}

impl FaultPlan {
    /// The first rule that matches a request of `operation`, consuming one of its uses.
    pub fn take(&mut self, operation: Option<Operation>) -> Option<FaultRule> {
        let rule = self.rules.iter_mut().find(|rule| rule.matches(operation))?;
        if let Some(remaining) = &mut rule.remaining {
            *remaining -= 1;
        }
        let taken = rule.clone();
        self.rules.retain(|rule| rule.remaining != Some(0));
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_by_operation_and_run_out() {
        let mut plan = FaultPlan::default();
        plan.rules.push(
            FaultRule::new(Fault::Http500)
                .on(Operation::TicketGet)
                .times(2),
        );
        plan.rules.push(FaultRule::new(Fault::DropConnection));
        assert_eq!(
            plan.take(Some(Operation::TicketGet)).unwrap().fault,
            Fault::Http500
        );
        assert_eq!(
            plan.take(Some(Operation::TicketSearch)).unwrap().fault,
            Fault::DropConnection
        );
        assert_eq!(
            plan.take(Some(Operation::TicketGet)).unwrap().fault,
            Fault::Http500
        );
        assert_eq!(
            plan.take(Some(Operation::TicketGet)).unwrap().fault,
            Fault::DropConnection
        );
        assert_eq!(plan.rules.len(), 1);
        plan.rules.clear();
        assert_eq!(plan.take(None), None);
    }
}
