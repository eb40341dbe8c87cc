//! Exact analyses of policies over all requests (issue 12).
//!
//! - `lang`: the regular languages of IAM globs (`*`, `?`) and exact emptiness, inclusion and
//!   witness search over them.

// The policy-level analysis that calls `lang` is the next piece of issue 12; until it lands only
// the module's own tests use it.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "building block of issue 12: only its tests call it until the policy-level analysis lands"
    )
)]
pub(crate) mod lang;
