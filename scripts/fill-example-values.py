#!/usr/bin/env python3
"""Copy AWS example policies with their placeholders filled in.

AWS's sample SCPs, RCPs and data-perimeter policies carry placeholders such as
`<my-org-id>`, `<region>`, `[PRIVILEGED_ROLE]` and `${Account}` that a user
replaces before use. This script copies a tree of such files and replaces each
placeholder with a plausible value of its kind, so the result is what a user
would deploy and `iampol lint --isolated` can be held to "no error, no warning".

usage: fill-example-values.py SRC_DIR DST_DIR
"""
import pathlib
import re
import sys

# Values of the right shape for each kind of placeholder (documentation ranges:
# account ids from the IAM User Guide's examples, CIDRs from RFC 5737).
KNOWN = {
    "region": "us-east-1",
    "my-vpc-region": "us-east-1",
    "my-vpc-region-2": "us-west-2",
    "RegionWithoutDashes": "useast1",
    "my-org-id": "o-a1b2c3d4e5",
    "my-vpc": "vpc-0a1b2c3d4e5f60718",
    "my-vpc-in-this-region": "vpc-0a1b2c3d4e5f60718",
    "my-corporate-cidr": "203.0.113.0/24",
    "my-account-id": "111122223333",
    "account_id": "111122223333",
    "third-party-account-a": "444455556666",
    "third-party-account-b": "777788889999",
    "load-balancing-account-id": "127311923021",
    "fin-space-account-id": "123456789012",
    "glue-account-id": "210987654321",
    "CodeArtifact-Region-Account": "us-east-1-123456789012",
    "third-party-resource-arn": "arn:aws:s3:::example-partner-bucket",
    # The s3 endpoint policy writes `<action>` on `<third-party-resource-arn>`, filled with a
    # bucket ARN: a bucket-level action (SAR, Amazon S3: ListBucket acts on `bucket`).
    "action": "s3:ListBucket",
    "YOUR_SIGNING_ALGORITHM": "ES384",
}
ACCOUNT_LIKE = re.compile(r"account", re.I)


def fill(text: str) -> str:
    def angle(m: re.Match) -> str:
        name = m.group(1)
        if name in KNOWN:
            return KNOWN[name]
        if ACCOUNT_LIKE.search(name):
            return "111122223333"
        return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "example"

    text = re.sub(r"<([A-Za-z][A-Za-z0-9_ -]{0,59})>", angle, text)
    text = text.replace("${Account}", "111122223333")
    # [PRIVILEGED_ROLE] and the like inside ARNs and values.
    text = re.sub(r"\[([A-Z][A-Z0-9_]{2,40})\]", lambda m: m.group(1).lower().replace("_", "-"), text)
    return text


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    n = 0
    for path in sorted(src.rglob("*.json")):
        out = dst / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(fill(path.read_text(encoding="utf-8")), encoding="utf-8")
        n += 1
    print(f"filled {n} files into {dst}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
