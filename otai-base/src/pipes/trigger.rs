//! `base:IntervalTrigger`: succeeds once per interval.

use std::sync::Mutex;

use otai::prelude::*;
use tokio::time::Instant;

/// Params of `base:IntervalTrigger`.
#[otai::params]
#[derive(Debug, Clone)]
pub struct IntervalTriggerParams {
    /// How long after firing the trigger fires again (`PT0.5S`, `5m`).
    pub interval: Duration,
}

/// Succeeds at most once per `interval` and is skipped in between.
///
/// Fires (succeeds) the first time it runs and then whenever `interval` has elapsed since it
/// last fired; in between it is skipped. In once mode it always fires. It also fires, and
/// starts its interval anew, when it was fired from outside since it last ran
/// (`POST /trigger/<id>` of `otai run --listen`, e.g. from OTOBO's invoker on `TicketCreate`).
/// The time of the last firing lives in the pipe instance, which the engine keeps for the
/// whole run.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   orchestrator:
///     use: base:SimpleSequentialRunner
///     params:
///       "on": { id: every-5-minutes, use: base:IntervalTrigger, params: { interval: 5m } }
///       run: { id: work, use: base:ExpressionPipe, params: { expression: "fired" } }
/// ```
#[otai::pipe]
#[derive(Debug, Default)]
pub struct IntervalTrigger {
    last_fired: Mutex<Option<Instant>>,
}

#[async_trait]
impl Pipe for IntervalTrigger {
    type Params = IntervalTriggerParams;

    async fn process(&self, params: Self::Params, ctx: &PipeContext) -> PipeResult {
        let now = Instant::now();
        let interval = params.interval.get();
        let mut last_fired = match self.last_fired.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Taken first, so that a request is consumed by the run it caused in any case.
        let requested = otai::work::current_step()
            .is_some_and(|step| ctx.control().triggers().take(&step.pipe_id));
        let due = match *last_fired {
            _ if ctx.control().is_once() => true,
            None => true,
            Some(at) => now.duration_since(at) >= interval,
        };
        if requested {
            *last_fired = Some(now);
            PipeResult::success(Default::default()).with_message("trigger fired on request")
        } else if due {
            *last_fired = Some(now);
            PipeResult::success(Default::default()).with_message("interval trigger fired")
        } else {
            let remaining = interval.saturating_sub(last_fired.map_or(interval, |at| now - at));
            PipeResult::skipped(format!(
                "interval not elapsed: next firing in {}",
                humantime::format_duration(round_to_millis(remaining))
            ))
        }
    }

    fn is_trigger(&self) -> bool {
        true
    }
}

fn round_to_millis(duration: std::time::Duration) -> std::time::Duration {
    std::time::Duration::from_millis(duration.as_millis().try_into().unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use std::time::Duration as Std;

    use otai::pipe::RunControl;

    use super::*;

    fn every(millis: u64) -> IntervalTriggerParams {
        IntervalTriggerParams {
            interval: Duration::from_millis(millis),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn fires_first_then_once_per_interval() {
        let trigger = IntervalTrigger::default();
        let ctx = PipeContext::default();
        assert!(trigger.process(every(500), &ctx).await.succeeded());
        let early = trigger.process(every(500), &ctx).await;
        assert!(early.was_skipped() && !early.has_failed());
        assert!(early.message.contains("500ms"), "{}", early.message);
        tokio::time::advance(Std::from_millis(300)).await;
        let later = trigger.process(every(500), &ctx).await;
        assert!(later.was_skipped());
        assert!(later.message.contains("200ms"), "{}", later.message);
        tokio::time::advance(Std::from_millis(200)).await;
        assert!(trigger.process(every(500), &ctx).await.succeeded());
        assert!(trigger.process(every(500), &ctx).await.was_skipped());
    }

    #[tokio::test(start_paused = true)]
    async fn always_fires_in_once_mode() {
        let trigger = IntervalTrigger::default();
        let ctx = PipeContext::new(RunControl::once());
        for _ in 0..3 {
            assert!(trigger.process(every(60_000), &ctx).await.succeeded());
        }
    }

    #[test]
    fn interval_accepts_iso_and_humane_durations() {
        let iso: IntervalTriggerParams =
            serde_json::from_value(serde_json::json!({"interval": "PT0.5S"})).unwrap();
        let humane: IntervalTriggerParams =
            serde_json::from_value(serde_json::json!({"interval": "500ms"})).unwrap();
        assert_eq!(iso.interval, humane.interval);
        assert!(serde_json::from_value::<IntervalTriggerParams>(serde_json::json!({})).is_err());
    }
}
