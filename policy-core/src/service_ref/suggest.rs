//! Edit distance for "did you mean" suggestions.

pub(super) use crate::text::edit_distance_within as distance_within;

/// The largest distance worth suggesting for a name of `len` characters: `max(2, len / 4)`,
/// but always less than `len` (so nothing is suggested in place of a whole name).
pub(super) fn limit_for(len: usize) -> usize {
    (len / 4).max(2).min(len.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(limit_for(2), 1);
        assert_eq!(limit_for(12), 3);
    }
}
