//! Lake mode: group commit through the same [`Ingestor`] as `pdn ingest`.
//!
//! One writer thread owns the ingestor. Requests hand it their (already valid, in-scope) events
//! with a oneshot to answer on; it pushes them as the records of source `http:<collector name>`,
//! partition 0, with offsets continuing from the lake's next offset for that source, and commits
//! when the batch is due (`max_batch_events`, or `max_latency` after its first record). Every
//! request whose events are in the commit is answered once the commit is in the log: concurrent
//! requests share one commit, and a 202 is only ever sent for committed events.
//!
//! A request is never split across commits (its events are pushed together, and the size check
//! comes after), so it is stored whole or not at all. The offsets make the lake's invariants hold
//! as for any source: each record is an event row or a listed duplicate, and two collectors that
//! were given the same name cannot both commit the same offsets (the second one's batch is
//! refused).
//!
//! Any storage error stops the writer (crash-only): the requests it holds are answered 503, the
//! collector shuts down and exits with the error, and its restart resumes from the store itself
//! (nothing acknowledged is lost, nothing unacknowledged was half-stored, and the deduplication
//! index is rebuilt from the files). One refusal is not an error: a batch holding an event that
//! another writer of the lake stored meanwhile; its requests are answered 503 and the writer goes
//! on.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Instant;

use pdn_schemas::Event;
use tokio::sync::{oneshot, watch, OwnedSemaphorePermit};

use super::metrics::Metrics;
use super::{Receipt, StoreResult};
use crate::dead_letter::Origin;
use crate::error::{IngestError, Result};
use crate::pipeline::{Ingestor, Outcome};

/// Events of one request, on their way to the writer.
struct Submission {
    events: Vec<(Vec<u8>, Event)>,
    valid_at: Instant,
    permit: OwnedSemaphorePermit,
    reply: oneshot::Sender<StoreResult>,
}

enum Message {
    Submit(Submission),
    /// The collector is shutting down: commit what is pending, and each submission from now on
    /// as soon as it arrives, so the requests in flight are answered without waiting.
    Drain,
    /// Every request has been answered: commit what is left and stop.
    Stop,
}

/// A request waiting for the commit that holds its events.
struct Waiter {
    events: usize,
    duplicates: usize,
    valid_at: Instant,
    permit: OwnedSemaphorePermit,
    reply: oneshot::Sender<StoreResult>,
}

/// The handle requests use to reach the writer thread.
pub struct LakeSink {
    tx: mpsc::Sender<Message>,
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Set once, when the writer stops on an error.
    failure: watch::Receiver<Option<Arc<IngestError>>>,
    /// The lake version of the last commit.
    version: Arc<std::sync::atomic::AtomicU64>,
}

impl LakeSink {
    /// Starts the writer thread over `ingestor`, committing as source `http:<name>`.
    pub fn start(ingestor: Ingestor, name: &str, metrics: Arc<Metrics>) -> Result<LakeSink> {
        let source = format!("http:{name}");
        let (tx, rx) = mpsc::channel();
        let (failed, failure) = watch::channel(None);
        let version = Arc::new(std::sync::atomic::AtomicU64::new(
            ingestor.lake().state().version,
        ));
        let writer = Writer {
            next_offset: first_free_offset(&ingestor, &source),
            draining: false,
            ingestor,
            source,
            waiting: Vec::new(),
            metrics,
            version: version.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("pdn-collect-writer".into())
            .spawn(move || writer.run(rx, failed))
            .map_err(|source| IngestError::Io {
                path: "pdn-collect-writer thread".into(),
                source,
            })?;
        Ok(LakeSink {
            tx,
            thread: std::sync::Mutex::new(Some(thread)),
            failure,
            version,
        })
    }

    /// Hands the events of one request to the writer and waits for the commit that holds them.
    pub async fn store(
        &self,
        events: Vec<(Vec<u8>, Event)>,
        valid_at: Instant,
        permit: OwnedSemaphorePermit,
    ) -> StoreResult {
        let (reply, answer) = oneshot::channel();
        let submission = Submission {
            events,
            valid_at,
            permit,
            reply,
        };
        if self.tx.send(Message::Submit(submission)).is_err() {
            return Err(self.lost());
        }
        answer.await.unwrap_or_else(|_| Err(self.lost()))
    }

    fn lost(&self) -> Arc<IngestError> {
        self.failure.borrow().clone().unwrap_or_else(|| {
            Arc::new(IngestError::WriterLost {
                what: "has stopped",
            })
        })
    }

    /// Whether the writer is running (it stops only on an error, or when asked to).
    pub fn healthy(&self) -> bool {
        self.failure.borrow().is_none()
            && self
                .thread
                .lock()
                .expect("writer handle lock")
                .as_ref()
                .is_some_and(|t| !t.is_finished())
    }

    /// Resolves when the writer thread has ended: on an error (or a panic) while serving, or
    /// after [`LakeSink::close`].
    pub async fn failed(&self) {
        let mut failure = self.failure.clone();
        let _ = failure.wait_for(Option::is_some).await;
    }

    /// Gauges for the metrics: the lake version of the last commit.
    pub fn gauges(&self) -> Vec<(&'static str, &'static str, f64)> {
        vec![(
            "pdn_collect_lake_version",
            "Version of the lake after the collector's last commit.",
            self.version.load(std::sync::atomic::Ordering::Relaxed) as f64,
        )]
    }

    /// Asks the writer to commit without waiting from now on (the collector is shutting down).
    pub fn drain(&self) {
        let _ = self.tx.send(Message::Drain);
    }

    /// Commits what is pending, stops the writer and waits for it; returns its error if it failed.
    pub async fn close(&self) -> Result<(), Arc<IngestError>> {
        let _ = self.tx.send(Message::Stop);
        let thread = self.thread.lock().expect("writer handle lock").take();
        if let Some(thread) = thread {
            let joined = tokio::task::spawn_blocking(move || thread.join()).await;
            if !matches!(joined, Ok(Ok(()))) {
                return Err(Arc::new(IngestError::WriterLost { what: "panicked" }));
            }
        }
        match self.failure.borrow().clone() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The first offset of the collector's `source` that the store does not hold: where its records
/// go on from, at start and after a refused batch.
fn first_free_offset(ingestor: &Ingestor, source: &str) -> i64 {
    ingestor.next_offset(source, 0).unwrap_or(0)
}

struct Writer {
    ingestor: Ingestor,
    source: String,
    next_offset: i64,
    draining: bool,
    waiting: Vec<Waiter>,
    metrics: Arc<Metrics>,
    version: Arc<std::sync::atomic::AtomicU64>,
}

impl Writer {
    /// Takes submissions and commits them until asked to stop (committing what is pending) or
    /// until an error: it is published first, then every request waiting or still queued is
    /// answered with it.
    fn run(mut self, rx: mpsc::Receiver<Message>, failed: watch::Sender<Option<Arc<IngestError>>>) {
        if let Err(e) = self.serve(&rx) {
            tracing::error!(error = %e, "the lake writer stopped; the collector shuts down");
            let e = Arc::new(e);
            failed.send_replace(Some(e.clone()));
            for waiter in self.waiting.drain(..) {
                let _ = waiter.reply.send(Err(e.clone()));
            }
        }
    }

    fn serve(&mut self, rx: &mpsc::Receiver<Message>) -> Result<()> {
        loop {
            let message = match self.ingestor.due_in() {
                Some(wait) => rx.recv_timeout(wait),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match message {
                Ok(Message::Submit(submission)) => self.take(submission)?,
                Ok(Message::Drain) => self.draining = true,
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => {
                    return self.commit();
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if self.draining || self.ingestor.is_due() {
                self.commit()?;
            }
        }
    }

    /// Pushes the events of one request as the next offsets of this collector's source.
    fn take(&mut self, submission: Submission) -> Result<()> {
        let (mut events, mut duplicates) = (0, 0);
        for (raw, event) in submission.events {
            let origin = Origin {
                source: &self.source,
                partition: 0,
                offset: self.next_offset,
                key: None,
            };
            let outcome = self.ingestor.push_validated(origin, &raw, Ok(event))?;
            events += 1;
            self.next_offset += 1;
            if outcome == Outcome::Duplicate {
                duplicates += 1;
            }
        }
        self.waiting.push(Waiter {
            events,
            duplicates,
            valid_at: submission.valid_at,
            permit: submission.permit,
            reply: submission.reply,
        });
        Ok(())
    }

    /// Commits the pending batch and answers the requests it holds.
    ///
    /// A batch refused because another writer stored some of its events meanwhile (sent to this
    /// collector and to another writer of the lake) is not a storage failure: its requests are
    /// answered 503, as nothing of them was stored, and their clients' retries find those events
    /// duplicates; the collector goes on from the store's offsets.
    fn commit(&mut self) -> Result<()> {
        let started = Instant::now();
        let commit = match self.ingestor.commit("append") {
            Ok(Some(commit)) => commit,
            Ok(None) => return Ok(()),
            Err(error @ IngestError::DuplicateConflict { .. }) => {
                tracing::warn!(%error, requests = self.waiting.len(), "batch refused: 503, to be sent again");
                let error = Arc::new(error);
                for waiter in self.waiting.drain(..) {
                    let _ = waiter.reply.send(Err(error.clone()));
                }
                self.next_offset = first_free_offset(&self.ingestor, &self.source);
                return Ok(());
            }
            Err(error) => return Err(error),
        };
        self.version
            .store(commit.version, std::sync::atomic::Ordering::Relaxed);
        let requests = self.waiting.len();
        for waiter in self.waiting.drain(..) {
            self.metrics.accepted(waiter.events, waiter.duplicates);
            self.metrics.durable_after(waiter.valid_at.elapsed());
            // The room goes back before the answer: a client reading its 202 sees no pending
            // event of its own in the metrics.
            drop(waiter.permit);
            let _ = waiter.reply.send(Ok(Receipt {
                accepted: waiter.events,
                duplicates: Some(waiter.duplicates),
                version: Some(commit.version),
            }));
        }
        tracing::debug!(
            version = commit.version,
            requests,
            events = commit.events,
            duplicates = commit.duplicates.len(),
            took_ms = started.elapsed().as_millis() as u64,
            "committed"
        );
        Ok(())
    }
}
