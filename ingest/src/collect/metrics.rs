//! The collector's metrics, in the Prometheus text exposition format (`GET /metrics`).
//!
//! Counters only grow while the process lives; every label value that can occur (each status the
//! collector answers, each rejection reason) is exposed from the start, at zero.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use pdn_schemas::Reason;

/// The reason code of an event outside its token's scope (next to the validation reasons).
pub const OUT_OF_SCOPE: &str = "out_of_scope";

/// Every status `POST /v1/events` answers.
pub const EVENT_STATUSES: [u16; 8] = [202, 400, 401, 403, 413, 415, 429, 503];

/// Upper bounds (seconds) of the buckets of the durability latency histogram.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// What the collector counts.
pub struct Metrics {
    events_received: AtomicU64,
    events_accepted: AtomicU64,
    events_duplicate: AtomicU64,
    rejected: Mutex<BTreeMap<&'static str, u64>>,
    requests: Mutex<BTreeMap<u16, u64>>,
    durability: Mutex<Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        let reasons = Reason::ALL
            .iter()
            .map(|r| r.code())
            .chain([OUT_OF_SCOPE])
            .map(|code| (code, 0))
            .collect();
        Metrics {
            events_received: AtomicU64::new(0),
            events_accepted: AtomicU64::new(0),
            events_duplicate: AtomicU64::new(0),
            rejected: Mutex::new(reasons),
            requests: Mutex::new(EVENT_STATUSES.iter().map(|&s| (s, 0)).collect()),
            durability: Mutex::new(Histogram::default()),
        }
    }
}

/// Gauges read from the sink when the metrics are rendered.
pub struct Gauges {
    /// Events of requests waiting for their commit (lake) or delivery (Kafka).
    pub pending_events: u64,
    pub max_pending_events: u64,
    /// Whether the sink is usable (what `GET /health` says).
    pub sink_up: bool,
    /// Sink-specific gauges: (name, help, value).
    pub sink: Vec<(&'static str, &'static str, f64)>,
}

impl Metrics {
    /// Events read from accepted requests (valid or not).
    pub fn received(&self, events: usize) {
        self.events_received
            .fetch_add(events as u64, Ordering::Relaxed);
    }

    /// Events made durable; `duplicates` of them were already stored.
    pub fn accepted(&self, events: usize, duplicates: usize) {
        self.events_accepted
            .fetch_add(events as u64, Ordering::Relaxed);
        self.events_duplicate
            .fetch_add(duplicates as u64, Ordering::Relaxed);
    }

    /// One event refused, by reason code.
    pub fn rejected(&self, reason: &'static str) {
        *self
            .rejected
            .lock()
            .expect("metrics lock")
            .entry(reason)
            .or_default() += 1;
    }

    /// One answer to `POST /v1/events`.
    pub fn request(&self, status: u16) {
        *self
            .requests
            .lock()
            .expect("metrics lock")
            .entry(status)
            .or_default() += 1;
    }

    /// How long a request's events took to become durable once valid.
    pub fn durable_after(&self, latency: Duration) {
        let seconds = latency.as_secs_f64();
        let mut h = self.durability.lock().expect("metrics lock");
        for (count, bound) in h.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// The exposition text.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::with_capacity(4096);
        let counter = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        let gauge = |out: &mut String, name: &str, help: &str, value: f64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        counter(
            &mut out,
            "pdn_collect_events_received_total",
            "Events read from authenticated requests, valid or not.",
            self.events_received.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "pdn_collect_events_accepted_total",
            "Events acknowledged with 202: durable in the lake or delivered to Kafka.",
            self.events_accepted.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "pdn_collect_events_duplicate_total",
            "Accepted events whose id the lake already held (lake mode), not stored again.",
            self.events_duplicate.load(Ordering::Relaxed),
        );
        out.push_str(
            "# HELP pdn_collect_events_rejected_total Events refused (their whole request is refused), by reason.\n\
             # TYPE pdn_collect_events_rejected_total counter\n",
        );
        for (reason, n) in self.rejected.lock().expect("metrics lock").iter() {
            let _ = writeln!(
                out,
                "pdn_collect_events_rejected_total{{reason=\"{reason}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP pdn_collect_requests_total Answers to POST /v1/events, by HTTP status.\n\
             # TYPE pdn_collect_requests_total counter\n",
        );
        for (status, n) in self.requests.lock().expect("metrics lock").iter() {
            let _ = writeln!(out, "pdn_collect_requests_total{{status=\"{status}\"}} {n}");
        }
        {
            let h = self.durability.lock().expect("metrics lock");
            let name = "pdn_collect_durable_seconds";
            let _ = writeln!(
                out,
                "# HELP {name} Time from a valid request to its events being durable (lake commit or Kafka delivery).\n# TYPE {name} histogram"
            );
            for (count, bound) in h.counts.iter().zip(BUCKETS) {
                let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {count}");
            }
            let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "{name}_sum {}\n{name}_count {}", h.sum, h.count);
        }
        gauge(
            &mut out,
            "pdn_collect_pending_events",
            "Events waiting to become durable (a request is refused with 429 beyond the maximum).",
            gauges.pending_events as f64,
        );
        gauge(
            &mut out,
            "pdn_collect_max_pending_events",
            "The most events that may wait to become durable.",
            gauges.max_pending_events as f64,
        );
        gauge(
            &mut out,
            "pdn_collect_sink_up",
            "1 when the sink (lake or Kafka) is usable, 0 otherwise.",
            if gauges.sink_up { 1.0 } else { 0.0 },
        );
        for (name, help, value) in &gauges.sink {
            gauge(&mut out, name, help, *value);
        }
        out
    }
}
