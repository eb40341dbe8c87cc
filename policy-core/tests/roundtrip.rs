//! Property tests for the readers and the AST writer.
//!
//! - Policy AST → [`Policy::to_json`] → text (compact, pretty, and with random escapes and
//!   white space) → [`parse_policy`] gives the same AST and no error.
//! - The strict JSON reader agrees with `serde_json`, the oracle: on generated documents (nested,
//!   any Unicode, every escape form, surrogate pairs, numbers) and on one-character mutations of
//!   them, it accepts exactly when `serde_json` does and then reads the same value. Our reader
//!   recovers from some slips (trailing or missing commas, comments) but reports them, so
//!   "accepts" means "read a value and reported no error".

use std::collections::HashSet;
use std::fmt::Write as _;

use proptest::prelude::*;
use proptest::sample::Index;

use policy_core::ast::{
    ActionElement, ConditionBlock, ConditionEntry, ConditionKeyValues, ConditionOperator,
    ConditionValue, Effect, Node, OperatorBase, Policy, PolicyKind, Principal, PrincipalElement,
    PrincipalEntry, PrincipalKind, ResourceElement, SetQualifier, Statement, Version,
};
use policy_core::syntax::json;
use policy_core::{parse_policy, Span};

// ---------------------------------------------------------------------------------------------
// Text generation
// ---------------------------------------------------------------------------------------------

/// Strings that stress escaping: IAM-like text, any Unicode scalar, and the awkward characters.
fn text() -> impl Strategy<Value = String> {
    let awkward = prop::sample::select(vec![
        '"',
        '\\',
        '/',
        '\n',
        '\r',
        '\t',
        '\u{0}',
        '\u{8}',
        '\u{c}',
        '\u{1f}',
        '\u{7f}',
        'é',
        '\u{2028}',
        '\u{feff}',
        '\u{ffff}',
        '\u{10000}',
        '😀',
        '\u{10ffff}',
        '*',
        '$',
        '{',
        'a',
    ]);
    prop_oneof![
        "[a-zA-Z0-9:*?/_.${}-]{0,16}",
        prop::collection::vec(any::<char>(), 0..8).prop_map(String::from_iter),
        prop::collection::vec(awkward, 0..8).prop_map(String::from_iter),
    ]
}

/// A tiny deterministic generator (splitmix64) for the writer's choices of escapes and white
/// space; proptest picks the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.next() % n == 0
    }
}

/// Writes JSON with random (valid) white space and escapes, and, if asked, number spellings.
struct Writer {
    rng: Rng,
    out: String,
    respell_numbers: bool,
}

impl Writer {
    /// Random white space, escapes and exponent spellings (`1E+300` for `1e300`).
    fn write(value: &serde_json::Value, seed: u64) -> String {
        Writer::write_with(value, seed, true)
    }

    /// Random white space and escapes; numbers as `serde_json` writes them (the AST keeps a
    /// number's text, so `1E+300` would not read back equal to `1e300`).
    fn write_keeping_numbers(value: &serde_json::Value, seed: u64) -> String {
        Writer::write_with(value, seed, false)
    }

    fn write_with(value: &serde_json::Value, seed: u64, respell_numbers: bool) -> String {
        let mut w = Writer {
            rng: Rng(seed),
            out: String::new(),
            respell_numbers,
        };
        w.ws();
        w.value(value);
        w.ws();
        w.out
    }

    fn ws(&mut self) {
        match self.rng.next() % 10 {
            0 => self.out.push(' '),
            1 => self.out.push_str("\n    "),
            2 => self.out.push('\t'),
            3 => self.out.push_str("\r\n"),
            _ => {}
        }
    }

    fn value(&mut self, value: &serde_json::Value) {
        match value {
            serde_json::Value::Null => self.out.push_str("null"),
            serde_json::Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            serde_json::Value::Number(n) => {
                let text = n.to_string();
                // `1e300` may also be spelt `1E+300`: the same number.
                let text = if self.respell_numbers && text.contains('e') && self.rng.one_in(2) {
                    let upper = text.replace('e', "E");
                    if upper.contains("E-") || upper.contains("E+") {
                        upper
                    } else {
                        upper.replace('E', "E+")
                    }
                } else {
                    text
                };
                self.out.push_str(&text);
            }
            serde_json::Value::String(s) => self.string(s),
            serde_json::Value::Array(items) => {
                self.out.push('[');
                self.ws();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                        self.ws();
                    }
                    self.value(item);
                    self.ws();
                }
                self.out.push(']');
            }
            serde_json::Value::Object(members) => {
                self.out.push('{');
                self.ws();
                for (i, (key, item)) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                        self.ws();
                    }
                    self.string(key);
                    self.ws();
                    self.out.push(':');
                    self.ws();
                    self.value(item);
                    self.ws();
                }
                self.out.push('}');
            }
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            let must = matches!(c, '"' | '\\') || u32::from(c) < 0x20;
            if !must && !self.rng.one_in(4) {
                self.out.push(c);
                continue;
            }
            let short = match c {
                '"' => Some("\\\""),
                '\\' => Some("\\\\"),
                '/' => Some("\\/"),
                '\u{8}' => Some("\\b"),
                '\u{c}' => Some("\\f"),
                '\n' => Some("\\n"),
                '\r' => Some("\\r"),
                '\t' => Some("\\t"),
                _ => None,
            };
            match short {
                Some(esc) if self.rng.one_in(2) => self.out.push_str(esc),
                _ => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        let written = if self.rng.one_in(2) {
                            write!(self.out, "\\u{unit:04x}")
                        } else {
                            write!(self.out, "\\u{unit:04X}")
                        };
                        written.unwrap();
                    }
                }
            }
        }
        self.out.push('"');
    }
}

// ---------------------------------------------------------------------------------------------
// Policy generation
// ---------------------------------------------------------------------------------------------

fn node<T>(value: T) -> Node<T> {
    Node::new(value, Span::default())
}

fn every_operator() -> Vec<ConditionOperator> {
    let mut all = Vec::new();
    for base in OperatorBase::ALL {
        for qualifier in [
            None,
            Some(SetQualifier::ForAllValues),
            Some(SetQualifier::ForAnyValue),
        ] {
            for if_exists in [false, true] {
                if *base == OperatorBase::Null && if_exists {
                    continue; // `NullIfExists` is refused by the parser.
                }
                all.push(ConditionOperator {
                    qualifier,
                    base: *base,
                    if_exists,
                });
            }
        }
    }
    all
}

/// Number texts as `serde_json` writes them, which [`Policy::to_json`] reproduces exactly.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_filter_map("finite", |f| {
            serde_json::Number::from_f64(f).map(|n| n.to_string())
        }),
    ]
}

fn condition_value() -> impl Strategy<Value = ConditionValue> {
    prop_oneof![
        text().prop_map(ConditionValue::String),
        any::<bool>().prop_map(ConditionValue::Bool),
        number_text().prop_map(ConditionValue::Number),
    ]
}

fn condition() -> impl Strategy<Value = ConditionBlock> {
    let keys = prop::collection::vec(
        (text(), prop::collection::vec(condition_value(), 0..4)),
        0..4,
    );
    let entries = prop::collection::vec((prop::sample::select(every_operator()), keys), 0..5);
    entries.prop_map(|entries| {
        // No duplicate keys: operators unique per block, condition keys unique per operator.
        let mut operators = HashSet::new();
        let entries = entries
            .into_iter()
            .filter(|(op, _)| operators.insert(op.to_string()))
            .map(|(op, keys)| {
                let mut names = HashSet::new();
                ConditionEntry {
                    operator: node(op),
                    keys: keys
                        .into_iter()
                        .filter(|(key, _)| names.insert(key.clone()))
                        .map(|(key, values)| ConditionKeyValues {
                            key: node(key),
                            values: values.into_iter().map(node).collect(),
                            values_span: Span::default(),
                        })
                        .collect(),
                }
            })
            .collect();
        ConditionBlock {
            entries,
            span: Span::default(),
        }
    })
}

fn strings(min: usize) -> impl Strategy<Value = Vec<Node<String>>> {
    prop::collection::vec(text().prop_map(node), min..5)
}

fn principal(negatable: bool) -> impl Strategy<Value = PrincipalElement> {
    let map = (
        prop::sample::subsequence(PrincipalKind::ALL.to_vec(), 1..=4).prop_shuffle(),
        prop::collection::vec(strings(1), 4),
    )
        .prop_map(|(kinds, values)| {
            Principal::Map(
                kinds
                    .into_iter()
                    .zip(values)
                    .map(|(kind, values)| PrincipalEntry {
                        kind: node(kind),
                        values,
                    })
                    .collect(),
            )
        });
    let value = prop_oneof![1 => Just(Principal::Wildcard), 3 => map];
    (value, any::<bool>()).prop_map(move |(value, negated)| PrincipalElement {
        negated: negated && negatable,
        value,
        key_span: Span::default(),
        span: Span::default(),
    })
}

/// A statement valid for `kind`: identity policies name no principal, resource policies name
/// one, trust policies name a `Principal` and no resource.
fn statement(kind: PolicyKind) -> impl Strategy<Value = Statement> {
    let principal = match kind {
        PolicyKind::Resource => principal(true).prop_map(Some).boxed(),
        PolicyKind::Trust => principal(false).prop_map(Some).boxed(),
        _ => Just(None).boxed(),
    };
    let resource = if kind == PolicyKind::Trust {
        Just(None).boxed()
    } else {
        (any::<bool>(), strings(1))
            .prop_map(|(negated, items)| {
                Some(ResourceElement {
                    negated,
                    items,
                    key_span: Span::default(),
                    span: Span::default(),
                })
            })
            .boxed()
    };
    let action = (any::<bool>(), strings(1)).prop_map(|(negated, items)| ActionElement {
        negated,
        items,
        key_span: Span::default(),
        span: Span::default(),
    });
    (
        prop::option::of(text()),
        prop::sample::select(vec![Effect::Allow, Effect::Deny]),
        principal,
        action,
        resource,
        prop::option::of(condition()),
    )
        .prop_map(
            |(sid, effect, principal, action, resource, condition)| Statement {
                index: 0,
                sid: sid.map(node),
                effect: Some(node(effect)),
                principal,
                action: Some(action),
                resource,
                condition,
                span: Span::default(),
            },
        )
}

fn policy() -> impl Strategy<Value = Policy> {
    prop::sample::select(vec![
        PolicyKind::Identity,
        PolicyKind::Resource,
        PolicyKind::Trust,
    ])
    .prop_flat_map(|kind| {
        (
            prop::option::of(prop::sample::select(vec![
                Version::V2012_10_17,
                Version::V2008_10_17,
            ])),
            prop::option::of(text()),
            prop::collection::vec(statement(kind), 1..4),
        )
            .prop_map(move |(version, id, statements)| Policy {
                kind,
                version: version.map(node),
                version_key: version.map(|_| Span::default()),
                id: id.map(node),
                statements: statements
                    .into_iter()
                    .enumerate()
                    .map(|(index, s)| Statement { index, ..s })
                    .collect(),
                span: Span::default(),
            })
    })
}

fn assert_reads_back(original: &Policy, text: &str) -> Result<(), TestCaseError> {
    let parsed = parse_policy(text, Some(original.kind));
    prop_assert!(
        parsed.errors.is_empty(),
        "errors {:?} reading {}",
        parsed.errors,
        text
    );
    // `Policy` equality ignores spans (ast.rs), so text read back compares equal.
    let read = parsed.policy;
    prop_assert_eq!(read.as_ref(), Some(original), "text: {}", text);
    Ok(())
}

proptest! {
    #[test]
    fn policy_to_json_reads_back_equal(policy in policy(), seed in any::<u64>()) {
        let json = policy.to_json();
        assert_reads_back(&policy, &serde_json::to_string(&json).unwrap())?;
        assert_reads_back(&policy, &serde_json::to_string_pretty(&json).unwrap())?;
        assert_reads_back(&policy, &Writer::write_keeping_numbers(&json, seed))?;
    }
}

// ---------------------------------------------------------------------------------------------
// JSON reader vs serde_json
// ---------------------------------------------------------------------------------------------

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_filter_map("finite", |f| {
            serde_json::Number::from_f64(f).map(serde_json::Value::Number)
        }),
        text().prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|members| serde_json::Value::Object(members.into_iter().collect())),
        ]
    })
}

/// A known, reported difference: `serde_json` refuses a number whose magnitude overflows an
/// `f64` (`1e309`: "number out of range"); our reader accepts it, as RFC 8259's grammar does,
/// and keeps the text.
fn is_known_difference(
    ours_accepts: bool,
    theirs: &Result<serde_json::Value, serde_json::Error>,
) -> bool {
    ours_accepts
        && theirs
            .as_ref()
            .is_err_and(|e| e.to_string().starts_with("number out of range"))
}

/// Both readers on one text: whether each accepts, and the values when both do.
fn agree(text: &str) -> Result<(), TestCaseError> {
    let ours = json::parse(text);
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    let ours_accepts = ours.value.is_some() && ours.errors.is_empty();
    if is_known_difference(ours_accepts, &theirs) {
        return Ok(());
    }
    prop_assert_eq!(
        ours_accepts,
        theirs.is_ok(),
        "text {:?}: ours {:?}, serde_json {:?}",
        text,
        ours.errors,
        theirs.as_ref().err().map(ToString::to_string)
    );
    if let (Some(value), Ok(expected)) = (&ours.value, &theirs) {
        prop_assert_eq!(&value.to_json(), expected, "text {:?}", text);
    }
    Ok(())
}

/// One-character edits that tend to break or bend JSON.
fn mutation_char() -> impl Strategy<Value = char> {
    prop::sample::select(vec![
        ',', ':', '[', ']', '{', '}', '"', '\\', '/', '*', '0', '1', '9', '-', '+', '.', 'e', 'E',
        ' ', '\n', '\t', 't', 'f', 'n', 'u', 'x', '\'', '\u{0}', '\u{1f}', 'é', '😀',
    ])
}

proptest! {
    #[test]
    fn reader_agrees_with_serde_json(value in json_value(), seed in any::<u64>()) {
        agree(&serde_json::to_string(&value).unwrap())?;
        agree(&serde_json::to_string_pretty(&value).unwrap())?;
        let text = Writer::write(&value, seed);
        agree(&text)?;
        // The writer wrote valid JSON, so both accepted it (not both refused it).
        let read = json::parse(&text);
        prop_assert!(read.value.is_some() && read.errors.is_empty(), "{:?}", read.errors);
    }

    #[test]
    fn reader_agrees_with_serde_json_on_mutations(
        value in json_value(),
        seed in any::<u64>(),
        at in any::<Index>(),
        insert in prop::option::of(mutation_char()),
    ) {
        let mut text = Writer::write(&value, seed);
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .collect();
        let pos = *at.get(&boundaries);
        match insert {
            Some(c) => text.insert(pos, c),
            None if pos < text.len() => {
                text.remove(pos);
            }
            None => {}
        }
        agree(&text)?;
    }

    #[test]
    fn reader_agrees_with_serde_json_on_number_texts(
        text in "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?",
    ) {
        agree(&text)?;
        agree(&format!("[{text}]"))?;
    }

    #[test]
    fn reader_agrees_with_serde_json_on_near_json(
        text in "[\\[\\]{}\",:0-9eE.+\\- \\\\u\"a-f\\n]{0,24}",
    ) {
        agree(&text)?;
    }
}
