//! `iampol check`: exact answers about every request, offline (issue 12), each IAM Access
//! Analyzer's custom policy check decided exactly, with a counterexample:
//! - `no-new-access`: whether a changed policy allows anything the existing one does not
//!   (`CheckNoNewAccess`);
//! - `access-not-granted`: whether a policy allows none of some actions on some resources
//!   (`CheckAccessNotGranted`);
//! - `no-public-access`: whether a resource or trust policy keeps out every caller outside
//!   the owner's control (`CheckNoPublicAccess`).

use std::io::Write;

use policy_cli::render::escape::escape_line;
use policy_core::analysis::access::{access_not_granted, Access};
use policy_core::analysis::compare::{no_new_access, Counterexample, Verdict};
use policy_core::analysis::public::{self, no_public_access};
use policy_core::ast::{Policy, PolicyKind};
use policy_core::SourceFile;
use serde::Serialize;

use crate::args::{
    AccessNotGrantedArgs, CheckArgs, CheckCommand, EvalFormat, NoNewAccessArgs, NoPublicAccessArgs,
};
use crate::commands::can::Loader;
use crate::exit::ExitStatus;

/// Runs `iampol check`: exit 0 PASS, 1 FAIL, 2 could not run or could not decide.
pub fn run(args: &CheckArgs) -> ExitStatus {
    match &args.command {
        CheckCommand::NoNewAccess(a) => run_no_new_access(a),
        CheckCommand::AccessNotGranted(a) => run_access_not_granted(a),
        CheckCommand::NoPublicAccess(a) => run_no_public_access(a),
    }
}

/// What one check says in its messages.
struct Wording {
    check: &'static str,
    /// The PASS message.
    pass: &'static str,
    /// Before the request in the FAIL message.
    fail: &'static str,
    /// After the request in the FAIL message.
    fail_end: &'static str,
    /// Whether the FAIL message names the caller (policies that name principals).
    names_caller: bool,
}

const NO_NEW_ACCESS: Wording = Wording {
    check: "no-new-access",
    pass: "the new policy allows no request that the existing policy does not",
    fail: "the new policy allows",
    fail_end: ", which the existing policy does not",
    names_caller: false,
};

const ACCESS_NOT_GRANTED: Wording = Wording {
    check: "access-not-granted",
    pass: "the policy allows none of the requests asked about",
    fail: "the policy allows",
    fail_end: "",
    names_caller: false,
};

const NO_PUBLIC_ACCESS: Wording = Wording {
    check: "no-public-access",
    pass: "the policy allows no caller outside the accounts, organizations and networks it names",
    fail: "the policy is public: it allows",
    fail_end: "",
    names_caller: true,
};

/// The JSON line of a check (documented in the README; fields are only ever added).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonCheck<'a> {
    check: &'static str,
    /// `PASS`, `FAIL` or `UNKNOWN`.
    result: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    counterexample: Option<JsonRequest<'a>>,
    /// The statements of the (new) policy that allow the counterexample.
    reasons: Vec<JsonReason<'a>>,
}

#[derive(Serialize)]
struct JsonRequest<'a> {
    principal: &'a str,
    action: &'a str,
    resource: &'a str,
    /// Context keys (as the policy writes them) and values; a key not listed is absent.
    context: std::collections::BTreeMap<&'a str, &'a [String]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReason<'a> {
    file: &'a str,
    statement_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    statement_id: Option<&'a str>,
    line: u32,
    column: u32,
}

fn run_no_new_access(args: &NoNewAccessArgs) -> ExitStatus {
    if !KINDS.contains(&args.kind) {
        let kinds: Vec<&str> = KINDS.iter().map(|k| k.as_str()).collect();
        eprintln!(
            "error: --kind {}: not decided yet (policies that name principals are the next step); use one of: {}",
            args.kind.as_str(),
            kinds.join(", ")
        );
        return ExitStatus::Error;
    }
    let mut loader = Loader::new(args.read.limit());
    let existing = loader.parse(&args.existing, args.kind);
    let new = loader.parse(&args.new, args.kind);
    let (Some(existing), Some(new)) = (existing, new) else {
        return ExitStatus::Error;
    };
    let verdict = no_new_access(&existing, &new);
    report(
        &NO_NEW_ACCESS,
        &verdict,
        &new,
        loader.files.get(1),
        args.format,
    )
}

fn run_access_not_granted(args: &AccessNotGrantedArgs) -> ExitStatus {
    if !ACCESS_KINDS.contains(&args.kind) {
        let kinds: Vec<&str> = ACCESS_KINDS.iter().map(|k| k.as_str()).collect();
        eprintln!(
            "error: --kind {}: not decided; use one of: {}",
            args.kind.as_str(),
            kinds.join(", ")
        );
        return ExitStatus::Error;
    }
    let access = match Access::new(args.actions.clone(), args.resources.clone()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {}", escape_line(&e.to_string()));
            return ExitStatus::Error;
        }
    };
    let mut loader = Loader::new(args.read.limit());
    let Some(policy) = loader.parse(&args.policy, args.kind) else {
        return ExitStatus::Error;
    };
    let verdict = access_not_granted(&policy, &access);
    report(
        &ACCESS_NOT_GRANTED,
        &verdict,
        &policy,
        loader.files.first(),
        args.format,
    )
}

fn run_no_public_access(args: &NoPublicAccessArgs) -> ExitStatus {
    let Some(kind) = public::kind_of(&args.resource_type) else {
        eprintln!(
            "error: --resource-type {}: not a type IAM Access Analyzer checks; use one of: {}",
            escape_line(&args.resource_type),
            public::RESOURCE_TYPES.join(", ")
        );
        return ExitStatus::Error;
    };
    let mut loader = Loader::new(args.read.limit());
    let Some(policy) = loader.parse(&args.policy, kind) else {
        return ExitStatus::Error;
    };
    let verdict = no_public_access(&policy);
    report(
        &NO_PUBLIC_ACCESS,
        &verdict,
        &policy,
        loader.files.first(),
        args.format,
    )
}

/// Writes the verdict and returns the exit status: 0 PASS, 1 FAIL, 2 UNKNOWN (or when the
/// output cannot be written).
fn report(
    wording: &Wording,
    verdict: &Verdict,
    policy: &Policy,
    file: Option<&SourceFile>,
    format: EvalFormat,
) -> ExitStatus {
    let mut out = std::io::stdout().lock();
    let written = match format {
        EvalFormat::Json => {
            let line = json_line(wording, verdict, policy, file);
            serde_json::to_string(&line)
                .map_err(std::io::Error::from)
                .and_then(|s| writeln!(out, "{s}"))
        }
        EvalFormat::Human => write_human(&mut out, wording, verdict, policy, file),
    };
    if written.is_err() {
        return ExitStatus::Error;
    }
    match verdict {
        Verdict::Pass => ExitStatus::Success,
        Verdict::Fail(_) => ExitStatus::Failure,
        Verdict::Unknown(_) => ExitStatus::Error,
    }
}

/// Where the new policy's statement `index` starts: file name, line and column.
fn statement_at<'a>(
    new: &Policy,
    file: Option<&'a SourceFile>,
    index: usize,
) -> Option<(&'a str, u32, u32)> {
    let file = file?;
    let statement = new.statements.iter().find(|s| s.index == index)?;
    let at = file.line_col(statement.span.start);
    Some((file.name(), at.line, at.column))
}

fn json_line<'a>(
    wording: &Wording,
    verdict: &'a Verdict,
    new: &'a Policy,
    file: Option<&'a SourceFile>,
) -> JsonCheck<'a> {
    let (result, message) = summary(wording, verdict);
    let mut line = JsonCheck {
        check: wording.check,
        result,
        message,
        counterexample: None,
        reasons: Vec::new(),
    };
    if let Verdict::Fail(c) = verdict {
        line.counterexample = Some(JsonRequest {
            principal: &c.principal,
            action: &c.action,
            resource: &c.resource,
            context: c
                .context
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_slice()))
                .collect(),
        });
        let (index, sid) = &c.allowed_by;
        if let Some((name, l, col)) = statement_at(new, file, *index) {
            line.reasons.push(JsonReason {
                file: name,
                statement_index: *index,
                statement_id: sid.as_deref(),
                line: l,
                column: col,
            });
        }
    }
    line
}

fn summary(wording: &Wording, verdict: &Verdict) -> (&'static str, String) {
    match verdict {
        Verdict::Pass => ("PASS", wording.pass.into()),
        Verdict::Fail(c) => (
            "FAIL",
            format!(
                "{} {}{}",
                wording.fail,
                describe(c, wording.names_caller),
                wording.fail_end
            ),
        ),
        Verdict::Unknown(why) => ("UNKNOWN", format!("not decided: {why}")),
    }
}

/// `s3:GetObject on arn:aws:s3:::b/x when aws:requestedregion = us-east-1`.
fn describe(c: &Counterexample, names_caller: bool) -> String {
    let mut text = format!("`{}` on `{}`", c.action, c.resource);
    if names_caller {
        text.push_str(" to `");
        text.push_str(&c.principal);
        text.push('`');
    }
    let context: Vec<String> = c
        .context
        .iter()
        .map(|(k, v)| match v.as_slice() {
            [one] => format!("`{k}` = `{one}`"),
            many => format!("`{k}` = [{}]", many.join(", ")),
        })
        .collect();
    if !context.is_empty() {
        text.push_str(" when ");
        text.push_str(&context.join(" and "));
    }
    text
}

fn write_human(
    out: &mut impl Write,
    wording: &Wording,
    verdict: &Verdict,
    new: &Policy,
    file: Option<&SourceFile>,
) -> std::io::Result<()> {
    let (result, message) = summary(wording, verdict);
    writeln!(out, "{result}: {}", escape_line(&message))?;
    if let Verdict::Fail(c) = verdict {
        let (index, sid) = &c.allowed_by;
        if let Some((name, line, column)) = statement_at(new, file, *index) {
            let sid = sid
                .as_deref()
                .map_or_else(String::new, |s| format!(" (`{}`)", escape_line(s)));
            writeln!(
                out,
                "  allowed by statement {index}{sid} at {}:{line}:{column}",
                escape_line(name)
            )?;
        }
        writeln!(out, "  caller: {}", c.principal)?;
        if c.context.is_empty() {
            writeln!(out, "  context: none (every condition key absent)")?;
        }
    }
    Ok(())
}

/// The kinds `no-new-access` decides: a policy that applies alone to its holder's requests
/// and names no principal.
const KINDS: [PolicyKind; 4] = [
    PolicyKind::Identity,
    PolicyKind::Boundary,
    PolicyKind::Session,
    PolicyKind::Scp,
];

/// The kinds `access-not-granted` decides: those of `no-new-access`, and the resource and
/// trust policies (each principal they name, an unnamed one, and an anonymous caller).
const ACCESS_KINDS: [PolicyKind; 6] = [
    PolicyKind::Identity,
    PolicyKind::Boundary,
    PolicyKind::Session,
    PolicyKind::Scp,
    PolicyKind::Resource,
    PolicyKind::Trust,
];
