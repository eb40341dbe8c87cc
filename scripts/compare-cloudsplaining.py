#!/usr/bin/env python3
"""Compare cloudsplaining's and iampol's privilege-escalation and resource-exposure findings,
per principal, on the same `aws iam get-account-authorization-details` (GAAD) file.

    scripts/compare-cloudsplaining.py GAAD.json [--account SNAPSHOT] [--iampol BIN]
        [--cloudsplaining BIN] [--out-json FILE] [--out-md FILE] [--skip-iampol]
        [--max-what-can N]

What each side calls a finding:

* cloudsplaining (`cloudsplaining scan --input-file GAAD`, its `iam-results-*.json`) analyses
  each policy on its own: "Privilege Escalation" is a combination of actions from Rhino
  Security Labs' list that one policy allows on `*`; "Resource Exposure" is an action of the
  "Permissions management" access level that one policy allows without a resource constraint.
  Statements with a Condition are skipped, Deny statements, permissions boundaries and SCPs
  are not looked at. A principal's findings here are the union over its inline and attached
  policies and, for a user, its groups' policies (what the HTML report shows per principal).
* iampol: privilege escalation = `iampol paths --account SNAPSHOT --to admin --format json`
  finds a path from the principal to admin (every step checked by the evaluator with
  conditions, boundaries, SCPs and RCPs); resource exposure = the actions of the
  "Permissions management" access level that `iampol what-can --account SNAPSHOT --principal P
  --format json` lists as allowed on `*` with no residual condition.

Output: a JSON document (per principal: each tool's findings and the differences) and a
markdown summary with the wall time of each tool. Exit status 0 when it ran (differences are
data, not failures), 2 when a tool could not run.

The iampol commands (`paths`, `what-can`) are read defensively: a binary without them is
reported as missing and only cloudsplaining's side is written.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def peers_bin(name):
    peers = Path(os.environ.get("PEERS_DIR", Path.home() / ".cache" / "iampol-peers"))
    candidate = peers / "venv" / "bin" / name
    if candidate.exists():
        return str(candidate)
    return shutil.which(name)


# ---------------------------------------------------------------- cloudsplaining


def run_cloudsplaining(binary, gaad):
    out = Path(tempfile.mkdtemp(prefix="cs-compare-"))
    start = time.monotonic()
    proc = subprocess.run(
        [binary, "scan", "--input-file", str(gaad), "--output", str(out), "--skip-open-report"],
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-4000:])
        raise SystemExit(f"cloudsplaining failed with status {proc.returncode}")
    results = sorted(out.glob("iam-results-*.json"))
    if not results:
        raise SystemExit(f"cloudsplaining wrote no iam-results-*.json in {out}")
    data = json.loads(results[0].read_text())
    shutil.rmtree(out, ignore_errors=True)
    return data, wall


def cs_policy_findings(data, category, key):
    policy = data.get(category, {}).get(key)
    if not policy:
        return [], []
    pe = policy.get("PrivilegeEscalation", {}).get("findings", []) or []
    re_ = policy.get("ResourceExposure", {}).get("findings", []) or []
    name = policy.get("PolicyName", key)
    return [dict(f, policy=name) for f in pe], [(a, name) for a in re_]


def cs_entity_findings(data, entity):
    privesc, exposure = [], []
    for category in ("inline_policies", "aws_managed_policies", "customer_managed_policies"):
        for key in (entity.get(category) or {}):
            pe, re_ = cs_policy_findings(data, category, key)
            privesc += pe
            exposure += re_
    return privesc, exposure


def cloudsplaining_by_principal(data):
    """{arn: {"kind", "privesc": [{type, actions, policy}], "exposure": {action: [policies]}}}"""
    out = {}
    for kind in ("users", "roles"):
        for entity in data.get(kind, {}).values():
            privesc, exposure = cs_entity_findings(data, entity)
            if kind == "users":
                for group_name, group in (entity.get("groups") or {}).items():
                    # The user's entry embeds each group with its policy maps.
                    if not isinstance(group, dict):
                        group = data.get("groups", {}).get(group_name)
                    if group:
                        pe, re_ = cs_entity_findings(data, group)
                        privesc += pe
                        exposure += re_
            exp = {}
            for action, policy in exposure:
                exp.setdefault(action.lower(), set()).add(policy)
            seen, pe_unique = set(), []
            for f in privesc:
                if f["type"] not in seen:
                    seen.add(f["type"])
                    pe_unique.append({"type": f["type"], "actions": f.get("actions", []), "policy": f["policy"]})
            out[entity["arn"]] = {
                "kind": kind[:-1],
                "excluded": bool(entity.get("is_excluded")),
                "privesc": sorted(pe_unique, key=lambda f: f["type"]),
                "exposure": {a: sorted(p) for a, p in sorted(exp.items())},
            }
    return out


# ---------------------------------------------------------------- iampol


def iampol_has(binary, command):
    proc = subprocess.run([binary, command, "--help"], capture_output=True, text=True)
    return proc.returncode == 0


def run_json(cmd):
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - start
    if proc.returncode not in (0, 1):
        sys.stderr.write(f"{' '.join(cmd)}: status {proc.returncode}\n{proc.stderr[-3000:]}\n")
        return None, wall
    text = proc.stdout.strip()
    try:
        return json.loads(text), wall
    except json.JSONDecodeError:
        # NDJSON
        try:
            return [json.loads(line) for line in text.splitlines() if line.strip()], wall
        except json.JSONDecodeError as e:
            sys.stderr.write(f"{' '.join(cmd)}: output is not JSON: {e}\n")
            return None, wall


def walk(value):
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)


def iampol_paths(doc):
    """({principal arn: [path summaries]}, {principals already admin}) from
    `paths --to admin --format json`: `paths` (each `from` and `edges`, indexes into the
    top-level `edges` or the edges themselves, each with `via`, a pathfinding.cloud id) and
    `already`."""
    out, already = {}, set()
    if doc is None:
        return out, already
    if isinstance(doc, list):  # NDJSON: one object per path
        items, edges = doc, []
    else:
        items, edges = doc.get("paths", doc.get("findings", [])), doc.get("edges", [])
        for a in doc.get("already", []) or []:
            already.add(a if isinstance(a, str) else a.get("principal") or a.get("arn") or "")
    for path in items or []:
        if not isinstance(path, dict):
            continue
        source = path.get("from") or path.get("principal") or path.get("source")
        if isinstance(source, dict):
            source = source.get("arn") or source.get("principal")
        if not isinstance(source, str):
            continue
        kinds = []
        for e in path.get("edges") or path.get("steps") or []:
            if isinstance(e, int) and 0 <= e < len(edges):
                e = edges[e]
            if isinstance(e, dict):
                kinds.append(e.get("via") or e.get("kind") or e.get("id") or "?")
        out.setdefault(source, []).append({"steps": kinds})
    return out, already


PERMISSIONS_MANAGEMENT = {"permissions management", "permissions-management", "permissionsmanagement"}


def iampol_exposure(doc):
    """Permissions-management actions allowed on `*` with no residual condition."""
    found = {}
    if doc is None:
        return found
    for node in walk(doc):
        if not isinstance(node, dict):
            continue
        level = str(node.get("access_level") or node.get("accessLevel") or node.get("level") or "").lower()
        if level not in PERMISSIONS_MANAGEMENT:
            continue
        actions = node.get("actions") or ([node["action"]] if "action" in node else [])
        resources = node.get("resources") or node.get("resource") or []
        if isinstance(resources, str):
            resources = [resources]
        condition = node.get("condition") or node.get("conditions") or node.get("residual")
        if condition or (resources and "*" not in resources):
            continue
        for a in actions:
            name = a if isinstance(a, str) else (a.get("action") or a.get("name"))
            if name:
                found.setdefault(name.lower(), []).append("what-can")
    return found


# ---------------------------------------------------------------- compare


def compare(cs, ip_paths, ip_exposure, iampol_ran, already=frozenset()):
    rows = {}
    for arn in sorted(set(cs) | set(ip_paths) | set(ip_exposure)):
        c = cs.get(arn, {"privesc": [], "exposure": {}, "kind": "?"})
        row = {
            "kind": c.get("kind"),
            "cloudsplaining": {"privesc": c["privesc"], "exposure": sorted(c["exposure"])},
        }
        if iampol_ran:
            paths = ip_paths.get(arn, [])
            exposure = sorted(ip_exposure.get(arn, {}))
            row["iampol"] = {"paths_to_admin": paths, "already_admin": arn in already, "exposure": exposure}
            cs_pe, ip_pe = bool(c["privesc"]), bool(paths)
            diff = {}
            if cs_pe != ip_pe:
                if cs_pe and arn in already:
                    diff["privesc"] = "cloudsplaining escalation; iampol: already admin"
                else:
                    diff["privesc"] = "cloudsplaining only" if cs_pe else "iampol only"
            cs_x, ip_x = set(c["exposure"]), set(exposure)
            if cs_x - ip_x:
                diff["exposure_cloudsplaining_only"] = sorted(cs_x - ip_x)
            if ip_x - cs_x:
                diff["exposure_iampol_only"] = sorted(ip_x - cs_x)
            row["differences"] = diff
        rows[arn] = row
    return rows


def markdown(report):
    lines = [f"# cloudsplaining vs iampol on `{report['gaad']}`", ""]
    t = report["timing"]
    lines.append("| tool | wall time (s) |")
    lines.append("|---|---:|")
    lines.append(f"| cloudsplaining scan | {t['cloudsplaining_s']:.2f} |")
    if "iampol_paths_s" in t:
        lines.append(f"| iampol paths --to admin | {t['iampol_paths_s']:.2f} |")
    if "iampol_what_can_s" in t:
        lines.append(f"| iampol what-can ({t['what_can_principals']} principals) | {t['iampol_what_can_s']:.2f} |")
    lines.append("")
    s = report["summary"]
    lines.append(f"Principals: {s['principals']}; cloudsplaining privilege escalation: {s['cs_privesc']}, "
                 f"resource exposure: {s['cs_exposure']}.")
    if report["iampol"]["ran"]:
        lines.append(f"iampol paths to admin: {s['ip_privesc']}; resource exposure: {s['ip_exposure']}; "
                     f"principals with a difference: {s['differing']}.")
    else:
        lines.append(f"iampol side not run: {report['iampol']['why']}.")
    lines.append("")
    lines.append("| principal | cloudsplaining privilege escalation | iampol path to admin | exposure: cloudsplaining only | exposure: iampol only |")
    lines.append("|---|---|---|---|---|")
    for arn, row in report["principals"].items():
        cs = ", ".join(f["type"] for f in row["cloudsplaining"]["privesc"]) or "—"
        if "iampol" in row:
            ip = "; ".join(" → ".join(map(str, p["steps"])) or "yes" for p in row["iampol"]["paths_to_admin"]) or "—"
            d = row.get("differences", {})
            if not d and not row["cloudsplaining"]["privesc"] and not row["iampol"]["paths_to_admin"]:
                continue
            only_cs = ", ".join(d.get("exposure_cloudsplaining_only", [])[:8]) or "—"
            only_ip = ", ".join(d.get("exposure_iampol_only", [])[:8]) or "—"
        else:
            if not row["cloudsplaining"]["privesc"] and not row["cloudsplaining"]["exposure"]:
                continue
            ip, only_cs, only_ip = "(not run)", ", ".join(row["cloudsplaining"]["exposure"][:8]) or "—", "(not run)"
        lines.append(f"| `{arn}` | {cs} | {ip} | {only_cs} | {only_ip} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gaad", type=Path, help="a GAAD JSON file (one account)")
    ap.add_argument("--account", help="what to give iampol --account (default: the GAAD file)")
    ap.add_argument("--iampol", default=os.environ.get("IAMPOL", "target/release/iampol"))
    ap.add_argument("--cloudsplaining", default=peers_bin("cloudsplaining"))
    ap.add_argument("--out-json", type=Path)
    ap.add_argument("--out-md", type=Path)
    ap.add_argument("--skip-iampol", action="store_true")
    ap.add_argument("--cloudsplaining-results", type=Path,
                    help="an iam-results-*.json of an earlier `cloudsplaining scan` of GAAD (not run again)")
    ap.add_argument("--max-what-can", type=int, default=0,
                    help="run what-can for at most N principals (0: all)")
    args = ap.parse_args()

    if args.cloudsplaining_results:
        data, cs_wall = json.loads(args.cloudsplaining_results.read_text()), float("nan")
    elif not args.cloudsplaining:
        print("cloudsplaining not found: run ../shared/peers/install.sh (or set --cloudsplaining)", file=sys.stderr)
        return 2
    else:
        data, cs_wall = run_cloudsplaining(args.cloudsplaining, args.gaad)
    cs = cloudsplaining_by_principal(data)

    report = {
        "gaad": str(args.gaad),
        "timing": {"cloudsplaining_s": cs_wall},
        "iampol": {"ran": False, "why": "--skip-iampol"},
    }
    ip_paths, ip_exposure, ip_already = {}, {}, set()
    if not args.skip_iampol:
        account = args.account or str(args.gaad)
        missing = [c for c in ("paths", "what-can") if not (Path(args.iampol).exists() and iampol_has(args.iampol, c))]
        if missing:
            report["iampol"] = {"ran": False, "why": f"{args.iampol} lacks {', '.join(missing)}"}
        else:
            doc, wall = run_json([args.iampol, "paths", "--account", account, "--to", "admin", "--format", "json"])
            ip_paths, ip_already = iampol_paths(doc)
            report["timing"]["iampol_paths_s"] = wall
            principals = sorted(cs)
            if args.max_what_can:
                principals = principals[: args.max_what_can]
            total = 0.0
            for arn in principals:
                doc, wall = run_json([args.iampol, "what-can", "--account", account, "--principal", arn, "--format", "json"])
                total += wall
                exp = iampol_exposure(doc)
                if exp:
                    ip_exposure[arn] = exp
            report["timing"]["iampol_what_can_s"] = total
            report["timing"]["what_can_principals"] = len(principals)
            report["iampol"] = {"ran": True}

    rows = compare(cs, ip_paths, ip_exposure, report["iampol"]["ran"], ip_already)
    report["principals"] = rows
    report["summary"] = {
        "principals": len(cs),
        "cs_privesc": sum(1 for r in cs.values() if r["privesc"]),
        "cs_exposure": sum(1 for r in cs.values() if r["exposure"]),
        "ip_privesc": sum(1 for v in ip_paths.values() if v),
        "ip_already_admin": len(ip_already),
        "ip_exposure": len(ip_exposure),
        "differing": sum(1 for r in rows.values() if r.get("differences")),
    }
    text = json.dumps(report, indent=2, sort_keys=False)
    md = markdown(report)
    if args.out_json:
        args.out_json.write_text(text + "\n")
    if args.out_md:
        args.out_md.write_text(md)
    if not args.out_json and not args.out_md:
        print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
