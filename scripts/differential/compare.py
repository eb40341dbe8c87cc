#!/usr/bin/env python3
"""Compare iampol's and iam-simulate's decisions on the same scenarios; write a JSON report and
print a summary.

    python3 scripts/differential/compare.py --scenarios DIR --iampol IAMPOL.jsonl \
        --iamsim IAMSIM.jsonl --report differential-report.json [--no-minimize] [--max-minimize N]

Every disagreeing scenario is first shrunk by reduce.py to a minimal scenario on which the two
engines still give the same two decisions. Disagreements are then grouped into classes by a
signature:
  "<iampol decision> -> <iam-simulate decision> | <request facts> | needs: <parts>"
Request facts are what no edit of the policies changes (principal kind, cross-account, special
actions); "needs" lists the parts left in the minimal scenario (policy layers, statement shapes,
condition operator:key pairs, context keys), every one of which the disagreement needs. With
--no-minimize the signature uses iampol's blockedBy and the layers present instead.

Known classes (triaged in corpus/eval/DIVERGENCES.md) are recognised by the rules in
known_classes.py and labelled with their id. Python standard library only.
"""

import argparse
import collections
import glob
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engines  # noqa: E402
import known_classes  # noqa: E402
import reduce  # noqa: E402

DECISIONS = ("allowed", "explicitDeny", "implicitDeny")


def load_scenarios(folder):
    out = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        with open(path) as f:
            items = json.load(f)
        for s in items if isinstance(items, list) else [items]:
            out[s["name"]] = (os.path.basename(path), s)
    return out


def sim_error_text(line):
    e = line.get("errors")
    if isinstance(e, dict):
        parts = [e.get("message", "")]
        for k, v in e.items():
            if k == "message":
                continue
            if isinstance(v, dict):
                for _, errs in v.items():
                    for x in errs or []:
                        parts.append(f"{k}: {x.get('message')}")
                        break
                    break
            elif isinstance(v, list) and v:
                first = v[0]
                parts.append(f"{k}: {first.get('message') if isinstance(first, dict) else first}")
        return " | ".join(p for p in parts if p)
    return str(e)[:300]


def minimized(disagreements, scenarios, pol, sim, workdir):
    """Each disagreeing scenario shrunk by reduce.minimize. Returns {name: minimal scenario}."""
    targets = {n: (pol[n]["decision"], sim[n]["decision"]) for n in disagreements}
    return reduce.minimize({n: scenarios[n][1] for n in disagreements}, targets, workdir=workdir,
                           log=lambda m: print(f"minimize: {m}", file=sys.stderr))


def needs_of(minimal):
    """The parts left in a minimal scenario: all of them are needed for the disagreement."""
    return sorted({label for _, label, _ in engines.components(minimal)})


def build_classes(rows):
    """Group disagreement rows into classes: the known class when a rule recognises the minimal
    scenario, else the signature."""
    classes = collections.OrderedDict()
    for row in rows:
        key = row["known"] or row["signature"]
        c = classes.setdefault(key, {"class": key, "known": row["known"], "count": 0, "decisions": collections.Counter(),
                                     "signatures": collections.Counter(), "examples": [], "smallest": None})
        c["count"] += 1
        c["decisions"][f"{row['iampol']} -> {row['iamsim']}"] += 1
        c["signatures"][row["signature"]] += 1
        if len(c["examples"]) < 5:
            c["examples"].append(row["name"])
        m = row.get("minimal")
        size = len(json.dumps(m)) if m is not None else 10 ** 9
        if c["smallest"] is None or size < c["smallest"][1]:
            c["smallest"] = (row["name"], size, m)
    class_list = sorted(classes.values(), key=lambda c: (c["known"] is None, -c["count"]))
    for c in class_list:
        c["decisions"] = dict(c["decisions"])
        c["signatures"] = dict(c["signatures"].most_common(10))
        name, _, m = c.pop("smallest")
        c["smallestExample"] = name
        c["minimalScenario"] = m
    return class_list


def classify_row(row, scenario, pol_line, sim_line):
    m = row.get("minimal")
    tags = engines.request_tags(scenario)
    row["known"] = known_classes.classify(m if m is not None else scenario, pol_line, sim_line, tags, row["needs"])
    return row


def signature(pol_d, sim_d, tags, needs):
    return f"{pol_d} -> {sim_d} | {', '.join(tags)} | needs: {', '.join(needs) if needs else '(nothing removable)'}"


def main(argv=None):
    ap = argparse.ArgumentParser(description="compare iampol and iam-simulate decisions")
    ap.add_argument("--scenarios", required=True)
    ap.add_argument("--iampol", required=True)
    ap.add_argument("--iamsim", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--no-minimize", action="store_true", help="group by blockedBy and layers instead")
    ap.add_argument("--max-minimize", type=int, default=5000, help="minimize at most this many disagreements")
    ap.add_argument("--workdir", help="folder for the minimizer's runs (default: next to the report)")
    ap.add_argument("--from-report", help="re-label the disagreements of this earlier report (no engine runs)")
    ap.add_argument("--meta", default="{}", help="JSON object merged into the report's `run` section")
    args = ap.parse_args(argv)

    t0 = time.time()
    scenarios = load_scenarios(args.scenarios)
    if args.from_report:
        # re-label an earlier report's disagreements (after editing known_classes.py), reusing its
        # minimal scenarios instead of running the engines again
        with open(args.from_report) as f:
            report = json.load(f)
        pol = engines.read_jsonl(args.iampol)
        sim = engines.read_jsonl(args.iamsim)
        for row in report["disagreements"]:
            classify_row(row, scenarios[row["name"]][1], pol[row["name"]], sim[row["name"]])
        report["classes"] = build_classes(report["disagreements"])
        report["unclassified"] = sum(c["count"] for c in report["classes"] if not c["known"])
        with open(args.report, "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")
        print_summary(report)
        return 0
    pol = engines.read_jsonl(args.iampol)
    sim = engines.read_jsonl(args.iamsim)

    mix = {"iampol": collections.Counter(), "iamsim": collections.Counter()}
    agree = 0
    compared = 0
    sim_errors = collections.defaultdict(list)
    pol_errors = collections.defaultdict(list)
    ignored_keys = collections.Counter()
    unsupported = collections.Counter()
    disagreements = []
    pairs = collections.Counter()
    for name, (fname, s) in scenarios.items():
        p, q = pol.get(name), sim.get(name)
        if p is None or p.get("decision") == "error":
            pol_errors[(p or {}).get("errors", "no output")[:300]].append(name)
            continue
        if q is None or q.get("decision") == "error":
            sim_errors[sim_error_text(q) if q else "no output"].append(name)
            continue
        for k in q.get("ignoredContextKeys") or []:
            ignored_keys[k] += 1
        for u in q.get("unsupported") or []:
            unsupported[u] += 1
        compared += 1
        mix["iampol"][p["decision"]] += 1
        mix["iamsim"][q["decision"]] += 1
        pairs[(p["decision"], q["decision"])] += 1
        if p["decision"] == q["decision"]:
            agree += 1
        else:
            disagreements.append(name)

    minimal = {}
    if not args.no_minimize and disagreements:
        workdir = args.workdir or os.path.join(os.path.dirname(os.path.abspath(args.report)), "minimize")
        minimal = minimized(disagreements[: args.max_minimize], scenarios, pol, sim, workdir)

    rows = []
    for name in disagreements:
        fname, s = scenarios[name]
        p, q = pol[name], sim[name]
        tags = engines.request_tags(s)
        m = minimal.get(name)
        if m is not None:
            needs = needs_of(m)
        else:
            needs = [f"blockedBy:{p.get('blockedBy')}"] + [f"layer:{engines.LAYER_LABEL[k]}" for k in engines.LAYERS if s.get(k)]
        row = {"name": name, "file": fname, "iampol": p["decision"], "iamsim": q["decision"],
               "iampolBlockedBy": p.get("blockedBy"), "iamsimBlockedBy": q.get("blockedBy"),
               "iamsimPerType": q.get("perType"), "needs": needs,
               "signature": signature(p["decision"], q["decision"], tags, needs), "known": None,
               "features": engines.features(s), "minimal": m}
        rows.append(classify_row(row, s, p, q))
    class_list = build_classes(rows)
    total = len(scenarios)
    report = {
        "run": {"scenarios": total, "compared": compared, "seconds": round(time.time() - t0, 1), **json.loads(args.meta)},
        "agreement": {"agree": agree, "disagree": len(disagreements),
                      "rate": round(agree / compared, 5) if compared else None},
        "decisionMix": {k: {d: v.get(d, 0) for d in DECISIONS} for k, v in mix.items()},
        "decisionPairs": {f"{a} -> {b}": n for (a, b), n in sorted(pairs.items(), key=lambda x: -x[1])},
        "iamsimErrors": [{"message": m, "count": len(ns), "examples": ns[:5]}
                         for m, ns in sorted(sim_errors.items(), key=lambda x: -len(x[1]))],
        "iampolErrors": [{"message": m, "count": len(ns), "examples": ns[:5]}
                         for m, ns in sorted(pol_errors.items(), key=lambda x: -len(x[1]))],
        "iamsimIgnoredContextKeys": dict(ignored_keys.most_common()),
        "iamsimUnsupported": dict(unsupported),
        "classes": class_list,
        "unclassified": sum(c["count"] for c in class_list if not c["known"]),
        "disagreements": rows,
    }
    with open(args.report, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    print_summary(report)
    return 0


def pct(n, d):
    return f"{100.0 * n / d:.2f}%" if d else "-"


def print_summary(r):
    run, a = r["run"], r["agreement"]
    print(f"scenarios: {run['scenarios']}   compared: {run['compared']}   "
          f"iam-simulate errors: {sum(e['count'] for e in r['iamsimErrors'])}   "
          f"iampol errors: {sum(e['count'] for e in r['iampolErrors'])}")
    print(f"agreement: {a['agree']}/{run['compared']} = {pct(a['agree'], run['compared'])}   disagreements: {a['disagree']}")
    for eng, label in (("iampol", "iampol      "), ("iamsim", "iam-simulate")):
        m = r["decisionMix"][eng]
        tot = sum(m.values())
        print(f"decision mix {label}: " + "  ".join(f"{d} {m[d]} ({pct(m[d], tot)})" for d in DECISIONS))
    if r["iamsimErrors"]:
        print("iam-simulate errors (input it rejects):")
        for e in r["iamsimErrors"]:
            print(f"  {e['count']:6d}  {e['message'][:160]}   e.g. {e['examples'][0]}")
    if r["iampolErrors"]:
        print("iampol errors:")
        for e in r["iampolErrors"]:
            print(f"  {e['count']:6d}  {e['message'][:160]}   e.g. {e['examples'][0]}")
    if r["iamsimIgnoredContextKeys"]:
        print("context keys iam-simulate dropped as not applicable: " +
              ", ".join(f"{k} ({n})" for k, n in r["iamsimIgnoredContextKeys"].items()))
    known = [c for c in r["classes"] if c["known"]]
    unknown = [c for c in r["classes"] if not c["known"]]
    print(f"disagreement classes: {len(known)} known (corpus/eval/DIVERGENCES.md), "
          f"{sum(c['count'] for c in unknown)} disagreements in {len(unknown)} unclassified signatures")
    for c in known + unknown:
        dec = ", ".join(f"{k}: {v}" for k, v in c["decisions"].items())
        print(f"  {c['count']:6d}  {c['class'][:200]}")
        print(f"          [{dec}] smallest example: {c['smallestExample']}")


if __name__ == "__main__":
    sys.exit(main())
