#!/usr/bin/env python3
"""Compare iampol's and iam-simulate's decisions on the same scenarios; write a JSON report and
print a summary.

    python3 scripts/differential/compare.py --scenarios DIR --iampol IAMPOL.jsonl \
        --iamsim IAMSIM.jsonl --report differential-report.json [--no-ablate] [--max-ablate N]

Disagreements are grouped into classes by a signature:
  "<iampol decision> -> <iam-simulate decision> | <request facts> | needs: <parts>"
Request facts are what no edit of the policies changes (principal kind, cross-account, special
actions). "needs" comes from ablation: every removable part of the scenario (a policy layer, a
statement, one condition key, one context key) is removed in turn and both engines are run again;
the parts whose removal makes the engines agree are the ones the disagreement needs. With
--no-ablate the signature uses the blockedBy layers and the layers present instead.

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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engines  # noqa: E402
import known_classes  # noqa: E402

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


def ablate(disagreements, scenarios, workdir):
    """For each disagreeing scenario, the labels of the parts whose removal makes both engines
    agree. Returns {name: (needed labels, number of parts tried)}."""
    variants = []
    index = []  # (name, label)
    for name in disagreements:
        s = scenarios[name][1]
        for path, label, _kind in engines.components(s):
            v = engines.remove(s, path)
            v["name"] = f"{name}~{len(index)}"
            variants.append(v)
            index.append((name, label))
    if not variants:
        return {}
    pol, sim = engines.run_both(variants, workdir=workdir)
    needed = collections.defaultdict(set)
    tried = collections.Counter()
    for v, (name, label) in zip(variants, index):
        tried[name] += 1
        p, q = pol.get(v["name"]), sim.get(v["name"])
        if not p or not q or p["decision"] == "error" or q["decision"] == "error":
            continue
        if p["decision"] == q["decision"]:
            needed[name].add(label)
    return {name: (sorted(needed.get(name, ())), tried[name]) for name in disagreements}


def signature(pol_d, sim_d, tags, needs):
    return f"{pol_d} -> {sim_d} | {', '.join(tags)} | needs: {', '.join(needs) if needs else '(nothing removable)'}"


def main(argv=None):
    ap = argparse.ArgumentParser(description="compare iampol and iam-simulate decisions")
    ap.add_argument("--scenarios", required=True)
    ap.add_argument("--iampol", required=True)
    ap.add_argument("--iamsim", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--no-ablate", action="store_true")
    ap.add_argument("--max-ablate", type=int, default=5000, help="ablate at most this many disagreements")
    ap.add_argument("--workdir", help="folder for the ablation runs (default: next to the report)")
    ap.add_argument("--meta", default="{}", help="JSON object merged into the report's `run` section")
    args = ap.parse_args(argv)

    t0 = time.time()
    scenarios = load_scenarios(args.scenarios)
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

    ablation = {}
    if not args.no_ablate and disagreements:
        workdir = args.workdir or os.path.join(os.path.dirname(os.path.abspath(args.report)), "ablation")
        ablation = ablate(disagreements[: args.max_ablate], scenarios, workdir)

    classes = collections.OrderedDict()
    rows = []
    for name in disagreements:
        fname, s = scenarios[name]
        p, q = pol[name], sim[name]
        tags = engines.request_tags(s)
        if name in ablation:
            needs, tried = ablation[name]
        else:
            needs = [f"blockedBy:{p.get('blockedBy')}"] + [f"layer:{engines.LAYER_LABEL[k]}" for k in engines.LAYERS if s.get(k)]
            tried = 0
        sig = signature(p["decision"], q["decision"], tags, needs)
        known = known_classes.classify(s, p, q, tags, needs)
        row = {"name": name, "file": fname, "iampol": p["decision"], "iamsim": q["decision"],
               "iampolBlockedBy": p.get("blockedBy"), "iamsimBlockedBy": q.get("blockedBy"),
               "iamsimPerType": q.get("perType"), "needs": needs, "partsTried": tried,
               "signature": sig, "known": known, "features": engines.features(s)}
        rows.append(row)
        key = known or sig
        c = classes.setdefault(key, {"class": key, "known": known, "count": 0, "decisions": collections.Counter(),
                                     "signatures": collections.Counter(), "examples": [], "smallest": None})
        c["count"] += 1
        c["decisions"][f"{p['decision']} -> {q['decision']}"] += 1
        c["signatures"][sig] += 1
        if len(c["examples"]) < 5:
            c["examples"].append(name)
        size = len(json.dumps(s))
        if c["smallest"] is None or size < c["smallest"][1]:
            c["smallest"] = (name, size)

    class_list = sorted(classes.values(), key=lambda c: -c["count"])
    for c in class_list:
        c["decisions"] = dict(c["decisions"])
        c["signatures"] = dict(c["signatures"].most_common(10))
        c["smallestExample"] = c.pop("smallest")[0]
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
    print(f"disagreement classes: {len(r['classes'])}")
    for c in r["classes"]:
        dec = ", ".join(f"{k}: {v}" for k, v in c["decisions"].items())
        print(f"  {c['count']:6d}  {c['class'][:200]}")
        print(f"          [{dec}] smallest example: {c['smallestExample']}")


if __name__ == "__main__":
    sys.exit(main())
