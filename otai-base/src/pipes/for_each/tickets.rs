//! `base:ForEachTicketPipe`: the tickets of a search, each through the steps, streaming.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::num::NonZeroUsize;
use std::pin::Pin;

use otai::interfaces::{TicketId, TicketSearchCriteria, TicketSystem, TicketSystemError};
use otai::prelude::*;

use super::items::ItemRuns;

/// Params of `base:ForEachTicketPipe` (`steps` are nested pipes, not params).
#[otai::params]
#[derive(Debug, Clone)]
pub struct ForEachTicketPipeParams {
    /// Which tickets, as `base:FetchTicketsPipe`'s: `{queue: {id?, name?}, limit: 10,
    /// offset: 0}`. `limit` is how many ticket ids one search asks for; the pipe searches
    /// again as long as searches find tickets.
    #[serde(default)]
    pub ticket_search_criteria: TicketSearchCriteria,
    /// How many tickets run at once (default 1).
    #[serde(default = "one")]
    pub max_concurrency: NonZeroUsize,
    /// The pipe id under which each ticket is visible to the steps (default `ticket`, as in
    /// the original demo's steps).
    #[serde(default = "default_item_id")]
    pub item_id: String,
    /// At most this many tickets in one run (default 1000): a queue that never drains still
    /// ends the run now and then, so the runner's next cycle starts fresh.
    #[serde(default = "default_max_tickets")]
    pub max_tickets: NonZeroUsize,
}

fn one() -> NonZeroUsize {
    NonZeroUsize::MIN
}

fn default_item_id() -> String {
    "ticket".to_owned()
}

fn default_max_tickets() -> NonZeroUsize {
    NonZeroUsize::new(1000).unwrap_or(NonZeroUsize::MIN)
}

/// Runs its steps for every ticket a search finds, several at once, searching again while
/// tickets run.
///
/// `base:FetchTicketsPipe` followed by `base:ForEachPipe` in one pipe, without their waits:
/// each ticket starts as soon as its own read returns (not when the slowest of the fetch
/// has), and while tickets run the pipe searches again, so the next tickets are ready the
/// moment a slot frees. A run ends when a search finds no ticket that is not already running
/// or done in this run (or after `max_tickets`).
///
/// * Searches go through the engine's gate, which never hands out a ticket that is in work,
///   waiting for its next try or set aside; a ticket done in this run that still matches the
///   search (its queue was not changed) is not run twice in one run.
/// * Each ticket is a unit of work, as a for-each item: it sees its ticket (every field of
///   the unified model, as `base:FetchTicketsPipe` gives it) as the result of pipe `item_id`,
///   the steps run in order and the first failed step ends that ticket; the others go on. A
///   ticket deleted between search and read is skipped.
/// * The result is `base:ForEachPipe`'s: `data.items` (`index`, `id`, `state`, `message`),
///   `data.succeeded`, `data.failed`, `data.skipped`; it fails when a ticket failed or the
///   first search failed. A later failed search ends the run's searching (named in the
///   message; the next run searches again).
/// * On a stop request no further ticket starts; tickets in flight finish.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   services:
///     tickets:
///       use: base:InMemoryTicketSystem
///       params:
///         tickets:
///           - { id: 1, subject: Invoice twice, body: "I was charged twice.", queue: { name: Incoming } }
///           - { id: 2, subject: VPN down, body: "The VPN drops every minute.", queue: { name: Incoming } }
///   orchestrator:
///     id: each
///     use: base:ForEachTicketPipe
///     injects: { ticket_system: tickets }
///     params:
///       ticket_search_criteria: { queue: { name: Incoming }, limit: 32 }
///       max_concurrency: 8
///       steps:
///         - id: move
///           use: base:UpdateTicketPipe
///           injects: { ticket_system: tickets }
///           params:
///             ticket_id: "{{ get_pipe_result('ticket')['id'] }}"
///             updated_ticket: { queue: { name: Triage } }
/// ```
#[otai::pipe]
pub struct ForEachTicketPipe {
    ticket_system: Arc<dyn TicketSystem>,
    steps: Arc<[PipeNode]>,
}

type SearchAnswer = Result<Vec<TicketId>, TicketSystemError>;

/// A search in flight.
struct PendingSearch {
    answer: Pin<Box<dyn Future<Output = SearchAnswer> + Send>>,
    /// How many ids it asked for.
    asked: usize,
    /// How many new tickets it may bring.
    budget: usize,
}

#[async_trait]
impl Pipe for ForEachTicketPipe {
    type Params = ForEachTicketPipeParams;

    async fn process(&self, params: Self::Params, ctx: &PipeContext) -> PipeResult {
        // The tickets a search hands out belong to the open unit of work, so that the engine
        // keeps them from the next search while they wait or run; when the pipe runs outside
        // any unit (it is the whole pipeline), it is the unit.
        if otai::work::current_unit().is_some() {
            self.stream(params, ctx).await
        } else {
            otai::work::run_unit(ctx, None, self.stream(params, ctx)).await
        }
    }
}

impl ForEachTicketPipe {
    /// Searches, runs the tickets found, searches again while they run.
    async fn stream(&self, params: ForEachTicketPipeParams, ctx: &PipeContext) -> PipeResult {
        let concurrency = params.max_concurrency.get();
        let max_tickets = params.max_tickets.get();
        // Search again once no more than this many tickets wait for a slot: the next
        // search's answer arrives while the running tickets still have work.
        let low_water = concurrency / 2;
        let mut finder = Finder::new(params.ticket_search_criteria);
        let mut runs = ItemRuns::new(&self.steps, ctx, &params.item_id);
        let mut waiting: VecDeque<TicketId> = VecDeque::new();
        let mut search: Option<PendingSearch> = None;
        let mut search_failure: Option<String> = None;
        loop {
            if ctx.control().is_shutdown_requested() {
                runs.stop(waiting.len());
                waiting.clear();
                finder.done = true;
            }
            while runs.running() < concurrency {
                let Some(id) = waiting.pop_front() else {
                    break;
                };
                let index = runs.started();
                let system = Arc::clone(&self.ticket_system);
                runs.start(index, Some(id.to_string()), read_ticket(system, id));
            }
            let planned = runs.started() + waiting.len();
            if !finder.done
                && search.is_none()
                && waiting.len() <= low_water
                && planned < max_tickets
            {
                let budget = max_tickets - planned;
                let ask = finder.ask(budget);
                let asked = ask.limit;
                let system = Arc::clone(&self.ticket_system);
                search = Some(PendingSearch {
                    answer: Box::pin(async move { system.find_ticket_ids(&ask).await }),
                    asked,
                    budget,
                });
            }
            if search.is_none() && runs.running() == 0 {
                break;
            }
            tokio::select! {
                found = searched(&mut search), if search.is_some() => {
                    let Some((found, asked, budget)) = found else { continue };
                    search = None;
                    match found {
                        Ok(ids) => waiting.extend(finder.answer(ids, asked, budget)),
                        Err(error) if finder.searches == 0 => {
                            return PipeResult::failure(otai::report(&error));
                        }
                        Err(error) => {
                            let message = otai::report(&error);
                            tracing::warn!("searching for more tickets failed: {message}");
                            search_failure = Some(message);
                            finder.done = true;
                        }
                    }
                }
                _ = runs.join_next(), if runs.running() > 0 => {}
            }
        }
        let result = runs.finish().await;
        match search_failure {
            Some(failure) => {
                let message = format!(
                    "{}; searching for more tickets failed: {failure}",
                    result.message
                );
                result.with_message(message)
            }
            None => result,
        }
    }
}

/// The searches of one run: what to ask for, and which of the answers are new.
struct Finder {
    criteria: TicketSearchCriteria,
    /// Every ticket this run took.
    seen: HashSet<TicketId>,
    /// How many tickets of this run the last answer held (they still match the search): the
    /// next search asks for that many more, so they cannot hide the tickets behind them.
    stale: usize,
    /// Answers so far.
    searches: usize,
    /// No further search can find a ticket new to this run.
    done: bool,
}

impl Finder {
    fn new(criteria: TicketSearchCriteria) -> Self {
        let done = criteria.limit == 0;
        Self {
            criteria,
            seen: HashSet::new(),
            stale: 0,
            searches: 0,
            done,
        }
    }

    /// The next search, for at most `budget` new tickets.
    fn ask(&self, budget: usize) -> TicketSearchCriteria {
        let mut ask = self.criteria.clone();
        ask.limit = ask.limit.min(budget).saturating_add(self.stale);
        ask
    }

    /// The new tickets (at most `budget`) of an answer to a search for `asked` ids.
    fn answer(&mut self, ids: Vec<TicketId>, asked: usize, budget: usize) -> Vec<TicketId> {
        self.searches += 1;
        // Fewer than asked for: the search found every matching ticket there is.
        self.done = ids.len() < asked;
        let total = ids.len();
        let mut fresh: Vec<TicketId> = ids
            .into_iter()
            .filter(|id| !self.seen.contains(id))
            .collect();
        self.stale = total - fresh.len();
        fresh.truncate(budget);
        self.seen.extend(fresh.iter().cloned());
        fresh
    }
}

/// The answer of the search in flight (`None` when there is none).
async fn searched(search: &mut Option<PendingSearch>) -> Option<(SearchAnswer, usize, usize)> {
    let pending = search.as_mut()?;
    Some(((&mut pending.answer).await, pending.asked, pending.budget))
}

/// The first thing a ticket's unit does: read the ticket.
async fn read_ticket(system: Arc<dyn TicketSystem>, id: TicketId) -> Result<Value, PipeResult> {
    match system.get_ticket(id.as_str()).await {
        Ok(Some(ticket)) => otai::pipes::ticket_to_value(&ticket).map_err(|error| {
            PipeResult::failure(format!("ticket {id} could not be represented: {error}"))
        }),
        Ok(None) => Err(PipeResult::skipped(format!("ticket {id} no longer exists"))),
        Err(error) => Err(PipeResult::failure(format!(
            "ticket {id} could not be read: {}",
            otai::report(&error)
        ))),
    }
}
