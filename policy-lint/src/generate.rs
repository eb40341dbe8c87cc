//! Policies from recorded activity: CloudTrail records → IAM actions and resources → the
//! smallest policy that still allows what each principal did (`iampol generate`), and an
//! existing policy cut down to what was used (`iampol tighten`).
//!
//! The pipeline:
//! 1. [`cloudtrail`] reads inputs (S3-delivered `{"Records": [...]}` files, JSON arrays,
//!    NDJSON; plain or gzip; directories recursively; standard input) in parallel, streaming
//!    each through the record splitter ([`split`]) in bounded memory, with the one-pass
//!    reader ([`scan`]) for the records it is certain about; a large plain file is read in
//!    parallel parts ([`parts`]). Malformed records are reported with file, byte offset and
//!    record index, and reading goes on.
//! 2. [`aggregate`] selects events (principal, account, region, time window; denied calls left
//!    out unless asked) and maps each call ([`mapping`], with the SDK→IAM [`map`] and the IAM
//!    reference) to actions and resource ARNs, gathered per principal with bounded memory.
//! 3. [`emit`] writes one identity policy per principal (split into several when it passes the
//!    managed-policy size quota); [`tighten`] compares an existing policy with the activity.
//! 4. [`summary`] reports what was read, mapped, left out and why.
//! 5. [`verify`] checks, independently of the mapping, that a policy still allows every
//!    successful recorded call; [`read_activity_and_requests`] gathers its calls in the same
//!    read.
//!
//! The scale path: [`sql`] writes the query that aggregates CloudTrail where it is stored
//! (Athena, Security Lake, DuckDB), and [`summary_input`] reads its result into step 2 instead
//! of the events.
//!
//! Synthetic CloudTrail for benchmarks is written by the `iampol-gen-cloudtrail` tool (a binary
//! of `policy-cli`, not library API).
//!
//! ```no_run
//! use policy_lint::generate::{read_activity, cloudtrail::{Input, ReadOptions}, aggregate::Selection};
//! use policy_lint::generate::emit::{emit, EmitOptions};
//!
//! let inputs = vec![Input::Path("trail/".into())];
//! let activity = read_activity(inputs, Selection::default(), &ReadOptions::default(), None);
//! for (arn, principal) in &activity.principals {
//!     for policy in emit(principal, &EmitOptions::default()) {
//!         println!("{arn}\n{}", policy.text);
//!     }
//! }
//! ```
#![expect(
    clippy::doc_markdown,
    reason = "the docs name AWS products and API calls (CloudTrail, PassRole) in prose"
)]

pub mod aggregate;
pub mod cloudtrail;
pub mod emit;
pub mod fast_hash;
pub mod map;
pub mod mapping;
pub mod overrides;
pub mod parts;
pub mod resolve;
pub mod scan;
mod scoped;
pub mod split;
pub mod sql;
pub mod summary;
pub mod summary_input;
pub mod tighten;
pub mod verify;

use std::sync::Arc;

use aggregate::{Activity, Aggregator, Selection};
use cloudtrail::{Input, Progress, ReadOptions};
use verify::{Collector, RecordedRequests};

/// Reads inputs and gathers the selected activity per principal.
pub fn read_activity(
    inputs: Vec<Input>,
    selection: Selection,
    options: &ReadOptions,
    progress: Option<&Progress>,
) -> Activity {
    let selection = Arc::new(selection);
    let (inputs, problems) = cloudtrail::expand_inputs(inputs);
    let sinks = cloudtrail::read_inputs(inputs, options, progress, || {
        Aggregator::new(Arc::clone(&selection))
    });
    let mut iter = sinks.into_iter();
    let mut all = iter
        .next()
        .unwrap_or_else(|| Aggregator::new(Arc::clone(&selection)));
    for other in iter {
        all.merge(other);
    }
    for p in problems {
        cloudtrail::Sink::problem(&mut all, p);
    }
    all.finish()
}

/// Reads inputs once and gathers both the activity per principal (for the policies) and the
/// recorded successful calls (for the independent check of [`verify`]).
pub fn read_activity_and_requests(
    inputs: Vec<Input>,
    selection: Selection,
    options: &ReadOptions,
    progress: Option<&Progress>,
) -> (Activity, RecordedRequests) {
    let selection = Arc::new(selection);
    let make = || Both {
        activity: Aggregator::new(Arc::clone(&selection)),
        requests: Collector::new(Arc::clone(&selection)),
    };
    let (inputs, problems) = cloudtrail::expand_inputs(inputs);
    let sinks = cloudtrail::read_inputs(inputs, options, progress, make);
    let mut iter = sinks.into_iter();
    let mut all = iter.next().unwrap_or_else(make);
    for other in iter {
        all.activity.merge(other.activity);
        all.requests.merge(other.requests);
    }
    for p in problems {
        cloudtrail::Sink::problem(&mut all.activity, p);
    }
    (all.activity.finish(), all.requests.finish())
}

/// The two sinks of [`read_activity_and_requests`], fed by one read.
pub(crate) struct Both {
    pub(crate) activity: Aggregator,
    pub(crate) requests: Collector,
}

impl summary_input::SummarySink for Both {
    fn row(
        &mut self,
        event: &cloudtrail::Event<'_>,
        at: cloudtrail::Position<'_>,
        count: u64,
        first: Option<&str>,
        last: Option<&str>,
    ) {
        self.activity.event_weighted(event, count, first, last);
        self.requests.event_weighted(event, at, count);
    }
}

impl cloudtrail::Sink for Both {
    fn event(&mut self, event: &cloudtrail::Event<'_>, at: cloudtrail::Position<'_>) {
        self.activity.event(event, at);
        self.requests.event(event, at);
    }

    fn problem(&mut self, problem: cloudtrail::InputProblem) {
        self.activity.problem(problem);
    }

    fn input_done(&mut self, name: &str, stats: cloudtrail::InputStats) {
        self.activity.input_done(name, stats);
    }
}
