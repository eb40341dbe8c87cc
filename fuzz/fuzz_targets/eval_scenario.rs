//! Any bytes → (if UTF-8) the scenario reader, then every scenario it accepts is evaluated,
//! with its statement order reversed too: reading and evaluating must never panic, and the
//! decision must not depend on statement order; explaining never panics and gives the
//! evaluator's answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_core::scenario::parse_scenarios;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenarios) = parse_scenarios(text, 0) else {
        return;
    };
    for mut s in scenarios {
        let first = s.policies.evaluate(&s.request);
        assert_eq!(s.policies.explain(&s.request).response, first, "explain differs for {}", s.name);
        for p in s.policies.identity.iter_mut().chain(s.policies.resource.iter_mut()) {
            p.statements.reverse();
        }
        let second = s.policies.evaluate(&s.request);
        assert_eq!(first.decision, second.decision, "order changed the decision of {}", s.name);
    }
});
