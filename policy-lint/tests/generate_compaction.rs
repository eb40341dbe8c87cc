//! Compaction never changes what a generated policy allows. For random actions, each with
//! random resource patterns (wildcards `*` and `?` in every part of the ARN, the escapes
//! `${*}`, `${?}`, `${$}`, overlapping patterns), the policies `emit` writes (resources
//! another pattern covers dropped, statements with equal resources merged, packed into
//! documents of a random size so that statements are split) are compared, by the evaluator of
//! `policy_core`, with one plain statement per action holding every recorded pattern:
//!
//! - every (action, resource) the input lists is allowed, the resource made concrete by
//!   substituting its wildcards with random text (colons and slashes included);
//! - on every sampled request (the input's actions in another case, actions it does not
//!   list, every action with every other action's concrete resources, and near misses of
//!   those resources) the output allows exactly when the input does.
//!
//! A second property does the same with `--collapse` over real action names of the IAM
//! reference, where the output's wildcards must match no action the input does not list.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use policy_core::eval::CompiledPolicy;
use policy_core::parse_policy;
use policy_core::request::{Context, Request, RequestPrincipal};
use policy_core::service_ref::ServiceRef;
use policy_core::PolicyKind;
use policy_lint::generate::emit::{emit_statements, plan_statements};
use policy_lint::generate::tighten::identity_allows;
use proptest::prelude::*;

const ACTIONS: &[&str] = &[
    "svca:GetThing",
    "svca:PutThing",
    "svca:ListThings",
    "svcb:GetThing",
    "svcb:DeleteThing",
    "svcc:Describe",
];

/// Actions no input lists.
const OTHER_ACTIONS: &[&str] = &["svca:DeleteThing", "svcd:GetThing", "svcb:PutThing"];

const REGIONS: &[&str] = &["us-east-1", "eu-west-1", "*", "us-*", "", "??-west-1"];
const ACCOUNTS: &[&str] = &["111122223333", "*", "1111222233?3", "444455556666"];
const TYPES: &[&str] = &["thing/", "log-group:", "", "thing/*/", "bucket"];
/// Pieces of resource names: literals, separators, wildcards and escapes.
const NAME_PARTS: &[&str] = &[
    "a", "b", "x1", "/", ":", "-", "*", "?", "${*}", "${?}", "${$}", "a*", "?b",
];
/// Text a `*` may stand for.
const FILL: &[&str] = &["", "a", "b", "x1", ":", "/", "a/b", "b:c", "*", "$", "zz9"];
/// Characters a `?` may stand for.
const ONE: &[char] = &['a', 'b', '1', ':', '/', '*', '$'];

fn resource() -> impl Strategy<Value = String> {
    (
        0usize..3,
        0usize..REGIONS.len(),
        0usize..ACCOUNTS.len(),
        0usize..TYPES.len(),
        proptest::collection::vec(0usize..NAME_PARTS.len(), 0..5),
        0usize..20,
    )
        .prop_map(|(service, region, account, ty, name, star)| {
            if star == 0 {
                return "*".to_string();
            }
            let service = ["svca", "svcb", "s?c*"][service];
            let name: String = name.iter().map(|&i| NAME_PARTS[i]).collect();
            format!(
                "arn:aws:{service}:{}:{}:{}{name}",
                REGIONS[region], ACCOUNTS[account], TYPES[ty]
            )
        })
}

/// Actions, each with 1 to 5 resources drawn from a shared pool (so that patterns overlap).
fn activity(
    actions: &'static [&'static str],
) -> impl Strategy<Value = BTreeMap<String, BTreeSet<String>>> {
    proptest::collection::vec(resource(), 1..9).prop_flat_map(move |pool| {
        let n = pool.len();
        proptest::collection::btree_map(
            proptest::sample::select(actions.to_vec()).prop_map(str::to_string),
            proptest::collection::btree_set(0..n, 1..6).prop_map(move |ix| {
                ix.into_iter()
                    .map(|i| pool[i].clone())
                    .collect::<BTreeSet<String>>()
            }),
            1..6,
        )
    })
}

/// A small deterministic random source for substitutions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        let n = u64::try_from(items.len()).unwrap_or(1);
        items[usize::try_from(self.next() % n).unwrap_or(0)]
    }
}

/// A concrete resource for a pattern: each `*` replaced by random text, each `?` by a random
/// character, each escape by its character. The evaluator matches an ARN part by part (the
/// sixth part, the resource, takes the rest, colons included), so a wildcard before the
/// resource part stands for text without a colon, unless `cross` asks for one anyway (a
/// request the pattern does not match, still to be decided the same way).
fn concrete(pattern: &str, rng: &mut Rng, cross: bool) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    let mut colons = 0;
    while let Some(c) = rest.chars().next() {
        let in_resource = colons >= 5 || cross;
        if let Some(after) = rest.strip_prefix("${*}") {
            out.push('*');
            rest = after;
            continue;
        }
        if let Some(after) = rest.strip_prefix("${?}") {
            out.push('?');
            rest = after;
            continue;
        }
        if let Some(after) = rest.strip_prefix("${$}") {
            out.push('$');
            rest = after;
            continue;
        }
        match c {
            '*' => loop {
                let fill = rng.pick(FILL);
                if in_resource || !fill.contains(':') {
                    out.push_str(fill);
                    break;
                }
            },
            '?' => loop {
                let one = rng.pick(ONE);
                if in_resource || one != ':' {
                    out.push(one);
                    break;
                }
            },
            ':' => {
                colons += 1;
                out.push(c);
            }
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Near misses of a concrete resource: a character more, one less, another account.
fn near(resource: &str) -> Vec<String> {
    let mut out = vec![format!("{resource}a"), format!("{resource}/")];
    if let Some((i, _)) = resource.char_indices().last() {
        out.push(resource[..i].to_string());
    }
    out.push(resource.replace("111122223333", "999988887777"));
    out.push(resource.replacen("arn:aws:", "arn:aws-cn:", 1));
    out
}

fn compile(texts: &[String]) -> Vec<CompiledPolicy> {
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let parsed = parse_policy(text, Some(PolicyKind::Identity));
            assert!(parsed.errors.is_empty(), "{:?}\n{text}", parsed.errors);
            CompiledPolicy::new(&parsed.policy.expect("a policy"), &format!("p{i}"), i)
        })
        .collect()
}

/// The input as a policy: one statement per action with its recorded resources.
fn plain(activity: &BTreeMap<String, BTreeSet<String>>) -> String {
    let statements: Vec<serde_json::Value> = activity
        .iter()
        .map(|(a, r)| serde_json::json!({"Effect": "Allow", "Action": a, "Resource": r.iter().collect::<Vec<_>>()}))
        .collect();
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn request(action: &str, resource: &str) -> Request {
    let who = Arc::new(
        RequestPrincipal::parse("arn:aws:iam::111122223333:user/test").expect("a principal"),
    );
    // The principal's own account owns every resource: no resource policy is needed.
    Request::new(
        who,
        action,
        resource,
        Some("111122223333".to_string()),
        Context::new(),
    )
}

/// Compares input and output on the sampled requests; the first difference, if any. With
/// `collapse`, real actions are probed on the input's resources only (some accept only `*`,
/// which the input then does not allow either: the two must still agree).
fn compare(
    activity: &BTreeMap<String, BTreeSet<String>>,
    collapse: bool,
    max_chars: usize,
    seed: u64,
    actions: &[String],
) -> Result<(), String> {
    let input = compile(&[plain(activity)]);
    let docs = emit_statements(plan_statements(activity, collapse), max_chars);
    let texts: Vec<String> = docs.iter().map(|d| d.text.clone()).collect();
    let output = compile(&texts);
    for d in &docs {
        let splittable =
            d.statements.len() > 1 || d.statements.iter().any(|s| s.resources.len() > 1);
        if splittable && d.chars > max_chars {
            return Err(format!(
                "a document of {} characters, over {max_chars}",
                d.chars
            ));
        }
    }
    let mut rng = Rng(seed | 1);
    let mut samples: Vec<String> = Vec::new();
    for (action, resources) in activity {
        for pattern in resources {
            if !collapse {
                samples.push(concrete(pattern, &mut rng, true));
            }
            for _ in 0..(if collapse { 1 } else { 3 }) {
                let r = concrete(pattern, &mut rng, false);
                let req = request(action, &r);
                if !identity_allows(&input, &req) {
                    if !collapse {
                        return Err(format!("the input does not allow its own {action} on {r}"));
                    }
                } else if !identity_allows(&output, &req) {
                    return Err(format!(
                        "{action} on {r} (from {pattern}) is no longer allowed\n{}",
                        texts.join("\n")
                    ));
                }
                if !collapse {
                    samples.extend(near(&r));
                }
                samples.push(r);
            }
        }
    }
    for action in actions {
        for variant in [action.clone(), action.to_ascii_uppercase()] {
            for r in &samples {
                let req = request(&variant, r);
                let (was, now) = (
                    identity_allows(&input, &req),
                    identity_allows(&output, &req),
                );
                if was != now {
                    return Err(format!(
                        "{variant} on {r}: input allows {was}, output {now}\n{}",
                        texts.join("\n")
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Real S3 and SQS action names, and every action of those services as the probe set.
fn real_actions() -> Vec<&'static str> {
    let sr = ServiceRef::get();
    let mut out: Vec<&'static str> = Vec::new();
    for a in sr.expand("s3:Get*").into_iter().chain(sr.expand("sqs:*")) {
        out.push(Box::leak(a.full_name().into_boxed_str()));
    }
    out.sort_unstable();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn compaction_and_packing_allow_exactly_the_recorded_access(
        activity in activity(ACTIONS),
        max_chars in prop_oneof![Just(6144usize), 250usize..900],
        seed in any::<u64>(),
    ) {
        let actions: Vec<String> = ACTIONS.iter().chain(OTHER_ACTIONS).map(|a| (*a).to_string()).collect();
        if let Err(e) = compare(&activity, false, max_chars, seed, &actions) {
            prop_assert!(false, "{}", e);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn collapsed_wildcards_match_only_recorded_actions(
        chosen in proptest::sample::subsequence(real_actions(), 2..40),
        resources in proptest::collection::btree_set(resource(), 1..3),
        seed in any::<u64>(),
    ) {
        let activity: BTreeMap<String, BTreeSet<String>> = chosen
            .iter()
            .map(|a| ((*a).to_string(), resources.clone()))
            .collect();
        let probes: Vec<String> = real_actions().iter().map(|a| (*a).to_string()).collect();
        if let Err(e) = compare(&activity, true, 6144, seed, &probes) {
            prop_assert!(false, "{}", e);
        }
    }
}
