//! Exact analyses of policies over all requests (issue 12).

// Nothing outside the tests calls the value domains yet: the decision procedure that will
// is being built on another branch.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "building block for issue 12; only its tests call it so far"
    )
)]
pub(crate) mod domain;
