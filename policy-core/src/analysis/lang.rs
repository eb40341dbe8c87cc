//! The regular languages of IAM globs, and exact decisions over them.
//!
//! `Action`, `Resource`, `Principal` and the `String*Like` / `Arn*` condition operators match
//! with two wildcards only: `*`, any run of characters (the empty run too), and `?`, exactly one
//! character (UG "IAM JSON policy elements: Resource", "Using wildcards in resource ARNs"). So the
//! set of strings a pattern accepts is a regular language, and questions such as "is there a
//! string that `s3:*` accepts and `s3:Get*` does not?" have exact answers.
//!
//! A [`Glob`] is the language the evaluator gives one pattern: [`Glob::plain`] for
//! `pattern::glob` (actions, `StringLike`, `StringEqualsIgnoreCase`), [`Glob::arn`] for
//! `eval::arn_glob` (`Resource`, `ArnLike`, `ArnEquals`). It is a position automaton: state `i`
//! means "the first `i` steps are read", a `*` step loops on itself, and a set of positions (a
//! bitset) is the automaton's state after some input.
//!
//! [`find`] explores the product of several such automata breadth-first, on the fly, over a
//! finite alphabet of character classes, and returns the shortest (then alphabetically first)
//! string every `must` glob accepts and no `must_not` glob accepts.
//!
//! ## Cost
//! A product state is one position set per glob. Stepping one state by one character costs
//! `O(Σ nᵢ)` for globs of `nᵢ` steps, and each state is stepped once per alphabet class; the
//! alphabet has at most `2·L + 2` classes for `L` distinct literal characters. The number of
//! reachable product states is small for the patterns policies hold (a trailing `*`, a few
//! segments), but can grow exponentially (`*a??????` must remember where the last `a`s were),
//! so [`find`] takes a budget of product states and answers [`Search::GaveUp`] past it, never a
//! wrong [`Search::Empty`].

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::eval::pattern::Tok;

/// The characters a wildcard step reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Every character.
    Any,
    /// Every character but `:`: a wildcard in one of an ARN's first five segments.
    NotColon,
}

impl Class {
    fn admits(self, c: char) -> bool {
        match self {
            Class::Any => true,
            Class::NotColon => c != ':',
        }
    }
}

/// One step of a glob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// A literal character (both ASCII cases when the glob ignores case).
    Ch(char),
    /// `?`: one character of the class.
    One(Class),
    /// `*`: any run of characters of the class.
    Star(Class),
}

/// The language of one IAM pattern, as the evaluator matches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    steps: Vec<Step>,
    /// Whether literal characters match either ASCII case (`char::eq_ignore_ascii_case`).
    ignore_case: bool,
    /// The first position from which every step left is `Star(Any)`: a state holding such a
    /// position, short of the end, accepts every continuation (the end position accepts only
    /// the empty one).
    universal_from: usize,
}

/// The answer of [`find`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Search {
    /// A shortest string with the required properties (alphabetically first among the shortest,
    /// lower case before upper case).
    Found(String),
    /// No string has them.
    Empty,
    /// The budget of product states ran out before an answer.
    GaveUp,
}

impl Glob {
    fn new(steps: Vec<Step>, ignore_case: bool) -> Glob {
        let trailing = steps
            .iter()
            .rev()
            .take_while(|s| **s == Step::Star(Class::Any))
            .count();
        Glob {
            universal_from: steps.len() - trailing,
            steps,
            ignore_case,
        }
    }

    /// The language of `pattern::glob(tokens, _, ignore_case)`: `*` any run, `?` one character,
    /// both crossing `:`.
    pub(crate) fn plain(tokens: &[Tok], ignore_case: bool) -> Glob {
        let steps = tokens
            .iter()
            .map(|t| match t {
                Tok::Ch(c) => Step::Ch(*c),
                Tok::Star => Step::Star(Class::Any),
                Tok::One => Step::One(Class::Any),
            })
            .collect();
        Glob::new(steps, ignore_case)
    }

    /// The language of `eval::arn_glob(tokens, _)`, case-sensitive. A pattern with at least five
    /// literal `:` is six parts, split at its first five; the text's first five `:` split it the
    /// same way, so a wildcard before the pattern's fifth `:` never reads a `:`, and one after it
    /// may. A pattern with fewer `:` is a plain glob over the whole text.
    pub(crate) fn arn(tokens: &[Tok]) -> Glob {
        if tokens.iter().filter(|t| **t == Tok::Ch(':')).count() < 5 {
            return Glob::plain(tokens, false);
        }
        let mut colons = 0usize;
        let mut steps = Vec::with_capacity(tokens.len());
        for t in tokens {
            let class = if colons < 5 {
                Class::NotColon
            } else {
                Class::Any
            };
            steps.push(match t {
                Tok::Ch(c) => {
                    if *c == ':' {
                        colons += 1;
                    }
                    Step::Ch(*c)
                }
                Tok::Star => Step::Star(class),
                Tok::One => Step::One(class),
            });
        }
        Glob::new(steps, false)
    }

    /// The language of one string (and its ASCII case variants when `ignore_case`).
    pub(crate) fn literal(text: &str, ignore_case: bool) -> Glob {
        Glob::new(text.chars().map(Step::Ch).collect(), ignore_case)
    }

    /// Every string.
    pub(crate) fn any() -> Glob {
        Glob::new(vec![Step::Star(Class::Any)], false)
    }

    /// Whether the glob accepts `text`.
    pub(crate) fn accepts(&self, text: &str) -> bool {
        let mut set = vec![0; self.words()];
        let mut next = set.clone();
        self.start(&mut set);
        for c in text.chars() {
            self.advance(&set, c, &mut next);
            std::mem::swap(&mut set, &mut next);
            if set.iter().all(|w| *w == 0) {
                return false;
            }
        }
        self.is_accepting(&set)
    }

    /// The number of 64-bit words of a position set (positions `0..=steps.len()`).
    fn words(&self) -> usize {
        self.steps.len() / 64 + 1
    }

    fn matches_literal(&self, lit: char, c: char) -> bool {
        lit == c || (self.ignore_case && lit.eq_ignore_ascii_case(&c))
    }

    /// The start state: position 0 and what the leading `*`s skip to.
    fn start(&self, set: &mut [u64]) {
        set.fill(0);
        insert(set, 0);
        self.close(set);
    }

    /// Adds the positions reachable by skipping `*`s (reading nothing). One ascending pass
    /// suffices: skipping moves forward one position.
    fn close(&self, set: &mut [u64]) {
        for (i, step) in self.steps.iter().enumerate() {
            if matches!(step, Step::Star(_)) && contains(set, i) {
                insert(set, i + 1);
            }
        }
    }

    /// The state after reading `c` from `from`, written to `to`.
    fn advance(&self, from: &[u64], c: char, to: &mut [u64]) {
        to.fill(0);
        for i in ones(from) {
            match self.steps.get(i) {
                Some(Step::Ch(lit)) if self.matches_literal(*lit, c) => insert(to, i + 1),
                Some(Step::One(class)) if class.admits(c) => insert(to, i + 1),
                Some(Step::Star(class)) if class.admits(c) => insert(to, i),
                _ => {}
            }
        }
        self.close(to);
    }

    fn is_accepting(&self, set: &[u64]) -> bool {
        contains(set, self.steps.len())
    }

    /// Whether every continuation from `set` is accepted.
    fn is_universal(&self, set: &[u64]) -> bool {
        ones(set).any(|i| (self.universal_from..self.steps.len()).contains(&i))
    }
}

fn contains(set: &[u64], i: usize) -> bool {
    set.get(i / 64).is_some_and(|w| (w >> (i % 64)) & 1 == 1)
}

fn insert(set: &mut [u64], i: usize) {
    if let Some(w) = set.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

/// The positions in `set`, ascending.
fn ones(set: &[u64]) -> impl Iterator<Item = usize> + '_ {
    set.iter().enumerate().flat_map(|(k, &word)| {
        let mut w = word;
        std::iter::from_fn(move || {
            if w == 0 {
                return None;
            }
            let bit = w.trailing_zeros() as usize;
            w &= w - 1;
            Some(k * 64 + bit)
        })
    })
}

/// One character per class of characters that every glob treats alike, in the order the search
/// tries them: every literal character of every glob (both ASCII cases when any glob ignores
/// case), `:`, and one character no glob names, standing for all the others (the first free one
/// of `a..z0..9`). A wildcard reads all of them or all but `:`, and a literal reads only itself
/// (and its other case), so any string's class-by-class image is accepted by the same globs.
fn alphabet(globs: &[&Glob]) -> Vec<char> {
    let fold = globs.iter().any(|g| g.ignore_case);
    let mut named = BTreeSet::from([':']);
    for glob in globs {
        for step in &glob.steps {
            if let Step::Ch(c) = step {
                named.insert(*c);
                if fold {
                    named.insert(c.to_ascii_lowercase());
                    named.insert(c.to_ascii_uppercase());
                }
            }
        }
    }
    let other = ('a'..='z')
        .chain('0'..='9')
        .chain('\u{80}'..=char::MAX)
        .find(|c| !named.contains(c));
    let mut chars: Vec<char> = named.into_iter().chain(other).collect();
    chars.sort_by_key(|c| (c.to_ascii_lowercase(), c.is_ascii_uppercase()));
    chars
}

/// What a product state can still lead to.
enum Verdict {
    Accept,
    Dead,
    Live,
}

/// Some string that every glob of `must` accepts and no glob of `must_not` accepts: a shortest
/// one, alphabetically first among those. Exact: [`Search::Empty`] means no string at all.
/// `budget` bounds the product states explored (the start state and every live state found,
/// not counting dead ones, where a `must` glob can no longer match or a `must_not` glob matches
/// every continuation); past it the answer is [`Search::GaveUp`]. With no `must` glob the
/// requirement is only the `must_not` ones (the empty intersection is every string).
pub(crate) fn find(must: &[&Glob], must_not: &[&Glob], budget: usize) -> Search {
    let globs: Vec<&Glob> = must.iter().chain(must_not).copied().collect();
    let mut layout = Vec::with_capacity(globs.len());
    let mut width = 0;
    for glob in &globs {
        layout.push(width..width + glob.words());
        width += glob.words();
    }
    // INVARIANT: `layout[k]` is glob `k`'s slice of a product state of `width` words; the
    // first `must.len()` globs are the `must` ones.
    let verdict = |state: &[u64]| {
        let mut accept = true;
        for (k, (glob, r)) in globs.iter().zip(&layout).enumerate() {
            let set = state.get(r.clone()).unwrap_or_default();
            if k < must.len() {
                if set.iter().all(|w| *w == 0) {
                    return Verdict::Dead;
                }
                accept &= glob.is_accepting(set);
            } else {
                if glob.is_universal(set) {
                    return Verdict::Dead;
                }
                accept &= !glob.is_accepting(set);
            }
        }
        if accept {
            Verdict::Accept
        } else {
            Verdict::Live
        }
    };
    let alphabet = alphabet(&globs);

    let mut start = vec![0; width].into_boxed_slice();
    for (glob, r) in globs.iter().zip(&layout) {
        if let Some(set) = start.get_mut(r.clone()) {
            glob.start(set);
        }
    }
    if budget == 0 {
        return Search::GaveUp;
    }
    match verdict(&start) {
        Verdict::Accept => return Search::Found(String::new()),
        Verdict::Dead => return Search::Empty,
        Verdict::Live => {}
    }
    // Each discovered state: its parent and the character read from it.
    let mut tree: Vec<(usize, char)> = vec![(0, '\0')];
    let mut seen: HashMap<Box<[u64]>, usize> = HashMap::from([(start.clone(), 0)]);
    let mut queue = VecDeque::from([(0usize, start)]);
    let mut next = vec![0; width].into_boxed_slice();
    while let Some((at, state)) = queue.pop_front() {
        for &c in &alphabet {
            for (glob, r) in globs.iter().zip(&layout) {
                if let (Some(from), Some(to)) = (state.get(r.clone()), next.get_mut(r.clone())) {
                    glob.advance(from, c, to);
                }
            }
            if seen.contains_key(&next) {
                continue;
            }
            let verdict = verdict(&next);
            if matches!(verdict, Verdict::Dead) {
                continue;
            }
            if tree.len() >= budget {
                return Search::GaveUp;
            }
            let id = tree.len();
            tree.push((at, c));
            if matches!(verdict, Verdict::Accept) {
                return Search::Found(path(&tree, id));
            }
            seen.insert(next.clone(), id);
            queue.push_back((id, next.clone()));
        }
    }
    Search::Empty
}

/// The characters read from the start to state `id` of the search tree.
fn path(tree: &[(usize, char)], mut id: usize) -> String {
    let mut chars = Vec::new();
    while id != 0 {
        let Some(&(parent, c)) = tree.get(id) else {
            break;
        };
        chars.push(c);
        id = parent;
    }
    chars.iter().rev().collect()
}

/// Whether `L(a) ⊆ L(b)`; `None` when the budget runs out first.
pub(crate) fn is_subset(a: &Glob, b: &Glob, budget: usize) -> Option<bool> {
    match find(&[a], &[b], budget) {
        Search::Found(_) => Some(false),
        Search::Empty => Some(true),
        Search::GaveUp => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::eval::{arn_glob, pattern::glob};

    const BUDGET: usize = 100_000;

    /// The tokens of a pattern text: `*` and `?` are wildcards, everything else literal.
    fn toks(text: &str) -> Vec<Tok> {
        text.chars()
            .map(|c| match c {
                '*' => Tok::Star,
                '?' => Tok::One,
                c => Tok::Ch(c),
            })
            .collect()
    }

    /// An `Action` pattern: case-insensitive (UG "IAM JSON policy elements: Action": "The prefix
    /// and the action name are case insensitive").
    fn action(text: &str) -> Glob {
        Glob::plain(&toks(text), true)
    }

    /// A `Resource` pattern.
    fn resource(text: &str) -> Glob {
        Glob::arn(&toks(text))
    }

    fn found(search: Search) -> String {
        match search {
            Search::Found(w) => w,
            other => panic!("expected a witness, got {other:?}"),
        }
    }

    // UG "IAM JSON policy elements: Action": `s3:*` is every S3 action; `iam:*AccessKey*` is
    // CreateAccessKey, DeleteAccessKey, ListAccessKeys, UpdateAccessKey…
    #[test]
    fn action_prefix_wildcards_nest() {
        let get = action("s3:Get*");
        let all = action("s3:*");
        assert_eq!(is_subset(&get, &all, BUDGET), Some(true));
        assert_eq!(is_subset(&all, &get, BUDGET), Some(false));
        // `*` matches the empty run, so `s3:` itself is the shortest action `s3:*` has and
        // `s3:Get*` lacks.
        assert_eq!(found(find(&[&all], &[&get], BUDGET)), "s3:");
        let a = Glob::literal("s3:a", true);
        assert_eq!(found(find(&[&all, &a], &[&get], BUDGET)), "s3:a");
        assert_eq!(find(&[&get], &[&all], BUDGET), Search::Empty);

        let keys = action("iam:*AccessKey*");
        for name in [
            "iam:CreateAccessKey",
            "iam:DeleteAccessKey",
            "iam:ListAccessKeys",
            "iam:UpdateAccessKey",
        ] {
            assert!(keys.accepts(name), "{name}");
            assert_eq!(
                is_subset(&Glob::literal(name, true), &keys, BUDGET),
                Some(true)
            );
        }
        assert!(!keys.accepts("iam:ListUsers"));
    }

    // UG "IAM JSON policy elements: Action": `iam:ListAccessKeys` is the same as
    // `IAM:listaccesskeys`.
    #[test]
    fn action_case_is_ignored() {
        let upper = action("S3:GET*");
        let lower = action("s3:get*");
        assert_eq!(is_subset(&upper, &lower, BUDGET), Some(true));
        assert_eq!(is_subset(&lower, &upper, BUDGET), Some(true));
        assert_eq!(
            is_subset(
                &Glob::literal("iam:ListAccessKeys", true),
                &Glob::literal("IAM:listaccesskeys", true),
                BUDGET
            ),
            Some(true)
        );
        // Case-sensitive (a `StringLike` value), they are different languages; the witness is
        // the shortest string of the first, in the first's case.
        let upper = Glob::plain(&toks("S3:GET*"), false);
        let lower = Glob::plain(&toks("s3:get*"), false);
        assert_eq!(found(find(&[&upper], &[&lower], BUDGET)), "S3:GET");
        assert_eq!(found(find(&[&lower], &[&upper], BUDGET)), "s3:get");
    }

    // UG "IAM JSON policy elements: Resource", "Using wildcards in resource ARNs": `*` any
    // combination of characters, `?` any single character; `arn:aws:s3:::bucket/*` is every
    // object of one bucket.
    #[test]
    fn bucket_objects_versus_bucket_prefix() {
        let objects = resource("arn:aws:s3:::b/*");
        let prefix = resource("arn:aws:s3:::b*");
        assert_eq!(is_subset(&objects, &prefix, BUDGET), Some(true));
        assert_eq!(is_subset(&prefix, &objects, BUDGET), Some(false));
        // The prefix also names the bucket itself and every bucket whose name starts with `b`.
        assert_eq!(
            found(find(&[&prefix], &[&objects], BUDGET)),
            "arn:aws:s3:::b"
        );
        let other_bucket = Glob::literal("arn:aws:s3:::bx", false);
        assert_eq!(
            found(find(&[&prefix, &other_bucket], &[&objects], BUDGET)),
            "arn:aws:s3:::bx"
        );
        // Resource names are case-sensitive.
        let upper = Glob::literal("arn:aws:s3:::B/k", false);
        assert_eq!(find(&[&upper, &objects], &[], BUDGET), Search::Empty);
    }

    // UG "IAM JSON policy elements: Resource": wildcards work within the segments of an ARN (the
    // parts separated by colons). The evaluator keeps a wildcard in the account segment inside
    // that segment, while the resource part (after the fifth `:`) may hold `:`.
    #[test]
    fn segment_wildcards_stay_in_their_segment() {
        let roles = resource("arn:aws:iam::*:role/*");
        let flat = Glob::plain(&toks("arn:aws:iam::*:role/*"), false);
        assert_eq!(is_subset(&roles, &flat, BUDGET), Some(true));
        let w = found(find(&[&flat], &[&roles], BUDGET));
        // The account is the fifth part; a `:` read by the plain `*` there ends it early and
        // leaves `:role/` as the resource part, which `role/*` does not match.
        assert_eq!(w, "arn:aws:iam::::role/");
        assert!(!arn_glob(&toks("arn:aws:iam::*:role/*"), &w));
        assert!(
            !roles.accepts("arn:aws:iam::1:2:role/x"),
            "`*` in the account segment does not read `:`"
        );
        assert!(roles.accepts("arn:aws:iam::111122223333:role/a:b"));
        assert!(roles.accepts("arn:aws:iam:::role/"));
        // Four colons: a plain glob over the whole text.
        let short = resource("arn:aws:iam::*");
        assert_eq!(is_subset(&roles, &short, BUDGET), Some(true));
        assert!(short.accepts("arn:aws:iam::1:2:3"));
    }

    // UG "IAM JSON policy elements: Resource": `?` is any single character.
    #[test]
    fn question_mark_is_one_character() {
        let twelve = resource("arn:aws:iam::????????????:role/*");
        let any_account = resource("arn:aws:iam::*:role/*");
        assert_eq!(is_subset(&twelve, &any_account, BUDGET), Some(true));
        assert_eq!(
            found(find(&[&any_account], &[&twelve], BUDGET)),
            "arn:aws:iam:::role/"
        );
        assert_eq!(
            found(find(
                &[&any_account, &resource("arn:aws:iam::?*:role/*")],
                &[&twelve],
                BUDGET
            )),
            "arn:aws:iam::/:role/"
        );
        let one = action("s3:Get?");
        assert_eq!(is_subset(&one, &action("s3:Get*"), BUDGET), Some(true));
        assert_eq!(
            is_subset(&Glob::literal("s3:Get", true), &one, BUDGET),
            Some(false)
        );
        assert_eq!(
            find(&[&one, &action("s3:Get??")], &[], BUDGET),
            Search::Empty
        );
        assert_eq!(found(find(&[&one], &[], BUDGET)), "s3:get3");
    }

    #[test]
    fn any_is_everything_and_a_budget_gives_up() {
        let any = Glob::any();
        assert_eq!(found(find(&[&any], &[], BUDGET)), "");
        assert_eq!(find(&[&any], &[&any], BUDGET), Search::Empty);
        assert_eq!(is_subset(&action("s3:*"), &any, BUDGET), Some(true));
        assert_eq!(found(find(&[], &[&action("?*")], BUDGET)), "");
        // `*a?????????` must remember where each of the last ten `a`s was: 2^10 states.
        let hard = Glob::plain(&toks("*a?????????"), false);
        let harder = Glob::plain(&toks("*b?????????"), false);
        assert_eq!(find(&[&hard], &[&harder], 50), Search::GaveUp);
        assert_eq!(find(&[&hard], &[&harder], 0), Search::GaveUp);
        assert_eq!(is_subset(&hard, &harder, 50), None);
        assert_eq!(is_subset(&hard, &harder, BUDGET), Some(false));
        let long = Glob::plain(&toks(&"a".repeat(200)), false);
        assert_eq!(found(find(&[&long], &[], BUDGET)), "a".repeat(200));
    }

    // UG "IAM JSON policy elements: Resource": `?` is any single character, so it also reads
    // characters no pattern names; one stands for all of them (here `c`, the first free letter).
    #[test]
    fn unnamed_characters_are_one_class() {
        let one = Glob::plain(&toks("?"), false);
        let a = Glob::plain(&toks("a"), false);
        let b = Glob::plain(&toks("b"), false);
        let colon = Glob::plain(&toks(":"), false);
        assert_eq!(found(find(&[&one], &[&a, &b, &colon], BUDGET)), "c");
        // Ignoring case, `A` and `B` are named too, and still not `c`.
        let a = Glob::plain(&toks("a"), true);
        assert_eq!(found(find(&[&one], &[&a, &b, &colon], BUDGET)), "B");
        // In an ARN's first five parts `?` reads anything but `:`.
        let account = resource("::::?:");
        assert_eq!(found(find(&[&account], &[], BUDGET)), "::::a:");
        assert_eq!(
            find(&[&account, &Glob::literal(":::::::", false)], &[], BUDGET),
            Search::Empty
        );
    }

    /// A generated pattern and how the evaluator reads it.
    #[derive(Debug, Clone)]
    struct Spec {
        arn: bool,
        ignore_case: bool,
        tokens: Vec<Tok>,
    }

    impl Spec {
        fn glob(&self) -> Glob {
            if self.arn {
                Glob::arn(&self.tokens)
            } else {
                Glob::plain(&self.tokens, self.ignore_case)
            }
        }

        /// The evaluator's own answer.
        fn eval(&self, text: &str) -> bool {
            if self.arn {
                arn_glob(&self.tokens, text)
            } else {
                glob(&self.tokens, text, self.ignore_case)
            }
        }
    }

    fn spec() -> impl Strategy<Value = Spec> {
        let tok = || {
            prop_oneof![
                3 => Just(Tok::Ch('a')),
                2 => Just(Tok::Ch('b')),
                4 => Just(Tok::Ch(':')),
                2 => Just(Tok::Star),
                1 => Just(Tok::One),
            ]
        };
        let free = (
            any::<bool>(),
            any::<bool>(),
            proptest::collection::vec(tok(), 0..=10),
        )
            .prop_map(|(arn, ignore_case, tokens)| Spec {
                arn,
                ignore_case,
                tokens,
            });
        // ARN-shaped: five short colon-free parts, then a resource part that may hold `:`.
        let segment = prop_oneof![
            Just(Tok::Ch('a')),
            Just(Tok::Ch('b')),
            Just(Tok::Star),
            Just(Tok::One),
        ];
        let shaped = (
            proptest::collection::vec(proptest::collection::vec(segment, 0..=1), 5),
            proptest::collection::vec(tok(), 0..=3),
        )
            .prop_map(|(parts, last)| {
                let mut tokens = Vec::new();
                for part in parts {
                    tokens.extend(part);
                    tokens.push(Tok::Ch(':'));
                }
                tokens.extend(last);
                Spec {
                    arn: true,
                    ignore_case: false,
                    tokens,
                }
            });
        prop_oneof![3 => free, 1 => shaped]
    }

    const BRUTE: [char; 5] = ['a', 'b', ':', 'A', 'x'];

    /// The first string over `BRUTE`, by length, of at most `max_len` characters that `ok`
    /// accepts.
    fn brute(max_len: usize, ok: impl Fn(&str) -> bool) -> Option<String> {
        let mut text = String::new();
        for len in 0..=max_len {
            let count = BRUTE.len().pow(u32::try_from(len).unwrap());
            for mut n in 0..count {
                text.clear();
                for _ in 0..len {
                    text.push(BRUTE[n % BRUTE.len()]);
                    n /= BRUTE.len();
                }
                if ok(&text) {
                    return Some(text);
                }
            }
        }
        None
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(BRUTE.to_vec()), 0..=9)
            .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        /// The automaton accepts exactly what the evaluator matches.
        #[test]
        fn accepts_agrees_with_the_evaluator(spec in spec(), text in text()) {
            prop_assert_eq!(spec.glob().accepts(&text), spec.eval(&text));
        }

        /// A witness is right by the evaluator and no shorter string is; `Empty` means brute
        /// force finds nothing either.
        #[test]
        fn find_agrees_with_the_evaluator(
            must in proptest::collection::vec(spec(), 1..=3),
            must_not in proptest::collection::vec(spec(), 0..=3),
        ) {
            let must_globs: Vec<Glob> = must.iter().map(Spec::glob).collect();
            let must_not_globs: Vec<Glob> = must_not.iter().map(Spec::glob).collect();
            let ok = |w: &str| {
                must.iter().all(|s| s.eval(w)) && !must_not.iter().any(|s| s.eval(w))
            };
            let search = find(
                &must_globs.iter().collect::<Vec<_>>(),
                &must_not_globs.iter().collect::<Vec<_>>(),
                BUDGET,
            );
            match search {
                Search::Found(w) => {
                    prop_assert!(ok(&w), "witness {:?} is wrong", w);
                    let len = w.chars().count();
                    if len > 0 {
                        let shorter = brute((len - 1).min(6), ok);
                        prop_assert!(shorter.is_none(), "{:?} is shorter than {:?}", shorter, w);
                    }
                }
                Search::Empty => {
                    let w = brute(6, ok);
                    prop_assert!(w.is_none(), "Empty, but {:?} qualifies", w);
                }
                Search::GaveUp => prop_assert!(false, "gave up on small globs"),
            }
        }
    }
}
