//! `iampol paths`: privilege escalation and lateral movement in account snapshots.
//!
//! Reads the snapshots (`--account`), asks `policy_core::analysis::paths::paths`, and prints
//! each path with the statement that allows each step: human, JSON, NDJSON, SARIF (a result
//! per principal that can reach the target, at the statement that opens its path), `GraphML`
//! and DOT (the graph of every edge found).

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

use clap::ValueEnum;
use policy_cli::render::escape::escape_line;
use policy_core::account::{Gap, Snapshot};
use policy_core::analysis::paths::{
    catalogue, paths, Edge, Path, PathsQuery, PathsResult, Step, Target,
};
use policy_core::eval::{PolicyType, Reason};
use serde_json::{json, Value};

use crate::exit::ExitStatus;
use crate::snapshot::{read_snapshot, SnapshotArgs};

/// `iampol paths` arguments.
#[derive(Debug, clap::Args)]
pub struct PathsArgs {
    /// The snapshots to read.
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// A principal to start from (user or role ARN; repeatable). Default: every principal.
    #[arg(long, value_name = "ARN")]
    pub from: Vec<String>,
    /// Where paths end: `admin` (allowed every action on every resource), a user or role
    /// ARN (acting as it), or `ACTION@RESOURCE` (allowed that request).
    #[arg(long, value_name = "TARGET", default_value = "admin")]
    pub to: String,
    /// How to print.
    #[arg(long, value_enum, default_value_t = PathsFormat::Human)]
    pub format: PathsFormat,
}

/// Output formats of `paths`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PathsFormat {
    /// Each path with the statements that allow each step.
    Human,
    /// One JSON document (documented in the README).
    Json,
    /// One JSON object per path, one per line.
    Ndjson,
    /// SARIF 2.1.0: a result per principal that can reach the target.
    Sarif,
    /// `GraphML`: every edge found.
    Graphml,
    /// Graphviz DOT: every edge found.
    Dot,
}

/// Reads `--to`: `admin`, a principal ARN, or `ACTION@RESOURCE`.
pub(crate) fn parse_target(text: &str) -> Result<Target, String> {
    if text.eq_ignore_ascii_case("admin") {
        return Ok(Target::Admin);
    }
    if let Some((action, resource)) = text.split_once('@') {
        if action.contains(':') && !action.starts_with("arn:") && !resource.is_empty() {
            return Ok(Target::Access {
                action: action.to_string(),
                resource: resource.to_string(),
            });
        }
    }
    if text.starts_with("arn:") && (text.contains(":role/") || text.contains(":user/")) {
        return Ok(Target::Principal(text.to_string()));
    }
    Err(format!(
        "`{text}` is not a target: give `admin`, a user or role ARN, or `ACTION@RESOURCE`"
    ))
}

/// Runs `iampol paths`.
pub fn run(args: &PathsArgs) -> ExitStatus {
    let target = match parse_target(&args.to) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}", escape_line(&e));
            return ExitStatus::Error;
        }
    };
    if args.snapshot.account.is_empty() {
        eprintln!("error: give at least one `--account SNAPSHOT`");
        return ExitStatus::Error;
    }
    let Ok(snapshot) = read_snapshot(&args.snapshot.account, args.snapshot.limit()) else {
        return ExitStatus::Error;
    };
    let query = PathsQuery {
        from: args.from.clone(),
        to: target,
    };
    let terminal = std::io::stderr().is_terminal();
    if terminal {
        let n = if query.from.is_empty() {
            snapshot.principals().count()
        } else {
            query.from.len()
        };
        eprint!("paths: exploring from {n} principal(s)…\r");
    }
    let result = paths(&snapshot, &query);
    if terminal {
        eprint!("\x1b[2K");
    }
    if !result.unknown_from.is_empty() {
        for arn in &result.unknown_from {
            eprintln!(
                "error: `{}` is not a user or role of the snapshot",
                escape_line(arn)
            );
        }
        return ExitStatus::Error;
    }
    let text = match args.format {
        PathsFormat::Human => human(&snapshot, &query, &result),
        PathsFormat::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(&snapshot, &query, &result))
                .unwrap_or_default();
            s.push('\n');
            s
        }
        PathsFormat::Ndjson => ndjson(&snapshot, &result),
        PathsFormat::Sarif => {
            let mut s =
                serde_json::to_string_pretty(&sarif(&snapshot, &result)).unwrap_or_default();
            s.push('\n');
            s
        }
        PathsFormat::Graphml => graphml(&result),
        PathsFormat::Dot => dot(&result),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).is_err() {
        return ExitStatus::Error;
    }
    if result.paths.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    }
}

/// The target as `--to` spells it.
fn target_text(t: &Target) -> String {
    match t {
        Target::Admin => "admin".to_string(),
        Target::Principal(arn) => arn.clone(),
        Target::Access { action, resource } => format!("{action}@{resource}"),
    }
}

/// A statement's file, line and column.
fn location(snapshot: &Snapshot, r: &Reason) -> Option<(String, u32, u32, u32, u32)> {
    let file = snapshot.sources.get(r.source)?;
    let (start, end) = file.span_positions(r.span);
    Some((
        file.name().to_string(),
        start.line,
        start.column,
        end.line,
        end.column,
    ))
}

fn reason_json(snapshot: &Snapshot, r: &Reason) -> Value {
    let mut v = json!({
        "policy_type": r.policy_type.as_str(),
        "policy": &*r.policy,
        "statement": r.statement,
        "sid": r.sid.as_deref(),
        "effect": r.effect.as_str(),
    });
    if let (Some((file, line, column, _, _)), Some(obj)) =
        (location(snapshot, r), v.as_object_mut())
    {
        obj.insert("file".into(), json!(file));
        obj.insert("line".into(), json!(line));
        obj.insert("column".into(), json!(column));
    }
    v
}

fn step_json(snapshot: &Snapshot, s: &Step) -> Value {
    json!({
        "action": s.action,
        "resource": s.resource,
        "context": s.context.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "assumed_absent": s.assumed_absent,
        "allowed_by": s.reasons.iter().filter(|r| r.effect == policy_core::Effect::Allow).map(|r| reason_json(snapshot, r)).collect::<Vec<_>>(),
    })
}

fn path_title(id: &str) -> Option<&'static str> {
    catalogue()
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.name.as_str())
}

fn edge_json(snapshot: &Snapshot, e: &Edge) -> Value {
    json!({
        "from": e.from,
        "to": e.to.as_str(),
        "via": e.via,
        "title": path_title(&e.via),
        "through": e.through,
        "assumes": e.assumes,
        "steps": e.steps.iter().map(|s| step_json(snapshot, s)).collect::<Vec<_>>(),
    })
}

fn path_json(snapshot: &Snapshot, result: &PathsResult, p: &Path) -> Value {
    json!({
        "from": p.from,
        "edges": p.edges.iter().filter_map(|&i| result.edges.get(i)).map(|e| edge_json(snapshot, e)).collect::<Vec<_>>(),
    })
}

fn gap_json(g: &Gap) -> Value {
    match g {
        Gap::ManagedPolicy { entity, policy } => {
            json!({"kind": "managed-policy", "entity": entity, "policy": policy})
        }
        Gap::Group { user, group } => json!({"kind": "group", "user": user, "group": group}),
        Gap::OrganizationChain { account } => {
            json!({"kind": "organization-chain", "account": account})
        }
        Gap::Unreadable { entity, policy } => {
            json!({"kind": "unreadable", "entity": entity, "policy": policy})
        }
    }
}

/// The JSON document (see the README, "Accounts: paths").
pub(crate) fn to_json(snapshot: &Snapshot, query: &PathsQuery, result: &PathsResult) -> Value {
    json!({
        "to": target_text(&query.to),
        "from": if query.from.is_empty() { Value::Null } else { json!(query.from) },
        "explored": result.explored,
        "paths": result.paths.iter().map(|p| path_json(snapshot, result, p)).collect::<Vec<_>>(),
        "already": result.already,
        "edges": result.edges.iter().map(|e| edge_json(snapshot, e)).collect::<Vec<_>>(),
        "incomplete": result.gaps.iter().map(gap_json).collect::<Vec<_>>(),
    })
}

fn ndjson(snapshot: &Snapshot, result: &PathsResult) -> String {
    let mut out = String::new();
    for p in &result.paths {
        out.push_str(&path_json(snapshot, result, p).to_string());
        out.push('\n');
    }
    out
}

fn human(snapshot: &Snapshot, query: &PathsQuery, result: &PathsResult) -> String {
    let mut out = String::new();
    let to = target_text(&query.to);
    for p in &result.paths {
        let _ = writeln!(
            out,
            "{} → {} ({} edge{})",
            escape_line(&p.from),
            escape_line(&to),
            p.edges.len(),
            if p.edges.len() == 1 { "" } else { "s" }
        );
        for (n, e) in p
            .edges
            .iter()
            .filter_map(|&i| result.edges.get(i))
            .enumerate()
        {
            let title = path_title(&e.via)
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            let through = e
                .through
                .as_ref()
                .map(|t| format!(" through {}", escape_line(t)))
                .unwrap_or_default();
            match e.via.as_str() {
                "is-admin" => {
                    let _ = writeln!(
                        out,
                        "  {}. {} is admin: allowed every action on every resource",
                        n + 1,
                        escape_line(&e.from)
                    );
                }
                "allowed" => {
                    let _ = writeln!(
                        out,
                        "  {}. {} is allowed {}",
                        n + 1,
                        escape_line(&e.from),
                        escape_line(&to)
                    );
                }
                via => {
                    let _ = writeln!(
                        out,
                        "  {}. {}{} → {}{}",
                        n + 1,
                        escape_line(via),
                        escape_line(&title),
                        escape_line(e.to.as_str()),
                        through
                    );
                }
            }
            for s in &e.steps {
                let ctx: Vec<String> = s.context.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let ctx = if ctx.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", ctx.join(", "))
                };
                let _ = writeln!(
                    out,
                    "       {} on {}{}",
                    escape_line(&s.action),
                    escape_line(&s.resource),
                    escape_line(&ctx)
                );
                for r in s
                    .reasons
                    .iter()
                    .filter(|r| r.effect == policy_core::Effect::Allow)
                {
                    let at = location(snapshot, r)
                        .map(|(f, l, c, _, _)| format!(" at {f}:{l}:{c}"))
                        .unwrap_or_default();
                    let sid = r
                        .sid
                        .as_deref()
                        .map_or_else(|| format!("#{}", r.statement + 1), |s| format!("`{s}`"));
                    let _ = writeln!(
                        out,
                        "         allowed by {} `{}` statement {}{}",
                        r.policy_type.as_str(),
                        escape_line(&r.policy),
                        escape_line(&sid),
                        escape_line(&at)
                    );
                }
                if !s.assumed_absent.is_empty() {
                    let _ = writeln!(
                        out,
                        "         while absent: {}",
                        escape_line(&s.assumed_absent.join(", "))
                    );
                }
            }
            if let Some(a) = &e.assumes {
                let _ = writeln!(out, "       if {} exists", escape_line(a));
            }
        }
    }
    if result.paths.is_empty() {
        let _ = writeln!(
            out,
            "no path to {} from {} principal(s) explored",
            escape_line(&to),
            result.explored
        );
    }
    if !result.already.is_empty() {
        let _ = writeln!(
            out,
            "already {}: {}",
            escape_line(&to),
            escape_line(&result.already.join(", "))
        );
    }
    for g in &result.gaps {
        let _ = writeln!(out, "incomplete: {}", escape_line(&gap_json(g).to_string()));
    }
    out
}

/// The statement that opens a path: the first allowing statement of its first step.
fn opening(result: &PathsResult, p: &Path) -> Option<Reason> {
    let e = result.edges.get(*p.edges.first()?)?;
    // The attacker's own statement first (identity), then a resource or trust policy; a
    // guardrail's allow (SCP, boundary) opens nothing.
    let allows = || {
        e.steps
            .iter()
            .flat_map(|s| s.reasons.iter())
            .filter(|r| r.effect == policy_core::Effect::Allow)
    };
    allows()
        .find(|r| r.policy_type == PolicyType::Identity)
        .or_else(|| allows().find(|r| r.policy_type == PolicyType::Resource))
        .or_else(|| allows().next())
        .cloned()
}

/// SARIF 2.1.0: a result per principal with a path, ruled by the first edge's path id.
pub(crate) fn sarif(snapshot: &Snapshot, result: &PathsResult) -> Value {
    let mut rules: Vec<Value> = Vec::new();
    let mut rule_ids: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for p in &result.paths {
        let Some(first) = p.edges.first().and_then(|&i| result.edges.get(i)) else {
            continue;
        };
        let rule = first.via.clone();
        let rule_index = match rule_ids.iter().position(|r| *r == rule) {
            Some(i) => i,
            None => {
                let entry = catalogue().iter().find(|c| c.id == rule);
                let mut r = json!({
                    "id": rule,
                    "name": entry.map_or("role-assumption", |c| c.name.as_str()),
                    "shortDescription": {"text": entry.map_or_else(|| format!("{rule}: a step towards the target"), |c| c.name.clone())},
                });
                if let (Some(c), Some(obj)) = (entry, r.as_object_mut()) {
                    obj.insert("helpUri".into(), json!(c.source));
                }
                rule_ids.push(rule.clone());
                rules.push(r);
                rule_ids.len() - 1
            }
        };
        let chain: Vec<String> = p
            .edges
            .iter()
            .filter_map(|&i| result.edges.get(i))
            .map(|e| format!("{} → {}", e.via, e.to.as_str()))
            .collect();
        let mut res = json!({
            "ruleId": rule,
            "ruleIndex": rule_index,
            "level": "error",
            "message": {"text": format!("`{}` can reach admin: {}", p.from, chain.join(", "))},
            "partialFingerprints": {"iampolPath/v1": format!("{}|{}", p.from, rule)},
        });
        if let (Some(loc), Some(obj)) = (
            opening(result, p).and_then(|r| location(snapshot, &r)),
            res.as_object_mut(),
        ) {
            let (file, sl, sc, el, ec) = loc;
            obj.insert(
                "locations".into(),
                json!([{"physicalLocation": {
                    "artifactLocation": {"uri": sarif_uri(&file)},
                    "region": {"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec + 1},
                }}]),
            );
        }
        results.push(res);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "iampol",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// A file name as a relative URI reference: `/` separators, and characters outside
/// RFC 3986's unreserved set and `/` percent-encoded.
fn sarif_uri(name: &str) -> String {
    let mut out = String::new();
    for b in name.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Escapes text for XML content and attribute values.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The nodes of the graph, sorted.
fn nodes(result: &PathsResult) -> Vec<String> {
    let mut v: Vec<String> = result
        .edges
        .iter()
        .flat_map(|e| [e.from.clone(), e.to.as_str().to_string()])
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The graph in `GraphML`: nodes by ARN (and `admin`), edges with `via`, `through`, `assumes`.
pub(crate) fn graphml(result: &PathsResult) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n  <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n  <key id=\"via\" for=\"edge\" attr.name=\"via\" attr.type=\"string\"/>\n  <key id=\"through\" for=\"edge\" attr.name=\"through\" attr.type=\"string\"/>\n  <key id=\"assumes\" for=\"edge\" attr.name=\"assumes\" attr.type=\"string\"/>\n  <key id=\"actions\" for=\"edge\" attr.name=\"actions\" attr.type=\"string\"/>\n  <graph id=\"paths\" edgedefault=\"directed\">\n",
    );
    for n in nodes(result) {
        let kind = if n == "admin" || n == "access" {
            "target"
        } else if n.contains(":role/") {
            "role"
        } else {
            "user"
        };
        let _ = writeln!(
            out,
            "    <node id=\"{}\"><data key=\"kind\">{kind}</data></node>",
            xml_escape(&n)
        );
    }
    for (i, e) in result.edges.iter().enumerate() {
        let _ = write!(
            out,
            "    <edge id=\"e{i}\" source=\"{}\" target=\"{}\"><data key=\"via\">{}</data>",
            xml_escape(&e.from),
            xml_escape(e.to.as_str()),
            xml_escape(&e.via)
        );
        if let Some(t) = &e.through {
            let _ = write!(out, "<data key=\"through\">{}</data>", xml_escape(t));
        }
        if let Some(a) = &e.assumes {
            let _ = write!(out, "<data key=\"assumes\">{}</data>", xml_escape(a));
        }
        let actions: Vec<&str> = e.steps.iter().map(|s| s.action.as_str()).collect();
        let _ = writeln!(
            out,
            "<data key=\"actions\">{}</data></edge>",
            xml_escape(&actions.join(" "))
        );
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

/// A DOT string literal.
fn dot_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The graph in Graphviz DOT.
pub(crate) fn dot(result: &PathsResult) -> String {
    let mut out = String::from("digraph paths {\n  rankdir=LR;\n");
    for n in nodes(result) {
        let shape = if n == "admin" || n == "access" {
            "doubleoctagon"
        } else if n.contains(":role/") {
            "ellipse"
        } else {
            "box"
        };
        let _ = writeln!(out, "  {} [shape={shape}];", dot_quote(&n));
    }
    for e in &result.edges {
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            dot_quote(&e.from),
            dot_quote(e.to.as_str()),
            dot_quote(&e.via)
        );
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read() {
        assert_eq!(parse_target("admin"), Ok(Target::Admin));
        assert_eq!(
            parse_target("s3:GetObject@arn:aws:s3:::b/k"),
            Ok(Target::Access {
                action: "s3:GetObject".into(),
                resource: "arn:aws:s3:::b/k".into()
            })
        );
        assert_eq!(
            parse_target("arn:aws:iam::111122223333:role/x"),
            Ok(Target::Principal("arn:aws:iam::111122223333:role/x".into()))
        );
        assert!(parse_target("nonsense").is_err());
    }

    #[test]
    fn xml_and_dot_escape() {
        assert_eq!(xml_escape("a<&>\"'"), "a&lt;&amp;&gt;&quot;&apos;");
        assert_eq!(dot_quote("a\"b\\"), "\"a\\\"b\\\\\"");
        assert_eq!(sarif_uri("dir/gaad file.json"), "dir/gaad%20file.json");
    }
}
