//! `iampol diff`: the access a changed policy adds and the access it removes, by service and
//! access level (issue 12), for two files or for every policy file changed since a git
//! revision.
//!
//! Files are told apart the way `lint` tells them: a policy, a template that holds several
//! (CloudFormation, Terraform, a Terraform plan, AWS CLI output, an array of policies), or no
//! policy file at all (skipped). The policies of a template are paired by their place in it
//! (`Resources.Role.Properties.Policies[0].PolicyDocument`), the label `lint` shows.

#![expect(
    clippy::doc_markdown,
    reason = "CloudFormation is a product name, not code"
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use policy_cli::render::escape::escape_line;
use policy_core::analysis::diff::{diff, ActionGroup, Change, Diff, Grant, StatementSummary};
use policy_core::ast::{Policy, PolicyKind};
use policy_core::parse::{lower_policy, parse_policy};
use policy_core::syntax::{json, yaml};
use policy_core::template::{self, Template};
use policy_core::{SourceFile, Span};
use policy_lint::file::FileFormat;
use policy_lint::Settings;
use serde::Serialize;

use crate::args::{DiffArgs, EvalFormat};
use crate::exit::ExitStatus;
use crate::io::{read_input, EXTENSIONS};
use crate::report::render_error;

/// How many actions a human line names before it counts the rest.
const SHOWN_ACTIONS: usize = 8;

/// The kinds the comparison decides: a policy that applies alone to its holder's requests and
/// names no principal (as `check no-new-access`).
const KINDS: [PolicyKind; 4] = [
    PolicyKind::Identity,
    PolicyKind::Boundary,
    PolicyKind::Session,
    PolicyKind::Scp,
];

/// One version of a file: its name as shown and its text; `None` when the file does not exist
/// in that version.
struct Version {
    name: String,
    text: Option<String>,
}

/// One compared pair of policies.
pub(crate) struct Compared {
    /// The path shown (the file's path, or for two files the new one's).
    pub(crate) path: String,
    /// The old version's name (`HEAD:policy.json`), `None` when there was none.
    pub(crate) old: Option<String>,
    /// The new version's name, `None` when there is none.
    pub(crate) new: Option<String>,
    /// `added`, `modified` or `deleted` (git only).
    pub(crate) status: Option<&'static str>,
    /// The policy's place in a template.
    pub(crate) label: Option<String>,
    /// The comparison, or why there is none.
    pub(crate) outcome: Result<Diff, String>,
}

impl Compared {
    /// Whether the new version adds access (proved).
    pub(crate) fn adds_access(&self) -> bool {
        self.outcome.as_ref().is_ok_and(Diff::adds_access)
    }

    /// Whether something was not decided or not compared.
    pub(crate) fn is_unknown(&self) -> bool {
        self.outcome.as_ref().map_or(true, Diff::has_unknown)
    }
}

/// Runs `iampol diff`: exit 0 nothing added, 1 access added, 2 something could not be read,
/// compared or decided.
pub fn run(args: &DiffArgs) -> ExitStatus {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let compared = if let Some(rev) = &args.git {
        match git_changes(rev, &args.paths, args.kind, args.read.limit(), color) {
            Ok(c) => c,
            Err(message) => {
                eprintln!("error: {}", escape_line(&message));
                return ExitStatus::Error;
            }
        }
    } else {
        let [old, new] = args.paths.as_slice() else {
            eprintln!(
                "error: give two files, OLD and NEW, or `--git REV` to compare the files changed since REV"
            );
            return ExitStatus::Error;
        };
        let (Some(old_text), Some(new_text)) = (
            read_text(old, args.read.limit()),
            read_text(new, args.read.limit()),
        ) else {
            return ExitStatus::Error;
        };
        let old = Version {
            name: old_text.0,
            text: Some(old_text.1),
        };
        let new = Version {
            name: new_text.0,
            text: Some(new_text.1),
        };
        let path = new.name.clone();
        compare_versions(&path, None, &old, &new, args.kind, color)
    };
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        EvalFormat::Json => compared.iter().try_for_each(|c| {
            serde_json::to_string(&json_pair(c))
                .map_err(std::io::Error::from)
                .and_then(|s| writeln!(out, "{s}"))
        }),
        EvalFormat::Human => write_human(&mut out, &compared, args.git.is_some()),
    };
    if written.is_err() {
        return ExitStatus::Error;
    }
    status_of(&compared)
}

/// `lint --baseline REV`: compares every policy file under `paths` changed since `rev`, says
/// on standard error each one that adds access or could not be compared or decided, and
/// answers with [`status_of`]'s exit status.
pub(crate) fn baseline(
    rev: &str,
    paths: &[PathBuf],
    kind: Option<PolicyKind>,
    limit: crate::io::MaxFileSize,
    color: bool,
) -> ExitStatus {
    let compared = match git_changes(rev, paths, kind, limit, color) {
        Ok(c) => c,
        Err(message) => {
            eprintln!(
                "error: --baseline {}: {}",
                escape_line(rev),
                escape_line(&message)
            );
            return ExitStatus::Error;
        }
    };
    let shown: Vec<&Compared> = compared
        .iter()
        .filter(|c| c.adds_access() || c.is_unknown())
        .collect();
    let mut err = std::io::stderr().lock();
    let mut written = Ok(());
    for (i, c) in shown.iter().enumerate() {
        written = written
            .and_then(|()| if i > 0 { writeln!(err) } else { Ok(()) })
            .and_then(|()| write_pair(&mut err, c));
    }
    let status = status_of(&compared);
    let said = match status {
        ExitStatus::Success => format!("no policy changed since {rev} grants new access"),
        ExitStatus::Failure => format!(
            "{} changed {} new access since {rev}",
            shown.len(),
            if shown.len() == 1 {
                "policy grants"
            } else {
                "policies grant"
            }
        ),
        ExitStatus::Error => {
            format!("new access since {rev} could not be decided for every change")
        }
    };
    written = written.and_then(|()| writeln!(err, "baseline: {}", escape_line(&said)));
    if written.is_err() {
        return ExitStatus::Error;
    }
    status
}

/// The exit status over every pair: 2 when some pair was not compared or some class was not
/// decided (never read as "nothing added"), else 1 when some access is added, else 0.
pub(crate) fn status_of(compared: &[Compared]) -> ExitStatus {
    if compared.iter().any(Compared::is_unknown) {
        ExitStatus::Error
    } else if compared.iter().any(Compared::adds_access) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// Reads a file as text: its shown name and text; `None` (said on standard error) when it
/// cannot be read or is not UTF-8.
fn read_text(path: &Path, limit: crate::io::MaxFileSize) -> Option<(String, String)> {
    match read_input(path, limit) {
        Ok(input) => match input.text {
            Ok(text) => Some((input.name, text)),
            Err(_) => {
                eprintln!(
                    "error: {}: the file is not valid UTF-8",
                    escape_line(&input.name)
                );
                None
            }
        },
        Err(e) => {
            eprintln!("error: {}", escape_line(&e));
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Git
// ---------------------------------------------------------------------------------------------

/// Runs `git` with `args` in the current directory: its standard output, or its message.
fn git(args: &[&str]) -> Result<Vec<u8>, String> {
    let output = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("could not run `git`: {e}"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let message = String::from_utf8_lossy(&output.stderr);
        let message = message.trim();
        Err(if message.is_empty() {
            format!("`git {}` failed", args.join(" "))
        } else {
            format!("git: {}", message.replace('\n', "; "))
        })
    }
}

/// The NUL-separated entries of `git -z` output.
fn nul_fields(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|f| !f.is_empty())
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

/// Whether `lint`'s directory walk would collect the path: an extension it reads and no
/// hidden component.
fn is_policy_path(path: &str) -> bool {
    let p = Path::new(path);
    let extension = p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    EXTENSIONS.contains(&extension.as_str())
        && p.components()
            .all(|c| !c.as_os_str().to_string_lossy().starts_with('.'))
}

/// Every policy in the files changed between `rev` and the working tree (tracked changes, and
/// files git does not track and does not ignore), limited to `paths`.
pub(crate) fn git_changes(
    rev: &str,
    paths: &[PathBuf],
    kind: Option<PolicyKind>,
    limit: crate::io::MaxFileSize,
    color: bool,
) -> Result<Vec<Compared>, String> {
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a revision"));
    }
    let root = String::from_utf8_lossy(&git(&["rev-parse", "--show-toplevel"])?)
        .trim()
        .to_string();
    let commit = format!("{rev}^{{commit}}");
    git(&["rev-parse", "--verify", "--end-of-options", &commit])
        .map_err(|e| format!("`{rev}` is not a commit of this repository: {e}"))?;
    let specs: Vec<String> = paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["diff", "--name-status", "-z", "--no-renames", rev, "--"];
    args.extend(specs.iter().map(String::as_str));
    let fields = nul_fields(&git(&args)?);
    // Paths from the repository's root: `git diff` prints them so, `ls-files --full-name` too.
    let mut changed: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut it = fields.into_iter();
    while let (Some(code), Some(path)) = (it.next(), it.next()) {
        let status = match code.chars().next() {
            Some('A') => "added",
            Some('D') => "deleted",
            _ => "modified",
        };
        changed.insert(path, status);
    }
    let mut args = vec![
        "ls-files",
        "--others",
        "--exclude-standard",
        "--full-name",
        "-z",
        "--",
    ];
    args.extend(specs.iter().map(String::as_str));
    for path in nul_fields(&git(&args)?) {
        changed.insert(path, "added");
    }
    let mut compared = Vec::new();
    for (path, status) in changed.into_iter().filter(|(p, _)| is_policy_path(p)) {
        let old = Version {
            name: format!("{rev}:{path}"),
            text: if status == "added" {
                None
            } else {
                let shown = git(&["show", &format!("{rev}:{path}")])?;
                if u64::try_from(shown.len()).unwrap_or(u64::MAX) > limit.0 {
                    compared.push(not_compared(
                        &path,
                        status,
                        &format!(
                            "the old version is larger than the limit of {} bytes (`--max-file-size`)",
                            limit.0
                        ),
                    ));
                    continue;
                }
                match String::from_utf8(shown) {
                    Ok(t) => Some(t),
                    Err(_) => {
                        compared.push(not_compared(
                            &path,
                            status,
                            "the old version is not valid UTF-8",
                        ));
                        continue;
                    }
                }
            },
        };
        let new = if status == "deleted" {
            Version {
                name: path.clone(),
                text: None,
            }
        } else {
            let on_disk = Path::new(&root).join(&path);
            match read_input(&on_disk, limit) {
                Ok(input) => match input.text {
                    Ok(text) => Version {
                        name: path.clone(),
                        text: Some(text),
                    },
                    Err(_) => {
                        compared.push(not_compared(&path, status, "the file is not valid UTF-8"));
                        continue;
                    }
                },
                Err(e) => {
                    compared.push(not_compared(&path, status, &e));
                    continue;
                }
            }
        };
        compared.extend(compare_versions(
            &path,
            Some(status),
            &old,
            &new,
            kind,
            color,
        ));
    }
    Ok(compared)
}

fn not_compared(path: &str, status: &'static str, why: &str) -> Compared {
    Compared {
        path: path.to_string(),
        old: None,
        new: None,
        status: Some(status),
        label: None,
        outcome: Err(why.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Pairing the policies of two versions
// ---------------------------------------------------------------------------------------------

/// The policies of one version of a file.
enum Policies {
    /// The version does not exist.
    Absent,
    /// Not a policy file (`lint` skips it too).
    Other,
    /// A policy file: the policy, or why it could not be read.
    One(Result<Policy, String>),
    /// A template: each policy by its place (made unique), or why it could not be read.
    Many(BTreeMap<String, Result<Policy, String>>),
}

/// The pairs of policies of two versions of a file, compared.
fn compare_versions(
    path: &str,
    status: Option<&'static str>,
    old: &Version,
    new: &Version,
    kind: Option<PolicyKind>,
    color: bool,
) -> Vec<Compared> {
    let before = policies_of(old, kind, color);
    let after = policies_of(new, kind, color);
    let pair = |label: Option<String>,
                o: Option<&Result<Policy, String>>,
                n: Option<&Result<Policy, String>>| {
        Compared {
            path: path.to_string(),
            old: o.map(|_| old.name.clone()),
            new: n.map(|_| new.name.clone()),
            status,
            label,
            outcome: compare(o, n),
        }
    };
    match (&before, &after) {
        (Policies::Other | Policies::Absent, Policies::Other | Policies::Absent) => Vec::new(),
        (Policies::One(o), Policies::One(n)) => vec![pair(None, Some(o), Some(n))],
        (Policies::Absent | Policies::Other, Policies::One(n)) => vec![pair(None, None, Some(n))],
        (Policies::One(o), Policies::Absent | Policies::Other) => vec![pair(None, Some(o), None)],
        (Policies::Many(_) | Policies::Absent | Policies::Other, Policies::Many(_))
        | (Policies::Many(_), Policies::Absent | Policies::Other) => {
            let empty = BTreeMap::new();
            let (o, n) = match (&before, &after) {
                (Policies::Many(o), Policies::Many(n)) => (o, n),
                (Policies::Many(o), _) => (o, &empty),
                (_, Policies::Many(n)) => (&empty, n),
                _ => (&empty, &empty),
            };
            let mut labels: Vec<&String> = o.keys().chain(n.keys()).collect();
            labels.sort();
            labels.dedup();
            labels
                .into_iter()
                .map(|l| pair(Some(l.clone()), o.get(l), n.get(l)))
                .collect()
        }
        (Policies::One(_), Policies::Many(_)) | (Policies::Many(_), Policies::One(_)) => {
            vec![Compared {
                path: path.to_string(),
                old: Some(old.name.clone()),
                new: Some(new.name.clone()),
                status,
                label: None,
                outcome: Err(
                    "the file changed between a policy and a template: its policies cannot be paired"
                        .into(),
                ),
            }]
        }
    }
}

/// The comparison of two policies, either absent (an absent policy allows nothing).
fn compare(
    old: Option<&Result<Policy, String>>,
    new: Option<&Result<Policy, String>>,
) -> Result<Diff, String> {
    let old = old
        .map(Result::as_ref)
        .transpose()
        .map_err(|e| format!("old version: {e}"))?;
    let new = new
        .map(Result::as_ref)
        .transpose()
        .map_err(|e| format!("new version: {e}"))?;
    for p in old.iter().chain(new.iter()) {
        if !KINDS.contains(&p.kind) {
            return Err(format!(
                "`{}` policies are not decided yet (policies that name principals are the next step)",
                p.kind.as_str()
            ));
        }
    }
    match (old, new) {
        (Some(o), Some(n)) if o.kind != n.kind => Err(format!(
            "the kind changed from `{}` to `{}`",
            o.kind.as_str(),
            n.kind.as_str()
        )),
        (Some(o), Some(n)) => Ok(diff(o, n)),
        (None, Some(n)) => Ok(diff(&empty(n.kind), n)),
        (Some(o), None) => Ok(diff(o, &empty(o.kind))),
        (None, None) => Err("neither version holds the policy".into()),
    }
}

/// A policy with no statement: it allows nothing.
fn empty(kind: PolicyKind) -> Policy {
    Policy {
        kind,
        version: None,
        version_key: None,
        id: None,
        statements: Vec::new(),
        span: Span::default(),
    }
}

/// The policies of a version, told apart as `lint` tells files apart.
fn policies_of(version: &Version, kind: Option<PolicyKind>, color: bool) -> Policies {
    let Some(text) = &version.text else {
        return Policies::Absent;
    };
    let format = policy_lint::lint_file(&version.name, text, kind, &Settings::default()).format;
    match format {
        FileFormat::Other => Policies::Other,
        FileFormat::Policy => Policies::One(parse_file(&version.name, text, kind, color)),
        FileFormat::CloudFormation
        | FileFormat::Terraform
        | FileFormat::TerraformPlan
        | FileFormat::AwsCli
        | FileFormat::PolicyArray => match template_of(&version.name, text, kind) {
            Some(t) => Policies::Many(embedded(&t)),
            None => Policies::One(Err("its policies could not be read".into())),
        },
    }
}

/// Parses a policy file, showing its errors on standard error.
fn parse_file(
    name: &str,
    text: &str,
    kind: Option<PolicyKind>,
    color: bool,
) -> Result<Policy, String> {
    let parsed = parse_policy(text, kind);
    if parsed.errors.is_empty() {
        if let Some(policy) = parsed.policy {
            return Ok(policy);
        }
    }
    let file = SourceFile::new(name.to_string(), text.to_string());
    let mut stderr = std::io::stderr().lock();
    for e in &parsed.errors {
        let message = policy_core::text::bound_message(&e.kind.to_string()).into_owned();
        let help = e
            .kind
            .help()
            .map(|h| policy_core::text::bound_message(&h).into_owned());
        let _ = write!(
            stderr,
            "{}",
            render_error(&file, e.span, &message, help.as_deref(), color)
        );
    }
    Err("the policy has errors (shown above)".into())
}

/// The template a file holds, read as `lint` reads it (see `policy_lint::file`).
fn template_of(name: &str, text: &str, kind: Option<PolicyKind>) -> Option<Template> {
    let extension = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let json_text = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with(['{', '[']);
    if extension == "tf" {
        return Some(template::read_terraform(text));
    }
    if json_text {
        let value = json::parse(text).value?;
        return if template::is_cloudformation(&value) {
            Some(template::read_cloudformation(&value, text))
        } else if template::is_terraform_plan(&value) {
            Some(template::read_terraform_plan(&value, text))
        } else if let Some(t) = template::read_aws_cli(&value, text) {
            Some(t)
        } else {
            template::read_policy_array(&value, kind)
        };
    }
    let value = yaml::parse(text).value?;
    template::is_cloudformation(&value).then(|| template::read_cloudformation(&value, text))
}

/// The policies of a template by their place; a place met twice gets ` #2`, ` #3`...
fn embedded(template: &Template) -> BTreeMap<String, Result<Policy, String>> {
    let mut out = BTreeMap::new();
    for p in &template.policies {
        let mut label = p.label.clone();
        let mut n = 1;
        while out.contains_key(&label) {
            n += 1;
            label = format!("{} #{n}", p.label);
        }
        let policy = match &p.value {
            None => Err("the policy could not be read as JSON".to_string()),
            Some(value) if !template::unresolved_spans(value).is_empty() => Err(
                "the policy holds values known only at deploy time (references, substitutions)"
                    .to_string(),
            ),
            Some(value) => {
                let parsed = lower_policy(value, p.kind);
                let errors = parsed.errors.iter().any(|e| {
                    !(p.resource_implied
                        && matches!(e.kind, policy_core::parse::ParseErrorKind::MissingResource))
                });
                match parsed.policy {
                    Some(policy) if !errors && p.syntax_errors.is_empty() => Ok(policy),
                    _ => Err("the policy has errors (`iampol lint` shows them)".to_string()),
                }
            }
        };
        out.insert(label, policy);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/// One pair as a JSON line (documented in the README; fields are only ever added).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonPair<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    old: Option<&'a str>,
    new: Option<&'a str>,
    /// `ADDED` (NEW adds access), `NONE` (it adds none; it may remove some) or `UNKNOWN`.
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    added: Vec<JsonChange<'a>>,
    removed: Vec<JsonChange<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonChange<'a> {
    /// `FAIL` (the access differs, with an example) or `UNKNOWN`.
    result: &'static str,
    actions: Vec<JsonGroup<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statement: Option<JsonStatement<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    example: Option<JsonRequest<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonGroup<'a> {
    service: &'a str,
    access_level: Option<&'static str>,
    actions: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonStatement<'a> {
    statement_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    statement_id: Option<&'a str>,
    not_resource: bool,
    resources: &'a [String],
    conditions: Vec<JsonCondition<'a>>,
}

#[derive(Serialize)]
struct JsonCondition<'a> {
    operator: &'a str,
    key: &'a str,
    values: &'a [String],
}

#[derive(Serialize)]
struct JsonRequest<'a> {
    principal: &'a str,
    action: &'a str,
    resource: &'a str,
    context: BTreeMap<&'a str, &'a [String]>,
}

fn result_of(c: &Compared) -> &'static str {
    if c.is_unknown() {
        "UNKNOWN"
    } else if c.adds_access() {
        "ADDED"
    } else {
        "NONE"
    }
}

fn json_pair(c: &Compared) -> JsonPair<'_> {
    let (added, removed, error) = match &c.outcome {
        Ok(d) => (
            d.added.iter().map(json_change).collect(),
            d.removed.iter().map(json_change).collect(),
            None,
        ),
        Err(e) => (Vec::new(), Vec::new(), Some(e.as_str())),
    };
    JsonPair {
        path: &c.path,
        policy: c.label.as_deref(),
        status: c.status,
        old: c.old.as_deref(),
        new: c.new.as_deref(),
        result: result_of(c),
        error,
        added,
        removed,
    }
}

fn json_groups(groups: &[ActionGroup]) -> Vec<JsonGroup<'_>> {
    groups
        .iter()
        .map(|g| JsonGroup {
            service: &g.service,
            access_level: g
                .access_level
                .map(policy_core::service_ref::AccessLevel::as_str),
            actions: &g.actions,
        })
        .collect()
}

fn json_change(change: &Change) -> JsonChange<'_> {
    match change {
        Change::Grants(g) => JsonChange {
            result: "FAIL",
            actions: json_groups(&g.actions),
            statement: Some(JsonStatement {
                statement_index: g.statement.index,
                statement_id: g.statement.sid.as_deref(),
                not_resource: g.statement.not_resource,
                resources: &g.statement.resources,
                conditions: g
                    .statement
                    .conditions
                    .iter()
                    .map(|c| JsonCondition {
                        operator: &c.operator,
                        key: &c.key,
                        values: &c.values,
                    })
                    .collect(),
            }),
            example: Some(JsonRequest {
                principal: &g.example.principal,
                action: &g.example.action,
                resource: &g.example.resource,
                context: g
                    .example
                    .context
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_slice()))
                    .collect(),
            }),
            reason: None,
        },
        Change::Unknown { actions, reason } => JsonChange {
            result: "UNKNOWN",
            actions: json_groups(actions),
            statement: None,
            example: None,
            reason: Some(reason),
        },
    }
}

/// A line of the human report: one group of one change.
struct Row<'a> {
    sign: char,
    group: &'a ActionGroup,
    change: &'a Change,
    side: &'static str,
}

fn write_human(out: &mut impl Write, compared: &[Compared], git: bool) -> std::io::Result<()> {
    if git && compared.is_empty() {
        writeln!(out, "no policy file changed")?;
    }
    for (i, c) in compared.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_pair(out, c)?;
    }
    Ok(())
}

fn write_pair(out: &mut impl Write, c: &Compared) -> std::io::Result<()> {
    let side = |name: &Option<String>| {
        name.as_deref()
            .map_or_else(|| "(none)".to_string(), |n| escape_line(n).into_owned())
    };
    write!(out, "{} -> {}", side(&c.old), side(&c.new))?;
    if let Some(label) = &c.label {
        write!(out, " [{}]", escape_line(label))?;
    }
    if let Some(status) = c.status {
        write!(out, " ({status})")?;
    }
    writeln!(out)?;
    let d = match &c.outcome {
        Ok(d) => d,
        Err(why) => {
            return writeln!(out, "? not compared: {}", escape_line(why));
        }
    };
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut whole: Vec<(&str, &str)> = Vec::new();
    for (sign, side, changes) in [('+', "new", &d.added), ('-', "old", &d.removed)] {
        for change in changes {
            let groups = match change {
                Change::Grants(g) => &g.actions,
                Change::Unknown { actions, reason } => {
                    if actions.is_empty() {
                        let direction = if sign == '+' { "added" } else { "removed" };
                        whole.push((direction, reason));
                    }
                    actions
                }
            };
            let sign = if matches!(change, Change::Unknown { .. }) {
                '?'
            } else {
                sign
            };
            rows.extend(groups.iter().map(|group| Row {
                sign,
                group,
                change,
                side,
            }));
        }
    }
    // By service, then access level; within one, additions, removals, then undecided, each
    // in the order the procedure lists them (stable sort).
    let sign_rank = |s: char| match s {
        '+' => 0,
        '-' => 1,
        _ => 2,
    };
    rows.sort_by(|a, b| {
        (&a.group.service, a.group.access_level, sign_rank(a.sign)).cmp(&(
            &b.group.service,
            b.group.access_level,
            sign_rank(b.sign),
        ))
    });
    let mut service: Option<&str> = None;
    for row in &rows {
        if service != Some(row.group.service.as_str()) {
            service = Some(&row.group.service);
            writeln!(out, "{}", escape_line(&row.group.service))?;
        }
        write_row(out, row)?;
    }
    for (direction, why) in &whole {
        writeln!(
            out,
            "? {direction} access not decided: {}",
            escape_line(why)
        )?;
    }
    writeln!(out, "{}", summary(d))
}

fn write_row(out: &mut impl Write, row: &Row<'_>) -> std::io::Result<()> {
    let level = row
        .group
        .access_level
        .map_or("(not in the IAM reference)", |l| l.as_str());
    let mut names: Vec<String> = row
        .group
        .actions
        .iter()
        .take(SHOWN_ACTIONS)
        .map(|a| format!("`{}`", escape_line(a)))
        .collect();
    let more = row.group.actions.len().saturating_sub(SHOWN_ACTIONS);
    if more > 0 {
        names.push(format!("and {more} more"));
    }
    writeln!(out, "  {} {level}: {}", row.sign, names.join(", "))?;
    match row.change {
        Change::Grants(g) => {
            writeln!(
                out,
                "      allowed by {} statement {}",
                row.side,
                statement_text(&g.statement)
            )?;
            writeln!(out, "      for example {}", example_text(g))
        }
        Change::Unknown { reason, .. } => {
            writeln!(out, "      not decided: {}", escape_line(reason))
        }
    }
}

/// `1 (`Upload`): Resource `arn:aws:s3:::reports/*`; StringEquals `aws:RequestedRegion`: `eu-west-1``.
fn statement_text(s: &StatementSummary) -> String {
    let mut text = s.index.to_string();
    if let Some(sid) = &s.sid {
        let _ = write!(text, " (`{}`)", escape_line(sid));
    }
    let element = if s.not_resource {
        "NotResource"
    } else {
        "Resource"
    };
    let quoted = |items: &[String]| -> String {
        items
            .iter()
            .map(|i| format!("`{}`", escape_line(i)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !s.resources.is_empty() {
        let _ = write!(text, ": {element} {}", quoted(&s.resources));
    }
    for c in &s.conditions {
        let _ = write!(
            text,
            "; {} `{}`: {}",
            escape_line(&c.operator),
            escape_line(&c.key),
            quoted(&c.values)
        );
    }
    text
}

/// ``s3:PutObject` on `arn:aws:s3:::reports/` with `aws:RequestedRegion` = `eu-west-1``.
fn example_text(g: &Grant) -> String {
    let e = &g.example;
    let mut text = format!(
        "`{}` on `{}`",
        escape_line(&e.action),
        escape_line(&e.resource)
    );
    if e.context.is_empty() {
        text.push_str(" with every condition key absent");
    } else {
        let keys: Vec<String> = e
            .context
            .iter()
            .map(|(k, v)| match v.as_slice() {
                [one] => format!("`{}` = `{}`", escape_line(k), escape_line(one)),
                many => format!(
                    "`{}` = [{}]",
                    escape_line(k),
                    many.iter()
                        .map(|m| format!("`{}`", escape_line(m)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
            .collect();
        text.push_str(" with ");
        text.push_str(&keys.join(" and "));
    }
    text
}

/// `adds 2 actions, removes 1 action`, with what was not decided.
fn summary(d: &Diff) -> String {
    let count = |changes: &[Change]| -> usize {
        changes
            .iter()
            .map(|c| match c {
                Change::Grants(g) => g.actions.iter().map(|a| a.actions.len()).sum(),
                Change::Unknown { .. } => 0,
            })
            .sum()
    };
    let unknown = d
        .added
        .iter()
        .chain(&d.removed)
        .filter(|c| matches!(c, Change::Unknown { .. }))
        .count();
    let (added, removed) = (count(&d.added), count(&d.removed));
    if added == 0 && removed == 0 && unknown == 0 {
        return "no access added or removed".to_string();
    }
    let mut text = format!(
        "adds {added} action{}, removes {removed} action{}",
        plural(added),
        plural(removed)
    );
    if unknown > 0 {
        let _ = write!(
            text,
            "; {unknown} class{} not decided: more access may be added or removed",
            if unknown == 1 { "" } else { "es" }
        );
    }
    text
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
