//! `action.yml`, the composite GitHub Action at the repository root:
//!
//! - it is valid action metadata: it validates against `SchemaStore`'s `github-action.json`
//!   (vendored in `corpus/github-action/`, with its provenance), read here with the YAML reader
//!   of `policy-core`, so no network is needed;
//! - every `inputs.*` it uses is declared, and every `steps.lint.outputs.*` it uses is written
//!   by the lint step;
//! - its lint step, run with bash as a runner runs a `shell: bash` step, writes the SARIF file
//!   and the step outputs, and fails when iampol could not run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A YAML file as JSON, through `policy-core`'s YAML reader.
fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let parsed = policy_core::syntax::yaml::parse(&text);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    parsed.value.unwrap().to_json()
}

fn action() -> Value {
    read_yaml(&root().join("action.yml"))
}

fn validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("corpus/github-action/github-action.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft7::options().build(&schema).unwrap()
}

fn schema_errors(action: &Value) -> Vec<String> {
    validator()
        .iter_errors(action)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn action_yml_is_valid_action_metadata() {
    let errors = schema_errors(&action());
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_schema_refuses_what_github_refuses() {
    // The metadata syntax requires `name`, `description` and `runs`, and a composite action's
    // `run` steps need `shell`.
    let mut no_runs = action();
    no_runs.as_object_mut().unwrap().remove("runs");
    assert!(!schema_errors(&no_runs).is_empty());
    let mut no_shell = action();
    for step in no_shell["runs"]["steps"].as_array_mut().unwrap() {
        step.as_object_mut().unwrap().remove("shell");
    }
    assert!(!schema_errors(&no_shell).is_empty());
    let mut unknown = action();
    unknown["inputs"]["paths"]["defualt"] = Value::from(".");
    assert!(!schema_errors(&unknown).is_empty());
}

/// The names that follow `prefix` in `text` (`inputs.` → `paths`, `fail-on`, ...).
fn references<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.match_indices(prefix)
        .map(|(at, _)| {
            let rest = &text[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn every_input_and_output_used_is_declared() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let action = action();
    let inputs = action["inputs"].as_object().unwrap();
    for name in references(&text, "${{ inputs.") {
        assert!(inputs.contains_key(name), "`inputs.{name}` is not declared");
    }
    let lint = lint_step(&action);
    let script = lint["run"].as_str().unwrap();
    for name in references(&text, "steps.lint.outputs.") {
        assert!(
            script.contains(&format!("echo \"{name}=")),
            "the lint step does not write `{name}`"
        );
    }
    for (name, output) in action["outputs"].as_object().unwrap() {
        let value = output["value"].as_str().unwrap();
        assert_eq!(value, format!("${{{{ steps.lint.outputs.{name} }}}}"));
    }
}

fn lint_step(action: &Value) -> &Value {
    action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "lint")
        .unwrap()
}

/// Runs the lint step with these inputs (the others take their defaults) in the repository
/// root, as the runner does: `bash --noprofile --norc -eo pipefail`, the `env` expressions
/// filled in, `RUNNER_TEMP` and `GITHUB_OUTPUT` set, `iampol` on the `PATH`. Returns the
/// output, the step outputs and the SARIF file the step wrote, if any.
fn run_lint_step(
    name: &str,
    inputs: &[(&str, &str)],
) -> (Output, BTreeMap<String, String>, Option<Value>) {
    let action = action();
    let step = lint_step(&action);
    let temp = std::env::temp_dir().join(format!("iampol-action-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&temp);
    std::fs::create_dir_all(&temp).unwrap();
    let github_output = temp.join("github-output");
    std::fs::write(&github_output, "").unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_iampol"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(step["run"].as_str().unwrap())
        .current_dir(root())
        .stdin(Stdio::null())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("RUNNER_TEMP", &temp)
        .env("GITHUB_OUTPUT", &github_output);
    for (key, value) in step["env"].as_object().unwrap() {
        let input = value
            .as_str()
            .unwrap()
            .strip_prefix("${{ inputs.")
            .and_then(|v| v.strip_suffix(" }}"))
            .unwrap();
        let value = inputs.iter().find(|(k, _)| *k == input).map_or_else(
            || {
                action["inputs"][input]["default"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            },
            |(_, v)| (*v).to_owned(),
        );
        command.env(key, value);
    }
    let output = command.output().unwrap();
    let outputs: BTreeMap<String, String> = std::fs::read_to_string(&github_output)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let sarif = outputs.get("sarif-file").map(|path| {
        assert!(Path::new(path).starts_with(&temp), "{path}");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    });
    let _ = std::fs::remove_dir_all(&temp);
    (output, outputs, sarif)
}

#[test]
fn the_lint_step_writes_sarif_and_records_findings() {
    let (out, outputs, sarif) = run_lint_step(
        "findings",
        &[(
            "paths",
            "corpus/lint/C102/fires-get-objekt.identity.json\ncorpus/lint/C102/passes-doc-example.identity.json",
        )],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The default format, `github`: an annotation on the file.
    assert!(
        stdout.contains("::error file=corpus/lint/C102/fires-get-objekt.identity.json,"),
        "{stdout}"
    );
    assert_eq!(outputs["exit-code"], "1");
    let sarif = sarif.unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "C102"), "{sarif:#}");
}

#[test]
fn the_lint_step_passes_fail_on_and_arguments() {
    // The unknown action is an error; with `--ignore C102` nothing is left at `error`.
    let (out, outputs, sarif) = run_lint_step(
        "fail-on",
        &[
            ("paths", "corpus/lint/C102/fires-get-objekt.identity.json"),
            ("fail-on", "error"),
            ("args", "--ignore C102"),
            ("format", "sarif"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(outputs["exit-code"], "0");
    // With `format: sarif` the log shows the SARIF file.
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(Some(log), sarif);
}

#[test]
fn the_lint_step_fails_when_iampol_cannot_run() {
    let (out, outputs, _) = run_lint_step("missing", &[("paths", "no/such/policy.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("::error title=iampol::iampol could not run")
    );
    assert!(!outputs.contains_key("exit-code"));
}
