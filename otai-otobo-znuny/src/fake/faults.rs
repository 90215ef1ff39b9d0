//! Faults the fake server can be told to produce, to test how a client copes with a
//! misbehaving server or network: per operation, for notes only, for the next N requests or
//! every Nth, before or after the request is processed.
//!
//! A rule can also be written as text (the binary's `--fault` flag, [`FaultRule::from_str`]):
//! `KIND[,OPTION…]`, e.g. `http-500,every=7` or `cut,after,notes,every=5`.
//!
//! | kind | what the client gets | a real cause |
//! |---|---|---|
//! | `http-500` | HTTP 500, `Internal Server Error` as plain text | the GenericInterface failing inside (`Success => 0`) |
//! | `html[=STATUS]` | an HTML error page (default 500, Apache's page; 502–504: nginx's) | Apache or a reverse proxy in front of OTOBO |
//! | `error[=CODE]` | HTTP 200 with `{"Error": {"ErrorCode": "<Operation>.<CODE>", …}}` (default `AuthFail`) | the operation refusing (an LDAP backend away: `AuthFail`) |
//! | `slow=DURATION` | the normal answer, `DURATION` late (`2s`, `500ms`) | an overloaded server |
//! | `hang` | nothing: the connection stays open until the client gives up | a stuck worker process |
//! | `cut` | the connection closed without an answer | a proxy or network dropping it |
//! | `crash` | the server stops: the listener and every connection close (the binary exits) | the server process killed |
//!
//! | option | meaning |
//! |---|---|
//! | `before` / `after` | misbehave before the request is processed (default) or after it (the change is made, the answer lost or late) |
//! | `every=N` | only every Nth matching request (the Nth, the 2Nth, …) |
//! | `skip=N` | leave the first N matching requests alone (`error,skip=10,times=5`: requests 11 to 15, an outage mid-run) |
//! | `times=N` | only N times, then the rule is gone |
//! | `op=OPERATION` | only requests of `TicketSearch`, `TicketGet`, `TicketUpdate` or `TicketCreate` |
//! | `notes` | only requests that add a note (a `TicketUpdate` with an `Article`) |
//!
//! Rules are checked in order and the first one that fires applies. A rule counts only the
//! requests it sees: one that an earlier rule fired on is not counted by the later ones (a
//! note refused with HTTP 500 before processing is not a note carried out).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::operation::Operation;

/// A misbehaviour of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// HTTP 500 with a short plain-text body, as the GenericInterface sends when an
    /// operation fails inside.
    Http500,
    /// An HTML error page with this status: Apache's `500 Internal Server Error` page (what
    /// OTOBO behind Apache sends when its Perl side dies), nginx's page for 502–504 (a
    /// reverse proxy), a login page for 200.
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
    /// HTTP 200 with a GenericInterface `Error` object, `{"Error": {"ErrorCode":
    /// "<Operation>.<code>", "ErrorMessage": "<Operation>: <message>"}}`, as a real server
    /// refuses a request.
    ErrorPayload {
        /// The reason after the operation's name (`AuthFail`, `AccessDenied`).
        code: String,
        /// The message after `<Operation>: `.
        message: String,
    },
    /// Never answer: the connection stays open until the client gives up (its timeout).
    Hang,
    /// The server dies: it stops listening and closes every connection at once
    /// ([`super::FakeOtobo::crashed`] returns; the binary exits). With a state file its
    /// tickets survive, so a server started again on the same port carries on.
    Crash,
}

impl Fault {
    /// A GenericInterface `Error` answer with `code` and the message a real server gives
    /// for it.
    pub fn error_payload(code: impl Into<String>) -> Self {
        let code = code.into();
        let message = match code.as_str() {
            "AuthFail" => "Authorization failing!",
            "AccessDenied" => "User does not have access to the ticket!",
            "InvalidParameter" => "Ticket parameter is invalid!",
            "MissingParameter" => "TicketID or TicketNumber is required!",
            _ => "An error occurred.",
        }
        .to_owned();
        Fault::ErrorPayload { code, message }
    }
}

/// When a [`Fault`] applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// What happens.
    pub fault: Fault,
    /// Only requests of this operation (`None`: every request).
    pub operation: Option<Operation>,
    /// Only requests that add a note: a `TicketUpdate` with an `Article`.
    pub notes_only: bool,
    /// Only every Nth matching request (1: each one).
    pub every: u32,
    /// Leave the first this many matching requests alone.
    pub skip: u32,
    /// Only the next this many times it fires (`None`: until cleared).
    pub remaining: Option<u32>,
    /// Process the request first (the update is applied, the note added), then misbehave:
    /// the server received the request and then failed.
    pub after_processing: bool,
    /// Matching requests seen so far (for `every`).
    seen: u32,
}

/// What the fault rules look at in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RequestFacts {
    /// The operation its route leads to.
    pub operation: Option<Operation>,
    /// Whether it adds a note (a `TicketUpdate` with an `Article`).
    pub adds_note: bool,
}

impl FaultRule {
    /// `fault` on every request, before processing, until cleared.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            operation: None,
            notes_only: false,
            every: 1,
            skip: 0,
            remaining: None,
            after_processing: false,
            seen: 0,
        }
    }

    /// Only for requests of `operation`.
    pub fn on(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// Only for requests that add a note.
    pub fn on_notes(mut self) -> Self {
        self.notes_only = true;
        self
    }

    /// Only for every `n`th matching request (`0` counts as 1).
    pub fn every(mut self, n: u32) -> Self {
        self.every = n.max(1);
        self
    }

    /// Only after the first `count` matching requests.
    pub fn skip(mut self, count: u32) -> Self {
        self.skip = count;
        self
    }

    /// Only the next `count` times it fires.
    pub fn times(mut self, count: u32) -> Self {
        self.remaining = Some(count);
        self
    }

    /// Process the request before misbehaving.
    pub fn after_processing(mut self) -> Self {
        self.after_processing = true;
        self
    }

    fn matches(&self, request: RequestFacts) -> bool {
        self.remaining != Some(0)
            && (self.operation.is_none() || self.operation == request.operation)
            && (!self.notes_only || request.adds_note)
    }
}

/// Why a `--fault` text cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fault `{text}`: {reason}")]
pub struct FaultSyntaxError {
    /// The text given.
    pub text: String,
    /// What is wrong and what is expected.
    pub reason: String,
}

impl FromStr for FaultRule {
    type Err = FaultSyntaxError;

    /// Reads `KIND[,OPTION…]` (see the [module docs](self)).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |reason: String| FaultSyntaxError {
            text: text.to_owned(),
            reason,
        };
        let mut parts = text.split(',').map(str::trim);
        let kind = parts.next().unwrap_or_default();
        let (name, value) = match kind.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (kind, None),
        };
        let number = |what: &str, value: &str| {
            value.parse::<u32>().map_err(|_| {
                error(format!(
                    "`{what}={value}` needs a whole number, e.g. `{what}=5`"
                ))
            })
        };
        let fault = match (name, value) {
            ("http-500", None) => Fault::Http500,
            ("html", None) => Fault::HtmlErrorPage { status: 500 },
            ("html", Some(status)) => match status.parse::<u16>() {
                Ok(status @ 100..=599) => Fault::HtmlErrorPage { status },
                _ => return Err(error(format!("`{status}` is not an HTTP status"))),
            },
            ("error", None) => Fault::error_payload("AuthFail"),
            ("error", Some(code)) if !code.is_empty() => Fault::error_payload(code),
            ("slow", Some(duration)) => {
                let delay = duration
                    .parse::<otai::Duration>()
                    .map_err(|e| error(format!("`{duration}`: {e}")))?;
                Fault::Delay(delay.get())
            }
            ("slow", None) => return Err(error("`slow` needs a duration, e.g. `slow=2s`".into())),
            ("hang", None) => Fault::Hang,
            ("cut", None) => Fault::DropConnection,
            ("crash", None) => Fault::Crash,
            _ => {
                return Err(error(format!(
                    "unknown kind `{kind}`; use http-500, html[=STATUS], error[=CODE], slow=DURATION, hang, cut or crash"
                )))
            }
        };
        let mut rule = FaultRule::new(fault);
        for option in parts {
            match option.split_once('=') {
                None if option == "after" => rule.after_processing = true,
                None if option == "before" => rule.after_processing = false,
                None if option == "notes" => rule.notes_only = true,
                Some(("every", n)) => rule = rule.every(number("every", n)?),
                Some(("times", n)) => rule = rule.times(number("times", n)?),
                Some(("skip", n)) => rule = rule.skip(number("skip", n)?),
                Some(("op", name)) => {
                    let operation = Operation::from_name(name).ok_or_else(|| {
                        error(format!("`{name}` is not an operation; use TicketSearch, TicketGet, TicketUpdate or TicketCreate"))
                    })?;
                    rule = rule.on(operation);
                }
                _ => {
                    return Err(error(format!(
                        "unknown option `{option}`; use before, after, notes, every=N, skip=N, times=N or op=OPERATION"
                    )))
                }
            }
        }
        Ok(rule)
    }
}

impl fmt::Display for FaultRule {
    /// The rule in the `--fault` syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.fault {
            Fault::Http500 => f.write_str("http-500")?,
            Fault::HtmlErrorPage { status } => write!(f, "html={status}")?,
            Fault::ErrorPayload { code, .. } => write!(f, "error={code}")?,
            Fault::Delay(delay) => write!(f, "slow={}ms", delay.as_millis())?,
            Fault::Hang => f.write_str("hang")?,
            Fault::DropConnection => f.write_str("cut")?,
            Fault::Crash => f.write_str("crash")?,
            Fault::Respond { status, .. } => write!(f, "respond={status}")?,
        }
        if self.after_processing {
            f.write_str(",after")?;
        }
        if self.notes_only {
            f.write_str(",notes")?;
        }
        if self.every > 1 {
            write!(f, ",every={}", self.every)?;
        }
        if self.skip > 0 {
            write!(f, ",skip={}", self.skip)?;
        }
        if let Some(remaining) = self.remaining {
            write!(f, ",times={remaining}")?;
        }
        if let Some(operation) = self.operation {
            write!(f, ",op={operation}")?;
        }
        Ok(())
    }
}

/// The fault rules and the latency of a server.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    pub latency: Duration,
    pub rules: Vec<FaultRule>,
}

impl FaultPlan {
    /// The first rule that fires on `request`, consuming one of its uses; every rule up to
    /// it that matches counts the request.
    pub fn take(&mut self, request: RequestFacts) -> Option<FaultRule> {
        let mut fired = None;
        for rule in self.rules.iter_mut().filter(|rule| rule.matches(request)) {
            rule.seen = rule.seen.saturating_add(1);
            if rule.seen > rule.skip && (rule.seen - rule.skip) % rule.every == 0 {
                // The rule as it fired (its `times` not yet counted down).
                fired = Some(rule.clone());
                if let Some(remaining) = &mut rule.remaining {
                    *remaining -= 1;
                }
                break;
            }
        }
        self.rules.retain(|rule| rule.remaining != Some(0));
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(operation: Operation) -> RequestFacts {
        RequestFacts {
            operation: Some(operation),
            adds_note: false,
        }
    }

    const NOTE: RequestFacts = RequestFacts {
        operation: Some(Operation::TicketUpdate),
        adds_note: true,
    };

    #[test]
    fn rules_match_by_operation_and_run_out() {
        let mut plan = FaultPlan::default();
        plan.rules.push(
            FaultRule::new(Fault::Http500)
                .on(Operation::TicketGet)
                .times(2),
        );
        plan.rules.push(FaultRule::new(Fault::DropConnection));
        let fault = |plan: &mut FaultPlan, operation| plan.take(request(operation)).unwrap().fault;
        assert_eq!(fault(&mut plan, Operation::TicketGet), Fault::Http500);
        assert_eq!(
            fault(&mut plan, Operation::TicketSearch),
            Fault::DropConnection
        );
        assert_eq!(fault(&mut plan, Operation::TicketGet), Fault::Http500);
        assert_eq!(
            fault(&mut plan, Operation::TicketGet),
            Fault::DropConnection
        );
        assert_eq!(plan.rules.len(), 1);
        plan.rules.clear();
        assert_eq!(plan.take(request(Operation::TicketGet)), None);
    }

    #[test]
    fn periodic_rules_fire_on_every_nth_request_they_see() {
        let mut plan = FaultPlan::default();
        plan.rules.push("http-500,every=3".parse().unwrap());
        plan.rules.push("cut,after,notes,every=2".parse().unwrap());
        let mut fired = Vec::new();
        // search, note, note, get, note, note, note
        let requests = [
            request(Operation::TicketSearch),
            NOTE,
            NOTE,
            request(Operation::TicketGet),
            NOTE,
            NOTE,
            NOTE,
        ];
        for facts in requests {
            fired.push(plan.take(facts).map(|rule| rule.to_string()));
        }
        let http = Some("http-500,every=3".to_owned());
        let cut = Some("cut,after,notes,every=2".to_owned());
        // Requests 3 and 6 are the 500s; the notes rule sees notes 2, 5 and 7 only: the
        // 2nd note it sees is request 5.
        assert_eq!(fired, [None, None, http.clone(), None, cut, http, None]);
    }

    #[test]
    fn texts_are_read_and_written_back() {
        for text in [
            "http-500,every=7",
            "cut,after,notes,every=5",
            "html=502,times=2",
            "error=AuthFail,skip=10,times=5",
            "error=AccessDenied,op=TicketUpdate",
            "slow=1500ms,after",
            "hang,times=1",
            "crash,after,notes,times=1",
        ] {
            let rule: FaultRule = text.parse().unwrap();
            assert_eq!(rule.to_string(), text);
        }
        let rule: FaultRule = "error".parse().unwrap();
        assert_eq!(
            rule.fault,
            Fault::ErrorPayload {
                code: "AuthFail".into(),
                message: "Authorization failing!".into()
            }
        );
        let rule: FaultRule = "slow=2s".parse().unwrap();
        assert_eq!(rule.fault, Fault::Delay(Duration::from_secs(2)));
        assert_eq!(
            "html".parse::<FaultRule>().unwrap().fault,
            Fault::HtmlErrorPage { status: 500 }
        );
    }

    #[test]
    fn bad_texts_say_what_is_expected() {
        for (text, expected) in [
            ("boom", "unknown kind `boom`; use http-500"),
            ("cut,often", "unknown option `often`"),
            ("cut,every=x", "`every=x` needs a whole number"),
            ("slow", "`slow` needs a duration"),
            ("html=999", "`999` is not an HTTP status"),
            ("cut,op=TicketDelete", "`TicketDelete` is not an operation"),
        ] {
            let error = text.parse::<FaultRule>().unwrap_err().to_string();
            assert!(error.starts_with(&format!("fault `{text}`: ")), "{error}");
            assert!(error.contains(expected), "{error}");
        }
    }
}
