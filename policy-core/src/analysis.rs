//! Exact analyses of policies over all requests (issue 12).
//!
//! - [`compare`]: whether a policy allows some request another does not (`no_new_access`),
//!   with a counterexample checked by the evaluator.
//! - [`diff`]: the access one policy adds to another and takes away, summarised for people.
//! - [`access`]: whether a policy allows none of a list of actions and resources
//!   (`access_not_granted`).
//! - [`paths`]: privilege escalation and lateral movement across a snapshot's principals
//!   (role assumption and pathfinding.cloud's paths), each step decided by the evaluator.
//! - [`public`]: whether a resource or trust policy allows a caller outside the owner's
//!   control (`no_public_access`).
//! - `lang`: the regular languages of IAM globs (`*`, `?`) and exact emptiness, inclusion and
//!   witness search over them.
//! - `domain`: the sets of request values of Numeric, Date and IP operators, with witnesses.

pub mod access;
pub mod compare;
pub mod diff;
pub mod paths;
pub mod public;
pub mod what_can;
pub mod who_can;
// Not yet read by `compare` (Numeric, Date and IP conditions are its next step): its tests use
// it now.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "building block for issue 12; only its tests call it so far"
    )
)]
pub(crate) mod domain;
// Some of its API (`any`, `accepts`, `is_subset`) serves only its tests until the other checks
// of issue 12 use it.
#[cfg_attr(
    not(test),
    expect(dead_code, reason = "API for the next checks of issue 12; tested now")
)]
pub(crate) mod lang;
