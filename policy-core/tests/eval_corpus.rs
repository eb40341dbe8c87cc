//! Every scenario of `corpus/eval/` gets its expected decision from the library (the same
//! corpus runs through `iampol eval` in the CLI tests), and the decision does not depend on
//! the order of statements, policies or multivalued context values.

use std::path::PathBuf;

use policy_core::scenario::parse_scenarios;

fn scenario_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/eval"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_gets_its_expected_decision() {
    let mut total = 0;
    let mut failures = Vec::new();
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let scenarios =
            parse_scenarios(&text, 0).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        for s in scenarios {
            total += 1;
            let expect = s
                .expect
                .unwrap_or_else(|| panic!("{}: `{}` has no expect", path.display(), s.name));
            assert!(
                s.source.is_some(),
                "{}: `{}` names no source",
                path.display(),
                s.name
            );
            let got = s.policies.evaluate(&s.request).decision;
            if got != expect {
                failures.push(format!(
                    "{}: {}: got {got}, expected {expect}",
                    path.display(),
                    s.name
                ));
            }
        }
    }
    assert!(total >= 200, "only {total} scenarios");
    assert!(
        failures.is_empty(),
        "{} of {total} scenarios differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn decisions_do_not_depend_on_order() {
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        for mut s in parse_scenarios(&text, 0).unwrap() {
            let expected = s.policies.evaluate(&s.request).decision;
            // Reverse every statement list, every policy list and the levels' policies.
            for p in s
                .policies
                .identity
                .iter_mut()
                .chain(s.policies.resource.iter_mut())
                .chain(s.policies.boundary.iter_mut())
                .chain(s.policies.session.iter_mut())
                .chain(s.policies.endpoints.iter_mut())
                .chain(
                    s.policies
                        .scps
                        .iter_mut()
                        .flat_map(|l| l.policies.iter_mut()),
                )
                .chain(
                    s.policies
                        .rcps
                        .iter_mut()
                        .flat_map(|l| l.policies.iter_mut()),
                )
            {
                p.statements.reverse();
            }
            s.policies.identity.reverse();
            s.policies.endpoints.reverse();
            for l in s.policies.scps.iter_mut().chain(s.policies.rcps.iter_mut()) {
                l.policies.reverse();
            }
            let mut ctx = s.request.context.clone();
            let keys: Vec<(String, Vec<String>)> = ctx
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_vec()))
                .collect();
            for (k, mut v) in keys {
                v.reverse();
                ctx.insert(&k, v);
            }
            s.request.context = ctx;
            let got = s.policies.evaluate(&s.request).decision;
            assert_eq!(
                got,
                expected,
                "{}: {} changes with order",
                path.display(),
                s.name
            );
        }
    }
}
