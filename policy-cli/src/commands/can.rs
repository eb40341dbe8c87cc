//! `iampol can`: one ad-hoc question.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use policy_cli::render::escape::escape_line;
use policy_core::account::{Gap, Principal};
use policy_core::ast::{Policy, PolicyKind};
use policy_core::eval::{AssumptionKind, CompiledPolicy, Decision, Level, PolicySet};
use policy_core::parse::parse_policy;
use policy_core::request::{is_trust_policy_request, Context, Request, RequestPrincipal};
use policy_core::text::bound_message;
use policy_core::SourceFile;

use crate::args::{CanArgs, EvalFormat};
use crate::commands::eval::{json_decision, write_explanation};
use crate::exit::ExitStatus;
use crate::io::read_input;
use crate::report::explain::{json_explanation, warning_line, write_human};
use crate::report::render_error;
use crate::snapshot::{has_errors, read_snapshot};

/// Reads policy files, reporting every error on standard error with its position.
pub(crate) struct Loader {
    /// The files read, numbered in order (the `source` of their compiled policies).
    pub(crate) files: Vec<SourceFile>,
    /// Whether some file could not be read or parsed.
    pub(crate) failed: bool,
    color: bool,
    limit: crate::io::MaxFileSize,
}

impl Loader {
    /// A loader of files up to `limit` bytes.
    pub(crate) fn new(limit: crate::io::MaxFileSize) -> Self {
        Loader {
            files: Vec::new(),
            failed: false,
            color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            limit,
        }
    }

    fn load(&mut self, path: &Path, kind: PolicyKind) -> Option<CompiledPolicy> {
        let index = self.files.len();
        let name = path.file_name().map_or_else(
            || path.to_string_lossy().into_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        self.parse(path, kind)
            .map(|p| CompiledPolicy::new(&p, &name, index))
    }

    /// Reads and parses one policy file as `kind`; `None` (with the errors reported) when it
    /// cannot be read or has errors.
    pub(crate) fn parse(&mut self, path: &Path, kind: PolicyKind) -> Option<Policy> {
        let mut stderr = std::io::stderr().lock();
        let input = match read_input(path, self.limit) {
            Ok(i) => i,
            Err(e) => {
                let _ = writeln!(stderr, "error: {}", escape_line(&e));
                self.failed = true;
                return None;
            }
        };
        let Ok(text) = input.text else {
            let _ = writeln!(
                stderr,
                "error: {}: the file is not valid UTF-8",
                escape_line(&input.name)
            );
            self.failed = true;
            return None;
        };
        let file = SourceFile::new(input.name, text);
        let parsed = parse_policy(file.text(), Some(kind));
        if !parsed.errors.is_empty() {
            for e in &parsed.errors {
                // Messages quote input: bounded, as every message that does.
                let message = bound_message(&e.kind.to_string()).into_owned();
                let help = e.kind.help().map(|h| bound_message(&h).into_owned());
                let _ = write!(
                    stderr,
                    "{}",
                    render_error(&file, e.span, &message, help.as_deref(), self.color)
                );
            }
            self.failed = true;
            return None;
        }
        self.files.push(file);
        parsed.policy
    }

    fn load_all(&mut self, paths: &[PathBuf], kind: PolicyKind) -> Vec<CompiledPolicy> {
        paths.iter().filter_map(|p| self.load(p, kind)).collect()
    }
}

/// Runs `iampol can`: exit 0 allowed, 1 denied, 2 bad input.
pub fn run(args: &CanArgs) -> ExitStatus {
    let principal = match RequestPrincipal::parse(&args.principal) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: --principal: {}", escape_line(&e.to_string()));
            return ExitStatus::Error;
        }
    };
    if !args.action.contains(':') {
        eprintln!(
            "error: --action: `{}` is not an action: write `service:Action`",
            escape_line(&args.action)
        );
        return ExitStatus::Error;
    }
    if let Err(e) = principal.check_action(&args.action) {
        eprintln!("error: --action: {}", escape_line(&e.to_string()));
        eprintln!("  help: {}", escape_line(e.help()));
        return ExitStatus::Error;
    }
    let mut context = Context::new();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for kv in &args.context {
        let Some((k, v)) = kv.split_once('=') else {
            eprintln!("error: --context: `{}` is not KEY=VALUE", escape_line(kv));
            return ExitStatus::Error;
        };
        pairs.push((k, v));
    }
    let mut keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
    keys.sort_by_key(|k| k.to_ascii_lowercase());
    keys.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    for key in keys {
        let values = pairs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| (*v).to_string())
            .collect();
        context.insert(key, values);
    }

    if !args.snapshot.account.is_empty() {
        return run_snapshot(args, principal, context);
    }
    let mut loader = Loader::new(args.read.limit());
    let resource_kind = if is_trust_policy_request(&args.action, &args.resource) {
        PolicyKind::Trust
    } else {
        PolicyKind::Resource
    };
    let levels = |loader: &mut Loader, paths: &[PathBuf], kind| -> Vec<Level> {
        paths
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Level::new(
                    format!("level{}", i + 1),
                    loader.load(p, kind).into_iter().collect(),
                )
            })
            .collect()
    };
    let set = PolicySet {
        identity: loader.load_all(&args.identity, PolicyKind::Identity),
        resource: args
            .resource_policy
            .as_ref()
            .and_then(|p| loader.load(p, resource_kind)),
        boundary: args
            .boundary
            .as_ref()
            .and_then(|p| loader.load(p, PolicyKind::Boundary)),
        session: args
            .session_policy
            .as_ref()
            .and_then(|p| loader.load(p, PolicyKind::Session)),
        scps: levels(&mut loader, &args.scps, PolicyKind::Scp),
        rcps: levels(&mut loader, &args.rcps, PolicyKind::Rcp),
        endpoints: loader.load_all(&args.endpoints, PolicyKind::Endpoint),
        management_account: args.management_account.clone(),
    };
    if loader.failed {
        return ExitStatus::Error;
    }
    let request = Request::new(
        principal,
        &args.action,
        &args.resource,
        args.resource_account.clone(),
        context,
    );
    answer(args, &set, &request, &loader.files, &[])
}

/// Evaluates the request against the set, prints the decision (and the explanation when
/// asked for) and the gaps, and returns the exit status: with gaps, a decision that the
/// missing policies could change is not an answer (exit 2).
fn answer(
    args: &CanArgs,
    set: &PolicySet,
    request: &Request,
    files: &[SourceFile],
    gaps: &[Incomplete],
) -> ExitStatus {
    let mut explanation = set.explain(request);
    if args.resource_account.is_some() {
        // Given, not assumed.
        explanation
            .assumptions
            .retain(|a| a.kind != AssumptionKind::ResourceAccount);
    }
    let response = &explanation.response;
    let mut out = std::io::stdout().lock();
    // Warnings are said once: in the explanation when asked for, else on stderr.
    if !args.explain {
        let mut stderr = std::io::stderr().lock();
        for w in &explanation.warnings {
            let _ = writeln!(stderr, "{}", warning_line(w));
        }
    }
    let undecided = gaps.iter().any(|g| g.could_change(response.decision));
    let written = match args.format {
        EvalFormat::Json => {
            let line = json_decision(None, "can", response, None, files)
                .with_explanation(args.explain.then(|| json_explanation(&explanation, files)));
            let value = serde_json::to_value(&line).map(|mut v| {
                if let (Some(obj), false) = (v.as_object_mut(), gaps.is_empty()) {
                    obj.insert(
                        "incomplete".to_string(),
                        serde_json::Value::Array(
                            gaps.iter()
                                .map(|g| serde_json::Value::String(g.message.clone()))
                                .collect(),
                        ),
                    );
                    obj.insert("undecided".to_string(), serde_json::Value::Bool(undecided));
                }
                v
            });
            value
                .and_then(|v| serde_json::to_string(&v))
                .map_err(std::io::Error::from)
                .and_then(|s| writeln!(out, "{s}"))
        }
        EvalFormat::Human => writeln!(out, "{}", response.decision)
            .and_then(|()| write_explanation(&mut out, response, files, "  "))
            .and_then(|()| {
                if args.explain {
                    write_human(&mut out, &explanation, files, "  ")
                } else {
                    Ok(())
                }
            })
            .and_then(|()| {
                for g in gaps {
                    writeln!(out, "  incomplete: {}", escape_line(&g.message))?;
                }
                if undecided {
                    writeln!(
                        out,
                        "  undecided: the policies missing from the snapshot could change this \
                         decision"
                    )?;
                }
                Ok(())
            }),
    };
    if written.is_err() || undecided {
        return ExitStatus::Error;
    }
    if response.decision == Decision::Allowed {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    }
}

/// A policy an answer needs that the snapshot lacks, said for people, and what it could do.
struct Incomplete {
    message: String,
    /// Whether the missing policy could allow (an identity or trust policy); every missing
    /// policy could deny.
    could_allow: bool,
}

impl Incomplete {
    fn from_gap(gap: &Gap, boundary: Option<&str>) -> Self {
        match gap {
            Gap::ManagedPolicy { entity, policy } => {
                let is_boundary = boundary == Some(policy.as_str());
                Incomplete {
                    message: format!(
                        "policy `{policy}` attached to `{entity}`{} is not in the snapshot",
                        if is_boundary { " as its boundary" } else { "" }
                    ),
                    could_allow: !is_boundary,
                }
            }
            Gap::Group { user, group } => Incomplete {
                message: format!(
                    "group `{group}` of `{user}` (and its policies) is not in the snapshot"
                ),
                could_allow: true,
            },
            Gap::Unreadable { entity, policy } => Incomplete {
                message: format!(
                    "policy `{policy}` of `{entity}` could not be read (see the errors above)"
                ),
                could_allow: true,
            },
            Gap::OrganizationChain { account } => Incomplete {
                message: format!(
                    "the SCPs and RCPs that apply to account {account} are not all in the \
                     snapshot"
                ),
                could_allow: false,
            },
        }
    }

    /// Whether the missing policy could change `decision`: an explicit deny is final; an
    /// allow could meet a missing deny; an implicit deny could meet a missing allow.
    fn could_change(&self, decision: Decision) -> bool {
        match decision {
            Decision::ExplicitDeny => false,
            Decision::Allowed => true,
            Decision::ImplicitDeny => self.could_allow,
        }
    }
}

/// `iampol can --account`: every policy from the snapshot.
fn run_snapshot(args: &CanArgs, principal: RequestPrincipal, mut context: Context) -> ExitStatus {
    let Ok(snapshot) = read_snapshot(&args.snapshot.account, args.snapshot.limit()) else {
        return ExitStatus::Error;
    };
    let Some(found) = snapshot.principal(&args.principal) else {
        eprintln!(
            "error: --principal: `{}` is not a user or role of the snapshot",
            escape_line(&args.principal)
        );
        let accounts: Vec<&str> = snapshot.accounts.keys().map(String::as_str).collect();
        eprintln!(
            "  help: the snapshot has account{} {}; name a user or role ARN of one of them",
            if accounts.len() == 1 { "" } else { "s" },
            accounts.join(", ")
        );
        if has_errors(&snapshot) {
            eprintln!("  note: parts of the snapshot could not be read (see the errors above)");
        }
        return ExitStatus::Error;
    };
    let trust = is_trust_policy_request(&args.action, &args.resource);
    let (set, gaps) = snapshot.policy_set(found, &args.resource, trust);
    // Keys AWS sets from the principal (IAM UG `reference_policies_condition-keys`:
    // `aws:PrincipalTag/key`, `aws:PrincipalOrgID`), unless given with --context.
    let tags = match found {
        Principal::User(_, u) => &u.tags,
        Principal::Role(_, r) => &r.tags,
    };
    for (k, v) in tags {
        let key = format!("aws:PrincipalTag/{k}");
        if context.get(&key).is_none() {
            context.insert(&key, vec![v.clone()]);
        }
    }
    if let Some(org) = &snapshot.organization {
        let in_org = org.nodes.contains_key(&found.account().id);
        if in_org && !org.id.is_empty() && context.get("aws:PrincipalOrgID").is_none() {
            context.insert("aws:PrincipalOrgID", vec![org.id.clone()]);
        }
    }
    let resource_account = args.resource_account.clone().or_else(|| {
        snapshot
            .resource_owner(&args.resource)
            .map(|a| a.id.clone())
    });
    let request = Request::new(
        principal,
        &args.action,
        &args.resource,
        resource_account,
        context,
    );
    let gaps: Vec<Incomplete> = gaps
        .iter()
        .map(|g| Incomplete::from_gap(g, found.boundary()))
        .collect();
    answer(args, &set, &request, &snapshot.sources, &gaps)
}
