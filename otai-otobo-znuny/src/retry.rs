//! When a failed request is sent again, and after how long.
//!
//! * `TicketSearch` and `TicketGet` change nothing: they are retried after any transient
//!   failure ([`OtoboError::is_transient`]: 5xx, timeout, lost connection, a proxy's HTML
//!   page, no connection).
//! * `TicketUpdate` and `TicketCreate` are retried only when the request provably never
//!   left ([`OtoboError::never_reached_server`]: connection refused, DNS, TLS handshake).
//!   After a timeout or a lost connection the server may have added the note already;
//!   sending it again could add it twice.
//!
//! The delay before retry `n` (0-based) is `initial_backoff × 2ⁿ`, capped at
//! `max_backoff`, with full jitter in its upper half, so that clients that failed
//! together do not come back together.

use std::time::Duration;

use crate::error::OtoboError;
use crate::operation::Operation;

/// The retry policy of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: never retry).
    pub max_retries: u32,
    /// Delay before the first retry (before jitter).
    pub initial_backoff: Duration,
    /// Upper bound of any delay.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// `max_retries` retries, starting at 200 ms and doubling up to 5 s.
    pub fn new(max_retries: u32) -> Self {
        Self {
            max_retries,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }

    /// The same policy with other backoff bounds (tests use a few milliseconds).
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Whether `operation`, failed with `error` after `retries_done` retries, is sent again.
    pub fn should_retry(
        &self,
        operation: Operation,
        error: &OtoboError,
        retries_done: u32,
    ) -> bool {
        if retries_done >= self.max_retries {
            return false;
        }
        if operation.is_idempotent() {
            error.is_transient()
        } else {
            error.never_reached_server()
        }
    }

    /// The delay before retry number `retry` (0-based): in `[d/2, d]` for
    /// `d = min(initial × 2^retry, max)`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.min(31)))
            .min(self.max_backoff);
        let half = ceiling / 2;
        let spread = u64::try_from((ceiling - half).as_micros()).unwrap_or(u64::MAX);
        half + Duration::from_micros(fastrand::u64(0..=spread))
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Endpoint;

    fn endpoint(operation: Operation) -> Endpoint {
        Endpoint {
            operation,
            route: "r".into(),
        }
    }

    #[test]
    fn backoff_doubles_within_bounds() {
        let policy = RetryPolicy::new(5)
            .with_backoff(Duration::from_millis(100), Duration::from_millis(350));
        for _ in 0..100 {
            let first = policy.backoff(0);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = policy.backoff(1);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let capped = policy.backoff(30);
            assert!(capped >= Duration::from_millis(175) && capped <= Duration::from_millis(350));
        }
    }

    #[test]
    fn reads_retry_transient_failures_writes_only_unsent_ones() {
        let policy = RetryPolicy::new(2);
        for operation in Operation::ALL {
            let timeout = OtoboError::Timeout {
                endpoint: endpoint(operation),
                timeout: Duration::from_secs(1),
            };
            let refused = OtoboError::ConnectionRefused {
                endpoint: endpoint(operation),
                host: "h:1".into(),
            };
            let status = OtoboError::HttpStatus {
                endpoint: endpoint(operation),
                status: 502,
                location: None,
                body_start: String::new(),
            };
            let remote = OtoboError::Remote {
                endpoint: endpoint(operation),
                code: "X.AuthFail".into(),
                message: "no".into(),
            };
            assert_eq!(
                policy.should_retry(operation, &timeout, 0),
                operation.is_idempotent()
            );
            assert_eq!(
                policy.should_retry(operation, &status, 0),
                operation.is_idempotent()
            );
            assert!(policy.should_retry(operation, &refused, 1));
            assert!(
                !policy.should_retry(operation, &refused, 2),
                "budget exhausted"
            );
            assert!(!policy.should_retry(operation, &remote, 0));
        }
        assert!(!RetryPolicy::new(0).should_retry(
            Operation::TicketSearch,
            &OtoboError::ConnectionRefused {
                endpoint: endpoint(Operation::TicketSearch),
                host: "h".into()
            },
            0
        ));
    }
}
