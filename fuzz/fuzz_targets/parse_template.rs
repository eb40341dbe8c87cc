//! Any bytes → (if UTF-8) `lint_file` as every kind of file iampol reads (CloudFormation YAML
//! and JSON, `.template`, Terraform, a Terraform plan, standard input), and the template
//! readers directly: must never panic, and every span must lie inside the text on character
//! boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_core::syntax::{json, yaml, Value, ValueKind};
use policy_core::template;
use policy_lint::{lint_file, Settings};

const NAMES: [&str; 6] = [
    "template.yaml",
    "template.json",
    "stack.template",
    "main.tf",
    "plan.json",
    "-",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let settings = Settings::default();
    for name in NAMES {
        let report = lint_file(name, text, None, &settings);
        for f in &report.findings {
            assert!(text.get(f.span.range()).is_some(), "{name}: {:?}", f.span);
        }
    }
    let parsed = yaml::parse(text);
    if let Some(v) = &parsed.value {
        check_spans(v, text);
        check_template(&template::read_cloudformation(v, text), text);
    }
    for e in &parsed.errors {
        assert!(text.get(e.span.range()).is_some());
    }
    if let Some(v) = &json::parse(text).value {
        check_template(&template::read_terraform_plan(v, text), text);
    }
    check_template(&template::read_terraform(text), text);
});

fn check_template(t: &template::Template, text: &str) {
    for p in &t.policies {
        assert!(text.get(p.span.range()).is_some());
        if let Some(v) = &p.value {
            check_spans(v, text);
        }
        for e in &p.syntax_errors {
            assert!(text.get(e.span.range()).is_some());
        }
    }
    for e in &t.errors {
        assert!(text.get(e.span.range()).is_some());
    }
}

fn check_spans(value: &Value, text: &str) {
    let mut work = vec![value];
    while let Some(v) = work.pop() {
        assert!(text.get(v.span.range()).is_some(), "{:?}", v.span);
        match &v.kind {
            ValueKind::Array(items) => work.extend(items),
            ValueKind::Object(members) => {
                for m in members {
                    assert!(text.get(m.key_span.range()).is_some(), "{:?}", m.key_span);
                    work.push(&m.value);
                }
            }
            _ => {}
        }
    }
}
