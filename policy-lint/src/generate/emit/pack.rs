//! Packing statements into as few documents as the managed-policy size quota allows.
//!
//! A document holds statements whose compact JSON, with the document's own characters, stays
//! within the quota (IAM counts characters without white space: the compact form). A
//! statement is *split* (by resources, or by actions when it has one resource) only when it
//! does not fit whole; its pieces keep its Sid, numbered.
//!
//! How, for `k` documents from the lower bound `⌈total / capacity⌉` up:
//! 1. an exact search without splits (bin completion, bounded in nodes and pieces), which
//!    finds a packing into `k` documents whenever one exists and the search ends within its
//!    bound;
//! 2. best-fit decreasing with splits: each statement goes whole into the fullest document
//!    that still holds it; a statement no document holds is split, its first resources
//!    filling the roomiest document (to within one resource), the rest placed the same way.
//!
//! The first `k` that either reaches is taken; the upper bound is next-fit with splits in plan
//! order, which always succeeds. Step 2 wastes, per document, less than one resource and, per
//! split, one statement head (Sid, `Effect`, actions), so it reaches `k` whenever the
//! statements' total plus one head per split fits in `k` documents; step 1 covers the
//! packings without splits that step 2 misses.

use super::StatementPlan;

/// `{"Version":"2012-10-17","Statement":[]}`: the document without its statements.
pub(super) const DOCUMENT_HEAD: usize = 39;

/// `{"Sid":`, `,"Effect":"Allow","Action":`, `,"Resource":` and `}`: a statement without its
/// Sid, action and resource values.
const STATEMENT_FIXED: usize = 47;

/// Characters kept for the number a split statement's pieces add to its Sid (up to 99
/// pieces; the final size check catches more).
const SUFFIX_RESERVE: usize = 2;

/// Nodes the exact search may visit per document count.
const SEARCH_NODES: usize = 300_000;

/// Pieces beyond which the exact search is not tried.
const SEARCH_ITEMS: usize = 96;

/// The length of a string as a JSON literal, quotes included.
pub(super) fn quoted_len(text: &str) -> usize {
    serde_json::to_string(text).map_or(text.len() + 2, |s| s.len())
}

/// The length of a JSON value holding these strings: the string itself for one, an array for
/// several.
fn list_len(lens: &[usize]) -> usize {
    match lens {
        [one] => *one,
        many => 2 + many.iter().sum::<usize>() + many.len().saturating_sub(1),
    }
}

/// Part of a statement of the plan: a range of its actions and a range of its resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Piece {
    plan: usize,
    actions: (usize, usize),
    resources: (usize, usize),
}

/// The statements' string lengths, for sizes without serialising.
struct Sizer {
    sid: Vec<usize>,
    actions: Vec<Vec<usize>>,
    resources: Vec<Vec<usize>>,
}

impl Sizer {
    fn new(plan: &[StatementPlan]) -> Self {
        let lens = |v: &[String]| v.iter().map(|s| quoted_len(s)).collect::<Vec<_>>();
        Sizer {
            sid: plan.iter().map(|s| quoted_len(&s.sid)).collect(),
            actions: plan.iter().map(|s| lens(&s.actions)).collect(),
            resources: plan.iter().map(|s| lens(&s.resources)).collect(),
        }
    }

    fn whole(&self, plan: usize) -> Piece {
        Piece {
            plan,
            actions: (0, self.actions.get(plan).map_or(0, Vec::len)),
            resources: (0, self.resources.get(plan).map_or(0, Vec::len)),
        }
    }

    fn is_whole(&self, p: Piece) -> bool {
        p == self.whole(p.plan)
    }

    fn range(lens: Option<&Vec<usize>>, (lo, hi): (usize, usize)) -> &[usize] {
        lens.and_then(|v| v.get(lo..hi)).unwrap_or_default()
    }

    /// The piece's size as a statement, with the comma that separates it from the next.
    fn size(&self, p: Piece) -> usize {
        let reserve = if self.is_whole(p) { 0 } else { SUFFIX_RESERVE };
        STATEMENT_FIXED
            + self.sid.get(p.plan).copied().unwrap_or(0)
            + reserve
            + list_len(Self::range(self.actions.get(p.plan), p.actions))
            + list_len(Self::range(self.resources.get(p.plan), p.resources))
            + 1
    }

    /// The piece cut into a first part of at most `room` characters and the rest, by
    /// resources (by actions when it has one resource). `None` when no part fits or the piece
    /// cannot be cut.
    fn split(&self, p: Piece, room: usize) -> Option<(Piece, Piece)> {
        let by_resources = p.resources.1 - p.resources.0 > 1;
        let (lo, hi) = if by_resources { p.resources } else { p.actions };
        if hi - lo < 2 {
            return None;
        }
        let with = |cut: usize| {
            let mut first = p;
            if by_resources {
                first.resources = (lo, cut);
            } else {
                first.actions = (lo, cut);
            }
            first
        };
        // The size grows with every element: the longest prefix that fits, short of all.
        let mut best = None;
        for cut in lo + 1..hi {
            if self.size(with(cut)) <= room {
                best = Some(cut);
            } else {
                break;
            }
        }
        let cut = best?;
        let mut rest = p;
        if by_resources {
            rest.resources = (cut, hi);
        } else {
            rest.actions = (cut, hi);
        }
        Some((with(cut), rest))
    }
}

/// A document being filled.
#[derive(Debug, Clone, Default)]
struct Bin {
    free: usize,
    pieces: Vec<Piece>,
}

impl Bin {
    fn new(capacity: usize) -> Self {
        Bin {
            free: capacity,
            pieces: Vec::new(),
        }
    }

    fn put(&mut self, piece: Piece, size: usize) {
        self.free = self.free.saturating_sub(size);
        self.pieces.push(piece);
    }
}

/// The pieces to pack and those too large for any document (each written alone). Every piece
/// to pack either fits a document whole or has several resources, each of which fits a
/// document with the piece's actions.
fn prepare(sizer: &Sizer, capacity: usize) -> (Vec<Piece>, Vec<Piece>) {
    let mut items = Vec::new();
    let mut oversize = Vec::new();
    for plan in 0..sizer.sid.len() {
        let whole = sizer.whole(plan);
        if whole.actions.1 == 0 || whole.resources.1 == 0 {
            continue;
        }
        if sizer.size(whole) <= capacity {
            items.push(whole);
            continue;
        }
        // Too large: cut its actions into runs that fit a document with its longest resource.
        let longest = (0..whole.resources.1)
            .max_by_key(|&r| {
                sizer
                    .resources
                    .get(plan)
                    .and_then(|v| v.get(r))
                    .copied()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        let mut runs = Vec::new();
        let mut lo = 0;
        while lo < whole.actions.1 {
            let mut hi = lo + 1;
            while hi < whole.actions.1
                && sizer.size(Piece {
                    plan,
                    actions: (lo, hi + 1),
                    resources: (longest, longest + 1),
                }) <= capacity
            {
                hi += 1;
            }
            runs.push((lo, hi));
            lo = hi;
        }
        for actions in runs {
            // Resources that fit with these actions form runs; one that does not is alone.
            let mut start = 0;
            for r in 0..whole.resources.1 {
                let one = Piece {
                    plan,
                    actions,
                    resources: (r, r + 1),
                };
                if sizer.size(one) > capacity {
                    if start < r {
                        items.push(Piece {
                            plan,
                            actions,
                            resources: (start, r),
                        });
                    }
                    oversize.push(one);
                    start = r + 1;
                }
            }
            if start < whole.resources.1 {
                items.push(Piece {
                    plan,
                    actions,
                    resources: (start, whole.resources.1),
                });
            }
        }
    }
    (items, oversize)
}

/// Next-fit in plan order, splitting a piece at the end of each document: always succeeds.
fn next_fit(sizer: &Sizer, items: &[Piece], capacity: usize) -> Vec<Bin> {
    let mut bins = vec![Bin::new(capacity)];
    for &item in items {
        let mut piece = item;
        loop {
            let need = sizer.size(piece);
            let Some(bin) = bins.last_mut() else {
                break;
            };
            if need <= bin.free {
                bin.put(piece, need);
                break;
            }
            if let Some((first, rest)) = sizer.split(piece, bin.free) {
                let size = sizer.size(first);
                bin.put(first, size);
                piece = rest;
            } else if bin.pieces.is_empty() {
                // INVARIANT: `prepare` leaves no piece that an empty document cannot take
                // whole or in parts; keep it anyway rather than loop.
                bin.put(piece, need);
                break;
            }
            bins.push(Bin::new(capacity));
        }
    }
    bins.retain(|b| !b.pieces.is_empty());
    bins
}

/// Best-fit decreasing into `k` documents, splitting what fits nowhere whole.
fn best_fit_decreasing(
    sizer: &Sizer,
    items: &[Piece],
    capacity: usize,
    k: usize,
) -> Option<Vec<Bin>> {
    let mut order: Vec<(usize, Piece)> = items.iter().map(|&p| (sizer.size(p), p)).collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut bins = vec![Bin::new(capacity); k];
    for (_, item) in order {
        let mut piece = item;
        loop {
            let need = sizer.size(piece);
            let fullest = bins
                .iter_mut()
                .filter(|b| b.free >= need)
                .min_by_key(|b| b.free);
            if let Some(bin) = fullest {
                bin.put(piece, need);
                break;
            }
            // The roomiest document (the first of equals) takes the first part.
            let bin = bins.iter_mut().rev().max_by_key(|b| b.free)?;
            let (first, rest) = sizer.split(piece, bin.free)?;
            let size = sizer.size(first);
            bin.put(first, size);
            piece = rest;
        }
    }
    Some(bins)
}

/// An exact packing into `k` documents without splits, if the bounded search finds one (up
/// to [`SEARCH_ITEMS`] pieces).
fn exact(sizer: &Sizer, items: &[Piece], capacity: usize, k: usize) -> Option<Vec<Bin>> {
    if items.len() > SEARCH_ITEMS {
        return None;
    }
    let mut order: Vec<(usize, Piece)> = items.iter().map(|&p| (sizer.size(p), p)).collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let sizes: Vec<usize> = order.iter().map(|(s, _)| *s).collect();
    let total: usize = sizes.iter().sum();
    if sizes.iter().any(|&s| s > capacity) || total > k * capacity {
        return None;
    }
    let mut search = Search {
        sizes: &sizes,
        capacity,
        k,
        at: vec![None; sizes.len()],
        nodes: 0,
    };
    if !search.complete(0, k * capacity - total) {
        return None;
    }
    let mut bins = vec![Bin::new(capacity); k];
    for ((size, piece), bin) in order.iter().zip(&search.at) {
        if let Some(b) = bin.and_then(|b| bins.get_mut(b)) {
            b.put(*piece, *size);
        }
    }
    Some(bins)
}

/// The exact search, by bin completion (Korf's idea): documents are filled one at a time;
/// each takes the largest piece left and then a set of the others, fullest sets first, as
/// long as the room it leaves empty fits in the slack (the room of `k` documents beyond the
/// pieces' total). Pieces of equal size are interchangeable and tried once per place.
struct Search<'a> {
    /// Piece sizes, largest first.
    sizes: &'a [usize],
    capacity: usize,
    k: usize,
    /// The document of each piece, once placed.
    at: Vec<Option<usize>>,
    nodes: usize,
}

impl Search<'_> {
    /// Fills document `bin` and the next ones with the pieces left, wasting at most `slack`.
    fn complete(&mut self, bin: usize, slack: usize) -> bool {
        let Some(first) = self.at.iter().position(Option::is_none) else {
            return true;
        };
        if bin >= self.k {
            return false;
        }
        let size = self.sizes.get(first).copied().unwrap_or(0);
        self.set(first, Some(bin));
        let done = self.fill(bin, slack, first + 1, self.capacity.saturating_sub(size));
        if !done {
            self.set(first, None);
        }
        done
    }

    /// Adds pieces from `start` on to document `bin`, which has `room` left; or closes it.
    fn fill(&mut self, bin: usize, slack: usize, start: usize, room: usize) -> bool {
        self.nodes += 1;
        if self.nodes > SEARCH_NODES {
            return false;
        }
        let mut tried = None;
        for j in start..self.sizes.len() {
            let size = self.sizes.get(j).copied().unwrap_or(usize::MAX);
            if self.at.get(j).is_none_or(Option::is_some) || size > room || tried == Some(size) {
                continue;
            }
            tried = Some(size);
            self.set(j, Some(bin));
            if self.fill(bin, slack, j + 1, room - size) {
                return true;
            }
            self.set(j, None);
            if self.nodes > SEARCH_NODES {
                return false;
            }
        }
        room <= slack && self.complete(bin + 1, slack - room)
    }

    fn set(&mut self, piece: usize, bin: Option<usize>) {
        if let Some(slot) = self.at.get_mut(piece) {
            *slot = bin;
        }
    }
}

/// The fewest documents found for the plan's statements (their Sids already unique), each
/// within `max_chars`: per document, its statements in plan order, split statements' pieces
/// with numbered Sids.
pub(super) fn pack(plan: &[StatementPlan], max_chars: usize) -> Vec<Vec<StatementPlan>> {
    let sizer = Sizer::new(plan);
    // Each statement takes its size and a comma; the last one's comma is the head's slack.
    let capacity = max_chars.saturating_sub(DOCUMENT_HEAD) + 1;
    let (items, oversize) = prepare(&sizer, capacity);
    let total: usize = items.iter().map(|&p| sizer.size(p)).sum();
    let lower = total.div_ceil(capacity.max(1)).max(1);
    let mut bins = next_fit(&sizer, &items, capacity);
    for k in lower..bins.len() {
        if let Some(found) = exact(&sizer, &items, capacity, k)
            .or_else(|| best_fit_decreasing(&sizer, &items, capacity, k))
        {
            bins = found;
            break;
        }
    }
    let mut docs: Vec<Vec<Piece>> = bins
        .into_iter()
        .map(|b| b.pieces)
        .chain(oversize.into_iter().map(|p| vec![p]))
        .filter(|d| !d.is_empty())
        .collect();
    for d in &mut docs {
        d.sort();
    }
    docs.sort();
    name(plan, &docs)
}

/// The documents' statements, with Sids: a statement's first piece keeps its Sid, the others
/// are numbered (2, 3, …) past every Sid in use.
fn name(plan: &[StatementPlan], docs: &[Vec<Piece>]) -> Vec<Vec<StatementPlan>> {
    let mut used: std::collections::BTreeSet<String> = plan.iter().map(|s| s.sid.clone()).collect();
    let mut seen: Vec<usize> = vec![0; plan.len()];
    let mut out = Vec::new();
    for d in docs {
        let mut statements = Vec::new();
        for p in d {
            let Some(s) = plan.get(p.plan) else {
                continue;
            };
            let n = seen.get_mut(p.plan).map_or(1, |c| {
                *c += 1;
                *c
            });
            let sid = if n == 1 {
                s.sid.clone()
            } else {
                let mut k = n;
                loop {
                    let candidate = format!("{}{k}", s.sid);
                    if used.insert(candidate.clone()) {
                        break candidate;
                    }
                    k += 1;
                }
            };
            statements.push(StatementPlan {
                sid,
                actions: s
                    .actions
                    .get(p.actions.0..p.actions.1)
                    .unwrap_or_default()
                    .to_vec(),
                resources: s
                    .resources
                    .get(p.resources.0..p.resources.1)
                    .unwrap_or_default()
                    .to_vec(),
                service: s.service.clone(),
            });
        }
        out.push(statements);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(sid: &str, actions: &[&str], resources: &[String]) -> StatementPlan {
        StatementPlan {
            sid: sid.to_string(),
            actions: actions.iter().map(|a| (*a).to_string()).collect(),
            resources: resources.to_vec(),
            service: "s3".to_string(),
        }
    }

    #[test]
    fn sizes_match_the_compact_json() {
        let resources: Vec<String> = (0..5).map(|i| format!("arn:aws:s3:::b/{i}\"q")).collect();
        for (a, r) in [(1, 1), (1, 3), (3, 1), (2, 5)] {
            let acts = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"];
            let s = statement("S3Sid", acts.get(..a).unwrap_or_default(), &resources[..r]);
            let sizer = Sizer::new(std::slice::from_ref(&s));
            let json = serde_json::to_string(&s.to_json()).unwrap_or_default();
            assert_eq!(sizer.size(sizer.whole(0)), json.len() + 1, "{json}");
        }
        let empty = serde_json::to_string(&serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [],
        }))
        .unwrap_or_default();
        assert_eq!(empty.len(), DOCUMENT_HEAD);
    }

    #[test]
    fn exact_search_finds_a_tight_packing_that_best_fit_misses() {
        // 4, 4, 3, 3, 3, 3 into two documents of 10: best fit decreasing puts 4 + 4 together
        // (2 left), then 3 + 3 + 3 in the other, and the last 3 fits nowhere; the exact
        // search finds 4 + 3 + 3 twice.
        let sizes = [4, 4, 3, 3, 3, 3];
        let mut search = Search {
            sizes: &sizes,
            capacity: 10,
            k: 2,
            at: vec![None; sizes.len()],
            nodes: 0,
        };
        assert!(search.complete(0, 0));
        assert_eq!(
            search.at,
            vec![Some(0), Some(1), Some(0), Some(0), Some(1), Some(1)]
        );
        // One more piece: 21 characters do not fit in two documents of 10.
        let mut search = Search {
            sizes: &[4, 4, 3, 3, 3, 3, 1],
            capacity: 10,
            k: 2,
            at: vec![None; 7],
            nodes: 0,
        };
        assert!(!search.complete(0, 0));
    }
}
