//! Edit distance for "did you mean" suggestions.

/// Levenshtein distance between `a` and `b`, ignoring ASCII case; gives up (returns `None`)
/// as soon as the distance is certain to exceed `limit`.
pub(super) fn distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    if a.chars().count().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = Vec::with_capacity(b.len() + 1);
    for (i, ca) in a.chars().enumerate() {
        let ca = ca.to_ascii_lowercase();
        cur.clear();
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev
                .get(j)
                .map_or(usize::MAX, |d| d.saturating_add(usize::from(ca != *cb)));
            let delete = prev.get(j + 1).map_or(usize::MAX, |d| d.saturating_add(1));
            let insert = cur.last().map_or(usize::MAX, |d| d.saturating_add(1));
            cur.push(substitute.min(delete).min(insert));
        }
        if cur.iter().min().is_some_and(|&d| d > limit) {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().filter(|&d| d <= limit)
}

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
        assert_eq!(distance_within("GetObjekt", "getobject", 3), Some(1));
        assert_eq!(distance_within("kitten", "sitting", 3), Some(3));
        assert_eq!(distance_within("kitten", "sitting", 2), None);
        assert_eq!(distance_within("", "abc", 3), Some(3));
        assert_eq!(distance_within("abc", "", 2), None);
        assert_eq!(limit_for(2), 1);
        assert_eq!(limit_for(12), 3);
    }
}
