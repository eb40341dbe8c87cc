#!/usr/bin/env python3
"""Writes policy-lint/data/privesc-paths.json from pathfinding.cloud's catalogue.

    python3 scripts/convert-privesc-paths.py PATHFINDING_JSON > policy-lint/data/privesc-paths.json

PATHFINDING_JSON is the one-file JSON conversion of github.com/DataDog/pathfinding.cloud
`data/paths/**/*.yaml` (fields `id`, `name`, `category`, `prerequisites`, `_source_path`,
`_required_actions`, as described in policy-lint/data/privesc-paths.md). Keeps, per path, the
id, name, category, required permissions, the URL of its YAML file and, for paths that need
`iam:PassRole`, the service principals its prerequisites say the passed role must trust.
"""
import json
import re
import sys

COMMIT = "84dd65c97fc21dee54f4587be6dfd5b7b5fe320c"


def main(path):
    src = json.load(open(path, encoding="utf-8"))
    paths = []
    for p in src["paths"]:
        pre = p.get("prerequisites")
        text = json.dumps(pre) if pre else ""
        principals = sorted(set(re.findall(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com", text)))
        entry = {
            "id": p["id"],
            "name": p["name"],
            "category": p["category"],
            "required": p["_required_actions"],
            "url": f"https://github.com/DataDog/pathfinding.cloud/blob/{COMMIT}/{p['_source_path']}",
        }
        if "iam:PassRole" in p["_required_actions"]:
            # cloudformation-004 names no principal: its StackSet administration role is the
            # one CloudFormation assumes (CloudFormation User Guide, "Grant self-managed
            # permissions").
            if not principals and p["id"] == "cloudformation-004":
                principals = ["cloudformation.amazonaws.com"]
            entry["passed-to"] = principals
        paths.append(entry)
    out = {
        "source": f"github.com/DataDog/pathfinding.cloud@{COMMIT} data/paths/**/*.yaml "
        "(fields id, name, category, permissions.required[].permission; passed-to: the service "
        "principals named in prerequisites)",
        "licence": "Apache-2.0; see LICENSE-pathfinding-cloud.txt and NOTICE-pathfinding-cloud.txt",
        "count": len(paths),
        "paths": paths,
    }
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
