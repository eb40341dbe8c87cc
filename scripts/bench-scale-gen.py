#!/usr/bin/env python3
"""Synthetic inputs of any size for scripts/bench-scale.sh (not part of CI).

    bench-scale-gen.py policy N OUT        one identity policy of N statements
    bench-scale-gen.py scenarios N OUT     N eval scenarios, OUT as one line, OUT.pretty.json indented
    bench-scale-gen.py trail OUT           a small CloudTrail file of the principal PRINCIPAL

The output depends only on the arguments (fixed seed). The policy has distinct Sids, a mix of
services, exact and wildcard actions, bucket/table/queue resources drawn from a pool about a tenth
of N (so statements overlap), conditions on about a third of the statements, and, on purpose,
exact duplicates, narrower copies of earlier statements (redundant-statement has work) and a few
`Deny` statements that cancel earlier `Allow`s (shadowed-statement has work). Actions and resources
use the names of the trail, so `tighten` keeps some of each statement and drops others.
"""

import json
import random
import sys

PRINCIPAL = "arn:aws:iam::111122223333:user/alice"
ACCOUNT = "111122223333"

# Per service: exact actions (from the IAM service reference), wildcard actions, resource ARN maker.
SERVICES = {
    "s3": (
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging", "s3:ListBucket"],
        ["s3:Get*", "s3:Put*", "s3:List*", "s3:*Object"],
        lambda k, sub: f"arn:aws:s3:::bucket-{k}/{sub}*" if sub else f"arn:aws:s3:::bucket-{k}/*",
    ),
    "dynamodb": (
        ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"],
        ["dynamodb:Get*", "dynamodb:Batch*"],
        lambda k, sub: f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/table-{k}{sub}",
    ),
    "sqs": (
        ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        ["sqs:*Message", "sqs:Get*"],
        lambda k, sub: f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue-{k}{sub}",
    ),
    "kms": (
        ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        ["kms:Generate*", "kms:Describe*"],
        lambda k, sub: f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{k:08d}-0000-4000-8000-{k:012d}",
    ),
    "logs": (
        ["logs:PutLogEvents", "logs:CreateLogStream", "logs:GetLogEvents"],
        ["logs:Get*", "logs:Create*"],
        lambda k, sub: f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/app/group-{k}{sub}:*",
    ),
}
NAMES = sorted(SERVICES)


def conditions(rng):
    roll = rng.random()
    if roll < 0.12:
        return {"IpAddress": {"aws:SourceIp": [f"203.0.{rng.randrange(256)}.0/24"]}}
    if roll < 0.24:
        return {"StringEquals": {"aws:RequestedRegion": rng.choice(["us-east-1", "eu-west-1"])}}
    if roll < 0.30:
        return {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return None


def statement(rng, i, pool):
    service = rng.choice(NAMES)
    exact, wild, arn = SERVICES[service]
    actions = rng.sample(exact, rng.randint(1, min(3, len(exact))))
    if rng.random() < 0.25:
        actions.append(rng.choice(wild))
    resources = []
    for _ in range(rng.randint(1, 2)):
        sub = rng.choice(["", "", "", "logs/", "data/"])
        resources.append(arn(rng.randrange(pool), sub))
    s = {"Sid": f"S{i}", "Effect": "Allow", "Action": actions, "Resource": resources}
    cond = conditions(rng)
    if cond:
        s["Condition"] = cond
    return s


def policy(n):
    rng = random.Random(n * 7919 + 1)
    pool = max(10, n // 10)
    out, plain = [], []
    for i in range(n):
        roll = rng.random()
        if out and roll < 0.05:
            # An exact copy of an earlier statement under a new Sid.
            s = dict(rng.choice(out))
            s["Sid"] = f"S{i}"
        elif plain and roll < 0.10:
            # A narrower copy with a condition: one of its actions and resources.
            base = rng.choice(plain)
            s = {
                "Sid": f"S{i}",
                "Effect": base["Effect"],
                "Action": [rng.choice(base["Action"])],
                "Resource": [rng.choice(base["Resource"])],
                "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
            }
        elif roll < 0.12:
            # A Deny that cancels what some earlier Allow grants (or nothing yet).
            s = statement(rng, i, pool)
            s["Effect"] = "Deny"
            s.pop("Condition", None)
            s["Action"] = [f"{s['Action'][0].split(':')[0]}:*"]
        elif roll < 0.125:
            # Broad statements: a whole service on its resource type, or NotAction.
            service = rng.choice(NAMES)
            s = {"Sid": f"S{i}", "Effect": "Allow", "Action": f"{service}:*",
                 "Resource": SERVICES[service][2](rng.randrange(pool), "")}
            if rng.random() < 0.3:
                s = {"Sid": f"S{i}", "Effect": "Allow", "NotAction": f"{service}:*",
                     "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
        else:
            s = statement(rng, i, pool)
        out.append(s)
        if isinstance(s.get("Action"), list):
            plain.append(s)
    return {"Version": "2012-10-17", "Statement": out}


def scenarios(n):
    rng = random.Random(n * 104729 + 3)
    out = []
    for i in range(n):
        service = rng.choice(NAMES)
        exact, _, arn = SERVICES[service]
        action = rng.choice(exact)
        k = rng.randrange(50)
        resource = arn(k, "").rstrip("*") + ("object" if service == "s3" else "")
        allow = {"Effect": "Allow", "Action": f"{service}:*", "Resource": "*"}
        deny = {"Sid": "DenyOther", "Effect": "Deny", "Action": action,
                "Resource": arn((k + 1) % 50, "") + ("x" if service != "s3" else "")}
        statements = [allow, deny] if rng.random() < 0.5 else [deny]
        scenario = {
            "name": f"scale-{i}",
            "principal": f"arn:aws:iam::{ACCOUNT}:user/user-{i % 97}",
            "action": action,
            "resource": resource,
            "identityPolicies": [
                {"name": "p", "policy": {"Version": "2012-10-17", "Statement": statements}}
            ],
            "expect": "allowed" if len(statements) == 2 else "implicitDeny",
            "source": "synthetic (scripts/bench-scale-gen.py)",
        }
        if service == "s3":
            scenario["resourceAccount"] = ACCOUNT
        out.append(scenario)
    return out


def trail():
    rng = random.Random(42)
    records = []
    calls = {
        "s3": [("GetObject", "s3.amazonaws.com"), ("PutObject", "s3.amazonaws.com")],
        "dynamodb": [("GetItem", "dynamodb.amazonaws.com"), ("Query", "dynamodb.amazonaws.com")],
        "sqs": [("SendMessage", "sqs.amazonaws.com")],
        "kms": [("Decrypt", "kms.amazonaws.com")],
        "logs": [("PutLogEvents", "logs.amazonaws.com")],
    }
    for n in range(300):
        service = NAMES[n % len(NAMES)]
        name, source = rng.choice(calls[service])
        k = rng.randrange(40)
        params = {
            "s3": {"bucketName": f"bucket-{k}", "key": f"data/{n}.csv"},
            "dynamodb": {"tableName": f"table-{k}"},
            "sqs": {"queueUrl": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/queue-{k}"},
            "kms": {"keyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{k:08d}-0000-4000-8000-{k:012d}"},
            "logs": {"logGroupName": f"/app/group-{k}", "logStreamName": "s"},
        }[service]
        records.append({
            "eventVersion": "1.09",
            "userIdentity": {"type": "IAMUser", "arn": PRINCIPAL, "accountId": ACCOUNT,
                             "userName": "alice"},
            "eventTime": f"2024-08-01T10:{(n // 60) % 60:02}:{n % 60:02}Z",
            "eventSource": source,
            "eventName": name,
            "awsRegion": "us-east-1",
            "sourceIPAddress": "203.0.113.7",
            "requestParameters": params,
            "eventType": "AwsApiCall",
            "recipientAccountId": ACCOUNT,
        })
    return {"Records": records}


def main():
    what = sys.argv[1]
    if what == "policy":
        with open(sys.argv[3], "w", encoding="utf-8") as f:
            json.dump(policy(int(sys.argv[2])), f, indent=1)
    elif what == "scenarios":
        data = scenarios(int(sys.argv[2]))
        with open(sys.argv[3], "w", encoding="utf-8") as f:
            json.dump(data, f, separators=(",", ":"))
        with open(sys.argv[3].removesuffix(".json") + ".pretty.json", "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
    elif what == "trail":
        with open(sys.argv[2], "w", encoding="utf-8") as f:
            json.dump(trail(), f)
    else:
        sys.exit(f"unknown input kind {what!r}")


if __name__ == "__main__":
    main()
