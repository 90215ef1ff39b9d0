//! `acme-commercial:SlaEscalationPipe` (premium): when a ticket must be escalated.

use otai::prelude::*;
use otai::value::{json, Map};

/// Params of [`SlaEscalationPipe`].
#[otai::params]
pub struct EscalationParams {
    /// The urgency from `acme-commercial:UrgencyTaggerPipe`: `high`, `medium` or `low`.
    pub urgency: String,
    /// How long the ticket has been open, in hours.
    pub hours_open: f64,
    /// The customer's support tier: `standard` (default), `gold` or `platinum`.
    #[serde(default = "standard")]
    pub tier: String,
}

fn standard() -> String {
    "standard".to_owned()
}

/// Decides whether a ticket has outrun its service level: each urgency and support tier has
/// a response time (high: 4 h standard, 2 h gold, 1 h platinum; medium: 24/8/4 h; low:
/// 72/48/24 h). Result data: `escalate` (the ticket is past its response time), `priority`
/// (`P1`–`P4`: urgency, raised one step once escalated), `sla_hours` and `hours_left`
/// (negative when overdue).
///
/// Premium: registered only when the licence includes the feature `sla-escalation`.
#[otai::pipe]
pub struct SlaEscalationPipe;

#[async_trait]
impl Pipe for SlaEscalationPipe {
    type Params = EscalationParams;

    async fn process(&self, params: EscalationParams, _ctx: &PipeContext) -> PipeResult {
        match decide(&params) {
            Ok(decision) => {
                let mut data = Map::new();
                data.insert("escalate".to_owned(), json!(decision.escalate));
                data.insert("priority".to_owned(), json!(decision.priority));
                data.insert("sla_hours".to_owned(), json!(decision.sla_hours));
                data.insert("hours_left".to_owned(), json!(decision.hours_left));
                PipeResult::success(data)
            }
            Err(message) => PipeResult::failure(message),
        }
    }
}

/// The pipe's verdict.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    pub escalate: bool,
    pub priority: &'static str,
    pub sla_hours: f64,
    pub hours_left: f64,
}

pub(crate) fn decide(params: &EscalationParams) -> Result<Decision, String> {
    const PRIORITIES: [&str; 4] = ["P1", "P2", "P3", "P4"];
    let (urgency_rank, hours) = match params.urgency.as_str() {
        "high" => (1, [4.0, 2.0, 1.0]),
        "medium" => (2, [24.0, 8.0, 4.0]),
        "low" => (3, [72.0, 48.0, 24.0]),
        other => {
            return Err(format!(
                "urgency `{other}` is not one of high, medium, low (the values of acme-commercial:UrgencyTaggerPipe)"
            ))
        }
    };
    let sla_hours = match params.tier.as_str() {
        "standard" => hours[0],
        "gold" => hours[1],
        "platinum" => hours[2],
        other => {
            return Err(format!(
                "tier `{other}` is not one of standard, gold, platinum"
            ))
        }
    };
    if !params.hours_open.is_finite() || params.hours_open < 0.0 {
        return Err(format!(
            "hours_open is {}; it must be a number of hours, 0 or more",
            params.hours_open
        ));
    }
    let escalate = params.hours_open >= sla_hours;
    let rank = if escalate {
        urgency_rank - 1
    } else {
        urgency_rank
    };
    Ok(Decision {
        escalate,
        priority: PRIORITIES[rank],
        sla_hours,
        hours_left: sla_hours - params.hours_open,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(urgency: &str, hours_open: f64, tier: &str) -> EscalationParams {
        EscalationParams {
            urgency: urgency.to_owned(),
            hours_open,
            tier: tier.to_owned(),
        }
    }

    #[test]
    fn an_overdue_urgent_ticket_is_escalated_to_p1() {
        let decision = decide(&params("high", 3.0, "gold")).unwrap();
        assert_eq!(
            decision,
            Decision {
                escalate: true,
                priority: "P1",
                sla_hours: 2.0,
                hours_left: -1.0
            }
        );
    }

    #[test]
    fn a_ticket_within_its_sla_keeps_its_priority() {
        let decision = decide(&params("medium", 3.0, "standard")).unwrap();
        assert_eq!((decision.escalate, decision.priority), (false, "P3"));
        assert_eq!(decision.hours_left, 21.0);
    }

    #[test]
    fn unknown_values_say_what_is_allowed() {
        assert!(decide(&params("panic", 1.0, "gold"))
            .unwrap_err()
            .contains("high, medium, low"));
        assert!(decide(&params("low", 1.0, "bronze"))
            .unwrap_err()
            .contains("standard, gold, platinum"));
        assert!(decide(&params("low", -1.0, "gold"))
            .unwrap_err()
            .contains("0 or more"));
    }
}
