//! The dynamic micro-batcher: concurrent `classify` calls for one model run as one batch.
//!
//! A dedicated thread per model waits for the first request, then gathers more until
//! `max_batch_size` requests are there or `max_wait` has passed, classifies them in one
//! forward pass and answers each through its oneshot channel. Compute never runs on the async
//! runtime's worker threads.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::classifier::{Core, Prediction};
use crate::HfError;

type Reply = oneshot::Sender<Result<Prediction, HfError>>;

pub(crate) struct Batcher {
    tx: mpsc::Sender<(String, Reply)>,
}

impl Batcher {
    pub(crate) fn start(
        core: Arc<Core>,
        max_batch: usize,
        max_wait: Duration,
    ) -> Result<Self, HfError> {
        let (tx, rx) = mpsc::channel::<(String, Reply)>();
        std::thread::Builder::new()
            .name("hf-local-batcher".into())
            .spawn(move || run(&core, &rx, max_batch, max_wait))
            .map_err(|e| HfError::Threads {
                threads: 1,
                reason: e.to_string(),
            })?;
        Ok(Self { tx })
    }

    pub(crate) async fn submit(&self, text: String) -> Result<Prediction, HfError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((text, reply))
            .map_err(|_| HfError::WorkerGone("the batcher thread has stopped".into()))?;
        answer
            .await
            .map_err(|_| HfError::WorkerGone("the batcher dropped the request".into()))?
    }
}

/// The batcher loop; ends when the [`Batcher`] (the last sender) is dropped.
fn run(core: &Core, rx: &mpsc::Receiver<(String, Reply)>, max_batch: usize, max_wait: Duration) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        let deadline = Instant::now() + max_wait;
        while jobs.len() < max_batch {
            // Whatever is already queued joins without waiting.
            match rx.try_recv() {
                Ok(job) => {
                    jobs.push(job);
                    continue;
                }
                Err(mpsc::TryRecvError::Disconnected) => break,
                Err(mpsc::TryRecvError::Empty) => {}
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            match rx.recv_timeout(deadline - now) {
                Ok(job) => jobs.push(job),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        let texts: Vec<&str> = jobs.iter().map(|(t, _)| t.as_str()).collect();
        tracing::trace!(batch = texts.len(), "micro-batch");
        match core.classify_batch(&texts) {
            Ok(preds) => {
                for ((_, reply), p) in jobs.into_iter().zip(preds) {
                    let _ = reply.send(Ok(p));
                }
            }
            Err(_) if jobs.len() > 1 => {
                // One bad text must not fail its neighbours: retry one by one.
                for (text, reply) in jobs {
                    let one = core.classify_batch(&[text.as_str()]).and_then(|mut v| {
                        v.pop()
                            .ok_or_else(|| HfError::WorkerGone("no prediction".into()))
                    });
                    let _ = reply.send(one);
                }
            }
            Err(e) => {
                for (_, reply) in jobs {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }
}
