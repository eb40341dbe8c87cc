#!/usr/bin/env python3
"""Per-code finding counts of two iampol binaries on the same inputs, side by side.

Used to report how a change moves findings on the corpora (the AWS managed policies, the
CloudFormation/Terraform templates): for each code, the number of findings and of files
with that code, before and after.

usage: finding-counts.py BEFORE_BINARY AFTER_BINARY PATH... [-- EXTRA LINT ARGS]
"""
import collections
import json
import subprocess
import sys


def counts(binary, paths, extra):
    out = subprocess.run(
        [binary, "lint", "--isolated", "--exit-zero", "--output-format", "json", *extra, *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode not in (0, 1):
        sys.exit(f"{binary}: exit {out.returncode}: {out.stderr[:500]}")
    findings = json.loads(out.stdout or "[]")
    by_code = collections.Counter(f["code"] for f in findings)
    files = collections.defaultdict(set)
    for f in findings:
        files[f["code"]].add(f["path"])
    names = {f["code"]: f["name"] for f in findings}
    return by_code, {c: len(p) for c, p in files.items()}, names


def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        i = args.index("--")
        args, extra = args[:i], args[i + 1 :]
    if len(args) < 3:
        sys.exit(__doc__)
    before, after, paths = args[0], args[1], args[2:]
    b, bf, bn = counts(before, paths, extra)
    a, af, an = counts(after, paths, extra)
    names = {**bn, **an}
    print("| code | rule | findings before | after | files before | after |")
    print("|---|---|---|---|---|---|")
    for code in sorted(set(b) | set(a)):
        mark = "" if b[code] == a[code] else " *"
        print(
            f"| {code}{mark} | {names.get(code, '')} | {b[code]} | {a[code]} | {bf.get(code, 0)} | {af.get(code, 0)} |"
        )
    print(f"| all | | {sum(b.values())} | {sum(a.values())} | | |")


if __name__ == "__main__":
    main()
