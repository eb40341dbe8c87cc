//! Evaluation throughput on the realistic workload in `corpus/bench/eval-workload.json`, on one
//! core: request `i` uses template `i % 20` with `{i}` in its resource replaced by `i`, so
//! every request names a distinct resource. Policies are compiled once; each request is built
//! (principal parsed, context keys derived) and evaluated inside the timed loop.
//!
//!     cargo bench -p policy-core --bench eval_workload [-- N RUNS]
//!
//! Prints the median requests per second of RUNS runs (default 1,000,000 requests, 7 runs), and
//! the decision mix as a check.

use std::time::Instant;

use policy_core::eval::{Decision, PolicySet};
use policy_core::request::{Context, Request, RequestPrincipal};
use policy_core::scenario::parse_scenarios;
use serde_json::{json, Value};

struct Template {
    principal: std::sync::Arc<RequestPrincipal>,
    action: String,
    resource: String,
    resource_account: Option<String>,
    context: Context,
    policies: PolicySet,
}

fn load() -> Vec<Template> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/bench/eval-workload.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let w: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let templates = w["templates"].as_array().cloned().unwrap_or_default();
    templates
        .iter()
        .map(|t| {
            let with_bucket = t["bucketPolicy"].as_bool().unwrap_or(false);
            let mut scenario = json!({
                "name": "t",
                "principal": t["principal"],
                "action": t["action"],
                "resource": t["resource"],
                "context": t["context"],
                "identityPolicies": w["identityPolicies"],
                "scps": w["scps"],
            });
            if with_bucket {
                scenario["resourcePolicy"] = w["bucketPolicy"].clone();
                scenario["resourceAccount"] = w["bucketAccount"].clone();
            }
            let text = serde_json::to_string(&scenario).unwrap_or_default();
            let mut parsed =
                parse_scenarios(&text, 0).unwrap_or_else(|e| panic!("template: {e:?}"));
            let s = parsed.remove(0);
            Template {
                principal: std::sync::Arc::clone(&s.request.principal),
                action: s.request.action.clone(),
                resource: t["resource"].as_str().unwrap_or_default().to_string(),
                resource_account: with_bucket
                    .then(|| w["bucketAccount"].as_str().unwrap_or_default().to_string()),
                context: t["context"]
                    .as_object()
                    .map(|o| {
                        let mut c = Context::new();
                        for (k, v) in o {
                            c.insert(k, vec![v.as_str().unwrap_or_default().to_string()]);
                        }
                        c
                    })
                    .unwrap_or_default(),
                policies: s.policies,
            }
        })
        .collect()
}

fn run(templates: &[Template], n: usize) -> (f64, [usize; 3]) {
    let mut mix = [0usize; 3];
    let start = Instant::now();
    for i in 0..n {
        let t = &templates[i % templates.len()];
        let resource = t.resource.replace("{i}", &i.to_string());
        let request = Request::new(
            std::sync::Arc::clone(&t.principal),
            &t.action,
            resource,
            t.resource_account.clone(),
            t.context.clone(),
        );
        let response = t.policies.evaluate(&request);
        mix[match response.decision {
            Decision::Allowed => 0,
            Decision::ExplicitDeny => 1,
            Decision::ImplicitDeny => 2,
        }] += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    #[expect(
        clippy::cast_precision_loss,
        reason = "request counts are far below 2^52"
    )]
    let rate = n as f64 / seconds;
    (rate, mix)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let n: usize = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(7);
    let templates = load();
    // Warm-up, as the peer's script does (500 requests).
    let _ = run(&templates, 500);
    let mut rates = Vec::new();
    let mut mix = [0; 3];
    for _ in 0..runs {
        let (rps, m) = run(&templates, n);
        rates.push(rps);
        mix = m;
    }
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    println!(
        "{{\"tool\":\"iampol\",\"n\":{n},\"runs\":{runs},\"medianRps\":{median:.0},\"minRps\":{:.0},\"maxRps\":{:.0},\"decisions\":{{\"allowed\":{},\"explicitDeny\":{},\"implicitDeny\":{}}}}}",
        rates[0],
        rates[rates.len() - 1],
        mix[0],
        mix[1],
        mix[2]
    );
}
