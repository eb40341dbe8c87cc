#!/usr/bin/env python3
"""Shrink disagreeing scenarios to minimal ones that still make iampol and iam-simulate disagree
the same way (same pair of decisions).

    python3 scripts/differential/reduce.py SCENARIOS.json|DIR [--name NAME ...] [--out FILE]

Prints (or writes) a JSON array of the minimized scenarios. Each step removes parts (a policy
layer, a statement, a condition key, a context key, one entry of a list-valued element) and keeps
the removal when both engines still give the same two decisions; candidates for many scenarios are
evaluated in one batch per step, so minimizing hundreds of scenarios takes a few engine runs. The
result is 1-minimal: removing any single remaining part makes the engines agree (or changes the
disagreement). Python standard library only; see engines.py for IAMPOL and IAMSIM_DIR.
"""

import argparse
import copy
import glob
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engines  # noqa: E402

LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")


def candidates(s):
    """Removable parts of a scenario: (path, label). Components first, then single entries of
    list-valued elements (only from lists of two or more, so no element becomes empty)."""
    out = [(path, label) for path, label, _ in engines.components(s)]
    for layer, path, doc in engines.policies(s):
        for idx, st in engines.statements(doc):
            spath = path + ("Statement",) + ((idx,) if idx is not None else ())
            for el in LIST_ELEMENTS:
                v = st.get(el)
                if isinstance(v, list) and len(v) > 1:
                    out += [(spath + (el, i), f"item:{layer}:{el}") for i in range(len(v))]
            for el in ("Principal", "NotPrincipal"):
                v = st.get(el)
                if isinstance(v, dict):
                    if len(v) > 1:
                        out += [(spath + (el, k), f"item:{layer}:{el}") for k in v]
                    for k, vals in v.items():
                        if isinstance(vals, list) and len(vals) > 1:
                            out += [(spath + (el, k, i), f"item:{layer}:{el}") for i in range(len(vals))]
            for op, keys in (st.get("Condition") or {}).items():
                for k, vals in (keys or {}).items():
                    if isinstance(vals, list) and len(vals) > 1:
                        out += [(spath + ("Condition", op, k, i), f"item:{layer}:condition-value") for i in range(len(vals))]
            if "Sid" in st:
                out.append((spath + ("Sid",), "sid"))
        if isinstance(doc, dict) and "Id" in doc:
            out.append((path + ("Id",), "id"))
    for k, v in (s.get("context") or {}).items():
        if isinstance(v, list) and len(v) > 1:
            out += [(("context", k, i), "item:context") for i in range(len(v))]
    # keys AWS derives from the principal stay: without them the scenario describes a request AWS
    # never makes, and the two engines read such a gap differently (iampol derives the key,
    # iam-simulate does not), so the reduction would drift to that instead of the real cause
    return [(p, lbl) for p, lbl in out if not (p[0] == "context" and p[1].lower() in DERIVED)]


DERIVED = {"aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username", "aws:userid",
           "aws:principalisawsservice", "aws:resourceaccount", "aws:principalservicename"}


def drop_unused_derived(s):
    """The derived keys no policy mentions can go: they cannot change either engine's answer."""
    text = json.dumps({k: v for k, v in s.items() if k != "context"}).lower()
    ctx = s.get("context") or {}
    keep = {k: v for k, v in ctx.items() if k.lower() not in DERIVED or k.lower() in text}
    out = dict(s)
    if keep:
        out["context"] = keep
    else:
        out.pop("context", None)
    return out


def well_formed(s):
    """The statements still have what every engine requires."""
    for layer, _, doc in engines.policies(s):
        sts = engines.statements(doc)
        if not sts:
            return False
        for _, st in sts:
            if "Effect" not in st or not ("Action" in st or "NotAction" in st):
                return False
            if layer != "resource" or s["action"].lower() != "sts:assumerole":
                if not ("Resource" in st or "NotResource" in st):
                    return False
            if layer in ("resource", "rcp", "vpce") and not ("Principal" in st or "NotPrincipal" in st):
                return False
            for el in ("Action", "NotAction", "Resource", "NotResource"):
                if el in st and st[el] in ([], ""):
                    return False
    return True


def remove_many(s, paths):
    """Remove several parts at once (deepest and highest index first, so earlier removals do not
    shift later paths); None when the result is not well formed."""
    out = copy.deepcopy(s)
    for path in sorted(paths, key=lambda p: [(0, x) if isinstance(x, int) else (1, str(x)) for x in p], reverse=True):
        try:
            engines._remove(out, list(path))
        except (KeyError, IndexError, TypeError):
            continue
    return out if well_formed(out) else None


def pair(pol, sim, name):
    p, q = pol.get(name), sim.get(name)
    if not p or not q or p.get("decision") == "error" or q.get("decision") == "error":
        return None
    return (p["decision"], q["decision"])


def minimize(scenarios, targets, workdir=None, max_rounds=40, log=None):
    """scenarios: {name: scenario}; targets: {name: (iampol decision, iam-simulate decision)}.
    Returns {name: minimized scenario}."""
    current = {n: copy.deepcopy(s) for n, s in scenarios.items()}
    active = set(current)
    for rnd in range(max_rounds):
        if not active:
            break
        # 1. every single removal
        variants, index = [], []
        for n in sorted(active):
            for path, _label in candidates(current[n]):
                v = engines.remove(current[n], path) if len(path) else None
                if v is None or not well_formed(v):
                    continue
                v["name"] = f"{n}~{len(index)}"
                variants.append(v)
                index.append((n, path))
        if not variants:
            break
        pol, sim = engines.run_both(variants, workdir=workdir)
        keep = {}
        for v, (n, path) in zip(variants, index):
            if pair(pol, sim, v["name"]) == targets[n]:
                keep.setdefault(n, []).append((path, v))
        done = active - set(keep)
        active -= done
        if not keep:
            break
        # 2. all the removals that kept the disagreement, at once; else the one that shrinks most
        combos, combo_index = [], []
        for n, items in keep.items():
            both = remove_many(current[n], [p for p, _ in items])
            if both is not None and len(items) > 1:
                both["name"] = f"{n}~all"
                combos.append(both)
                combo_index.append(n)
        ok = set()
        if combos:
            pol2, sim2 = engines.run_both(combos, workdir=workdir)
            for v, n in zip(combos, combo_index):
                if pair(pol2, sim2, v["name"]) == targets[n]:
                    v = copy.deepcopy(v)
                    v["name"] = n
                    current[n] = v
                    ok.add(n)
        for n, items in keep.items():
            if n in ok:
                continue
            best = min(items, key=lambda it: len(json.dumps(it[1])))[1]
            best = copy.deepcopy(best)
            best["name"] = n
            current[n] = best
        if log:
            log(f"round {rnd + 1}: {len(variants)} candidates, {len(keep)} scenarios shrank, {len(active)} still shrinking")
    return {n: drop_unused_derived(s) for n, s in current.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="a scenario file or a folder of them")
    ap.add_argument("--name", action="append", help="only these scenarios (default: every disagreeing one)")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    files = sorted(glob.glob(os.path.join(args.input, "*.json"))) if os.path.isdir(args.input) else [args.input]
    scenarios = {}
    for f in files:
        with open(f) as fh:
            items = json.load(fh)
        for s in items if isinstance(items, list) else [items]:
            if not args.name or s["name"] in args.name:
                scenarios[s["name"]] = s
    pol, sim = engines.run_both(list(scenarios.values()))
    targets = {}
    for n in scenarios:
        pr = pair(pol, sim, n)
        if pr and pr[0] != pr[1]:
            targets[n] = pr
        else:
            print(f"{n}: the engines agree ({pr}); nothing to reduce", file=sys.stderr)
    mins = minimize({n: scenarios[n] for n in targets}, targets, log=lambda m: print(m, file=sys.stderr))
    out = []
    for n, s in mins.items():
        s = dict(s)
        s["source"] = f"differential: iampol {targets[n][0]}, iam-simulate {targets[n][1]}"
        out.append(s)
    text = json.dumps(out, indent=1) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
