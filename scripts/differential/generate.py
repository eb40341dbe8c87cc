#!/usr/bin/env python3
"""Seeded random scenario generator for differential tests of `iampol eval` against iam-simulate.

    python3 scripts/differential/generate.py --count 10000 --seed 1 --out OUT_DIR [--per-file 500]

Writes OUT_DIR/batch-0001.json, batch-0002.json, ... (JSON arrays of scenarios in the format of
`iampol eval`, without `expect`) and prints the number of scenarios written. The same seed always
gives the same scenarios (Python's `random.Random` is stable across platforms and versions for the
methods used here).

What a scenario holds (see scripts/differential/README.md for the full list):
- a principal: IAM user (with or without a path), role, role session, federated user, account
  root, anonymous, AWS service principal or service-linked role, in the resource's account or
  another one;
- an action from a fixed list of real actions (wildcard-only ones such as s3:ListAllMyBuckets,
  iam:ListRoles included) and a matching resource ARN;
- identity policies (1-4 statements each: Allow/Deny, Action/NotAction with exact, `*` and `?`
  patterns, Resource/NotResource, conditions of every operator family, IfExists,
  ForAllValues/ForAnyValue, policy variables with defaults and `${*}`);
- sometimes a resource policy (trust policy for sts:AssumeRole, key policy for kms), permissions
  boundary, session policy, SCP chain of 1-3 levels, RCPs, VPC endpoint policies and a
  management account;
- a request context: the keys AWS derives from the principal (filled in explicitly, because
  iam-simulate does not derive them), plus global and service keys that are present, missing or
  multivalued, in random order.

Statements are biased towards the request (their actions and resources often match it) so that
the decisions are a mix of allowed, explicitDeny and implicitDeny rather than mostly implicitDeny.
Python standard library only.
"""

import argparse
import json
import os
import random
import sys

HOME = "111111111111"
OTHER = "222222222222"
THIRD = "333333333333"
ORG = "o-a1b2c3d4e5"
OTHER_ORG = "o-zz9988776655"
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]

# --------------------------------------------------------------------------------------------
# Principals


def principal_pool(acct):
    """Every principal the generator knows in one account: (weight, description)."""
    return [
        (14, {"kind": "user", "arn": f"arn:aws:iam::{acct}:user/alice", "name": "alice", "id": "AIDAALICEEXAMPLE1"}),
        (5, {"kind": "user", "arn": f"arn:aws:iam::{acct}:user/bob", "name": "bob", "id": "AIDABOBEXAMPLE002"}),
        (4, {"kind": "user", "arn": f"arn:aws:iam::{acct}:user/division/carol", "name": "carol", "id": "AIDACAROLEXAMPLE3"}),
        (5, {"kind": "role", "arn": f"arn:aws:iam::{acct}:role/dev", "name": "dev", "role_arn": f"arn:aws:iam::{acct}:role/dev", "id": "AROADEVEXAMPLE001"}),
        (12, {"kind": "session", "arn": f"arn:aws:sts::{acct}:assumed-role/dev/alice-session", "name": "dev", "session": "alice-session",
              "role_arn": f"arn:aws:iam::{acct}:role/dev", "id": "AROADEVEXAMPLE001:alice-session"}),
        (6, {"kind": "session", "arn": f"arn:aws:sts::{acct}:assumed-role/admin/ci-build", "name": "admin", "session": "ci-build",
             "role_arn": f"arn:aws:iam::{acct}:role/ops/admin", "id": "AROAADMINEXAMPLE2:ci-build"}),
        (6, {"kind": "federated", "arn": f"arn:aws:sts::{acct}:federated-user/dave", "name": "dave", "id": f"{acct}:dave",
             "fed_user": f"arn:aws:iam::{acct}:user/alice"}),
        (4, {"kind": "root", "arn": f"arn:aws:iam::{acct}:root", "name": "root", "id": acct}),
        (3, {"kind": "slr", "arn": f"arn:aws:iam::{acct}:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk",
             "name": "AWSServiceRoleForElasticBeanstalk",
             "role_arn": f"arn:aws:iam::{acct}:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk",
             "id": "AROASLREXAMPLE0001"}),
    ]


SERVICE_PRINCIPALS = ["lambda.amazonaws.com", "cloudtrail.amazonaws.com", "events.amazonaws.com", "sns.amazonaws.com"]


def pick_principal(rng):
    r = rng.random()
    if r < 0.06:
        return {"kind": "anonymous", "arn": "anonymous", "name": "anonymous"}
    if r < 0.12:
        svc = rng.choice(SERVICE_PRINCIPALS)
        return {"kind": "service", "arn": svc, "name": svc}
    acct = HOME if rng.random() < 0.8 else OTHER
    pool = principal_pool(acct)
    p = dict(weighted(rng, pool))
    p["account"] = acct
    return p


def weighted(rng, pairs):
    total = sum(w for w, _ in pairs)
    x = rng.uniform(0, total)
    for w, v in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][1]


# --------------------------------------------------------------------------------------------
# Actions and resources. Each entry: action, resource templates ({acct}, {region}, {user}),
# wildcard-only flag, service condition keys that apply to it.

S3_OBJECT = ["arn:aws:s3:::example-bucket/home/{user}/notes.txt", "arn:aws:s3:::example-bucket/public/index.html",
             "arn:aws:s3:::logs-bucket/2024/06/app.log", "arn:aws:s3:::data-prod/private/report.csv",
             "arn:aws:s3:::example-bucket/home/{user}/photos/cat.jpg"]
S3_BUCKET = ["arn:aws:s3:::example-bucket", "arn:aws:s3:::logs-bucket", "arn:aws:s3:::data-prod"]
IAM_USER = ["arn:aws:iam::{acct}:user/{user}", "arn:aws:iam::{acct}:user/bob", "arn:aws:iam::{acct}:user/division/carol"]
IAM_ROLE = ["arn:aws:iam::{acct}:role/dev", "arn:aws:iam::{acct}:role/ops/admin", "arn:aws:iam::{acct}:role/app-role"]
IAM_ROLE_RESERVED = ["arn:aws:iam::{acct}:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk"]
EC2_INSTANCE = ["arn:aws:ec2:{region}:{acct}:instance/i-0abc1234def567890", "arn:aws:ec2:{region}:{acct}:instance/i-0fff0000aaaa11112"]
DDB_TABLE = ["arn:aws:dynamodb:{region}:{acct}:table/Orders", "arn:aws:dynamodb:{region}:{acct}:table/Users"]
LAMBDA_FN = ["arn:aws:lambda:{region}:{acct}:function:orders-api", "arn:aws:lambda:{region}:{acct}:function:dev-worker"]
SQS_QUEUE = ["arn:aws:sqs:{region}:{acct}:orders-queue", "arn:aws:sqs:{region}:{acct}:dev-jobs"]
SNS_TOPIC = ["arn:aws:sns:{region}:{acct}:alerts", "arn:aws:sns:{region}:{acct}:dev-events"]
KMS_KEY = ["arn:aws:kms:{region}:{acct}:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
SECRET = ["arn:aws:secretsmanager:{region}:{acct}:secret:prod/db-AbCdEf", "arn:aws:secretsmanager:{region}:{acct}:secret:dev/api-key-Gh1jK2"]
SSM_PARAM = ["arn:aws:ssm:{region}:{acct}:parameter/app/db-password", "arn:aws:ssm:{region}:{acct}:parameter/dev/feature-flag"]
LOG_GROUP = ["arn:aws:logs:{region}:{acct}:log-group:/app/web", "arn:aws:logs:{region}:{acct}:log-group:/dev/worker"]
LOG_STREAM = ["arn:aws:logs:{region}:{acct}:log-group:/app/web:log-stream:i-1234"]

TAG_KEYS = ["aws:RequestTag/team", "aws:TagKeys"]
# services of the action list that RCPs cover (Organizations UG, orgs_manage_policies_rcps)
RCP_SERVICES = {"s3", "sts", "kms", "sqs", "secretsmanager", "dynamodb", "logs"}
RCP_ACTIONS = ["s3:*", "s3:GetObject", "sts:AssumeRole", "kms:*", "sqs:SendMessage", "secretsmanager:GetSecretValue"]

ACTIONS = [
    # (weight, action, resource templates, wildcard only, service keys)
    (8, "s3:GetObject", S3_OBJECT, False, ["s3:ExistingObjectTag/classification"]),
    (5, "s3:PutObject", S3_OBJECT, False, ["s3:x-amz-server-side-encryption", "s3:x-amz-acl", "s3:RequestObjectTagKeys"]),
    (3, "s3:DeleteObject", S3_OBJECT, False, []),
    (5, "s3:ListBucket", S3_BUCKET, False, ["s3:prefix", "s3:max-keys", "s3:delimiter"]),
    (2, "s3:PutBucketPolicy", S3_BUCKET, False, []),
    (4, "s3:ListAllMyBuckets", ["*"], True, []),
    (3, "iam:ListRoles", ["*"], True, []),
    (2, "iam:ListUsers", ["*"], True, []),
    (3, "iam:GetUser", IAM_USER, False, ["aws:ResourceTag/team"]),
    (3, "iam:CreateAccessKey", IAM_USER, False, ["aws:ResourceTag/team"]),
    (2, "iam:CreateUser", IAM_USER, False, TAG_KEYS + ["iam:PermissionsBoundary"]),
    (3, "iam:PassRole", IAM_ROLE, False, ["iam:PassedToService", "aws:ResourceTag/team"]),
    (2, "iam:GetRole", IAM_ROLE + IAM_ROLE_RESERVED, False, ["aws:ResourceTag/team"]),
    (2, "iam:PutRolePolicy", IAM_ROLE + IAM_ROLE_RESERVED, False, ["iam:PermissionsBoundary"]),
    (3, "ec2:DescribeInstances", ["*"], True, ["ec2:Region"]),
    (3, "ec2:StartInstances", EC2_INSTANCE, False, ["aws:ResourceTag/env", "ec2:ResourceTag/env", "ec2:InstanceType", "ec2:Region"]),
    (3, "ec2:TerminateInstances", EC2_INSTANCE, False, ["aws:ResourceTag/env", "ec2:InstanceType", "ec2:Region"]),
    (4, "dynamodb:GetItem", DDB_TABLE, False, ["dynamodb:LeadingKeys", "dynamodb:Attributes", "dynamodb:Select", "aws:ResourceTag/env"]),
    (3, "dynamodb:PutItem", DDB_TABLE, False, ["dynamodb:LeadingKeys", "dynamodb:Attributes"]),
    (2, "dynamodb:ListTables", ["*"], True, []),
    (3, "lambda:InvokeFunction", LAMBDA_FN, False, ["aws:ResourceTag/env"]),
    (3, "lambda:CreateFunction", LAMBDA_FN, False,
     ["lambda:SubnetIds", "lambda:SecurityGroupIds", "lambda:VpcIds", "lambda:Layer"] + TAG_KEYS),
    (2, "lambda:ListFunctions", ["*"], True, []),
    (3, "sqs:SendMessage", SQS_QUEUE, False, ["aws:ResourceTag/env"]),
    (2, "sqs:ReceiveMessage", SQS_QUEUE, False, []),
    (2, "sqs:ListQueues", ["*"], True, []),
    (3, "sns:Publish", SNS_TOPIC, False, ["aws:ResourceTag/env"]),
    (2, "sns:Subscribe", SNS_TOPIC, False, ["sns:Protocol", "sns:Endpoint"]),
    (4, "kms:Decrypt", KMS_KEY, False, ["kms:ViaService", "kms:CallerAccount", "kms:EncryptionContextKeys", "kms:EncryptionContext:dept"]),
    (2, "kms:Encrypt", KMS_KEY, False, ["kms:ViaService", "kms:CallerAccount", "kms:EncryptionAlgorithm"]),
    (1, "kms:RetireGrant", KMS_KEY, False, ["kms:CallerAccount"]),
    (1, "kms:ListKeys", ["*"], True, []),
    (4, "secretsmanager:GetSecretValue", SECRET, False, ["aws:ResourceTag/env", "secretsmanager:VersionStage"]),
    (1, "secretsmanager:ListSecrets", ["*"], True, []),
    (4, "sts:AssumeRole", IAM_ROLE, False, ["sts:ExternalId", "sts:RoleSessionName", "iam:ResourceTag/env"] + TAG_KEYS),
    (1, "sts:GetCallerIdentity", ["*"], True, []),
    (2, "ssm:GetParameter", SSM_PARAM, False, ["aws:ResourceTag/env"]),
    (1, "ssm:DescribeParameters", ["*"], True, []),
    (2, "logs:PutLogEvents", LOG_STREAM, False, []),
    (2, "logs:CreateLogGroup", LOG_GROUP, False, TAG_KEYS),
]
ALL_ACTION_NAMES = [a[1] for a in ACTIONS]
EXTRA_ACTIONS = ["s3:GetBucketAcl", "iam:DeleteUser", "ec2:RunInstances", "dynamodb:DeleteTable", "lambda:DeleteFunction",
                 "sqs:DeleteQueue", "kms:ScheduleKeyDeletion", "secretsmanager:DeleteSecret", "cloudtrail:StopLogging",
                 "organizations:LeaveOrganization", "ec2:CreateTags", "iam:AttachRolePolicy"]

# --------------------------------------------------------------------------------------------
# Condition keys: name -> (type, multivalued, value pool). Types: string, arn, numeric, date,
# epoch, bool, ip.

KEYS = {
    "aws:SourceIp": ("ip", False, ["203.0.113.25", "198.51.100.7", "10.0.12.34", "2001:db8:1234::42"]),
    "aws:CurrentTime": ("date", False, ["2024-06-15T12:30:00Z", "2023-12-31T23:59:59Z", "2025-03-01T08:00:00Z"]),
    "aws:EpochTime": ("epoch", False, ["1718454600", "1704067199", "1740816000"]),
    "aws:TokenIssueTime": ("date", False, ["2024-06-15T11:00:00Z", "2024-06-14T09:00:00Z"]),
    "aws:SecureTransport": ("bool", False, ["true", "false"]),
    "aws:MultiFactorAuthPresent": ("bool", False, ["true", "false"]),
    "aws:MultiFactorAuthAge": ("numeric", False, ["300", "3600", "86400"]),
    "aws:RequestedRegion": ("string", False, REGIONS),
    "aws:PrincipalTag/team": ("string", False, ["dev", "ops", "data"]),
    "aws:PrincipalTag/project": ("string", False, ["apollo", "zeus"]),
    # a tag holding base64 text, for BinaryEquals (the request value is written in base 64, as in the policy)
    "aws:PrincipalTag/cert": ("binary", False, ["Y2VydC1B", "Y2VydC1C"]),
    "aws:PrincipalOrgID": ("string", False, [ORG, OTHER_ORG]),
    "aws:PrincipalOrgPaths": ("string", True, [f"{ORG}/r-ab12/ou-ab12-11111111/", f"{ORG}/r-ab12/ou-ab12-22222222/"]),
    "aws:SourceVpce": ("string", False, ["vpce-1a2b3c4d", "vpce-9z8y7x6w"]),
    "aws:SourceVpc": ("string", False, ["vpc-111aaa", "vpc-222bbb"]),
    "aws:CalledVia": ("string", True, ["cloudformation.amazonaws.com", "athena.amazonaws.com", "dynamodb.amazonaws.com"]),
    "aws:ViaAWSService": ("bool", False, ["true", "false"]),
    "aws:UserAgent": ("string", False, ["aws-cli/2.15.0 Python/3.11", "Boto3/1.34.0", "console.amazonaws.com"]),
    "aws:SourceArn": ("arn", False, [f"arn:aws:s3:::example-bucket", f"arn:aws:sns:us-east-1:{HOME}:alerts",
                                     f"arn:aws:events:us-east-1:{OTHER}:rule/nightly"]),
    "aws:SourceAccount": ("string", False, [HOME, OTHER]),
    # service keys
    "s3:prefix": ("string", False, ["home/alice/", "home/bob/", "public/", ""]),
    "s3:max-keys": ("numeric", False, ["10", "100", "1000"]),
    "s3:delimiter": ("string", False, ["/"]),
    "s3:x-amz-server-side-encryption": ("string", False, ["AES256", "aws:kms"]),
    "s3:x-amz-acl": ("string", False, ["private", "public-read", "bucket-owner-full-control"]),
    "s3:RequestObjectTagKeys": ("string", True, ["classification", "owner", "project"]),
    "s3:ExistingObjectTag/classification": ("string", False, ["public", "secret"]),
    "aws:ResourceTag/team": ("string", False, ["dev", "ops"]),
    "aws:ResourceTag/env": ("string", False, ["prod", "dev", "Prod"]),
    "ec2:ResourceTag/env": ("string", False, ["prod", "dev"]),
    "aws:RequestTag/team": ("string", False, ["dev", "ops", "Dev"]),
    "aws:TagKeys": ("string", True, ["team", "env", "cost-center", "Owner"]),
    "iam:PermissionsBoundary": ("arn", False, [f"arn:aws:iam::{HOME}:policy/DevBoundary", f"arn:aws:iam::{HOME}:policy/Other"]),
    "iam:PassedToService": ("string", False, ["ec2.amazonaws.com", "lambda.amazonaws.com"]),
    "ec2:InstanceType": ("string", False, ["t3.micro", "m5.large", "p4d.24xlarge"]),
    "ec2:Region": ("string", False, REGIONS),
    "dynamodb:LeadingKeys": ("string", True, ["alice", "bob", "AIDAALICEEXAMPLE1", "shared"]),
    "dynamodb:Attributes": ("string", True, ["id", "name", "email", "ssn"]),
    "dynamodb:Select": ("string", False, ["SPECIFIC_ATTRIBUTES", "ALL_ATTRIBUTES"]),
    "lambda:SubnetIds": ("string", True, ["subnet-aaa111", "subnet-bbb222", "subnet-ccc333"]),
    "lambda:SecurityGroupIds": ("string", True, ["sg-111", "sg-222"]),
    "lambda:VpcIds": ("string", False, ["vpc-111aaa", "vpc-222bbb"]),
    "lambda:Layer": ("string", True, [f"arn:aws:lambda:us-east-1:{HOME}:layer:common:3", f"arn:aws:lambda:us-east-1:{OTHER}:layer:ext:1"]),
    "sns:Protocol": ("string", False, ["https", "email", "sqs"]),
    "sns:Endpoint": ("string", False, ["https://example.com/hook", "ops@example.com"]),
    "kms:ViaService": ("string", False, ["s3.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"]),
    "kms:CallerAccount": ("string", False, [HOME, OTHER]),
    "kms:EncryptionContextKeys": ("string", True, ["dept", "project", "aws:s3:arn"]),
    "kms:EncryptionContext:dept": ("string", False, ["finance", "eng"]),
    "kms:EncryptionAlgorithm": ("string", False, ["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256"]),
    "secretsmanager:VersionStage": ("string", False, ["AWSCURRENT", "AWSPREVIOUS"]),
    "sts:ExternalId": ("string", False, ["ext-12345", "ext-99999"]),
    "sts:RoleSessionName": ("string", False, ["alice-session", "ci-build", "alice"]),
    "iam:ResourceTag/env": ("string", False, ["prod", "dev"]),
}
GLOBAL_OPTIONAL = ["aws:SourceIp", "aws:CurrentTime", "aws:EpochTime", "aws:SecureTransport", "aws:RequestedRegion",
                   "aws:UserAgent", "aws:ViaAWSService", "aws:CalledVia", "aws:SourceVpce", "aws:SourceVpc"]
SESSION_KEYS = ["aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge", "aws:TokenIssueTime"]
# keys AWS fills in from the principal (UG reference_policies_condition-keys, "Properties of the principal")
DERIVED = {"aws:PrincipalArn": "arn", "aws:PrincipalAccount": "string", "aws:PrincipalType": "string",
           "aws:username": "string", "aws:userid": "string", "aws:PrincipalIsAWSService": "bool",
           "aws:ResourceAccount": "string", "aws:PrincipalServiceName": "string"}

OPS = {
    "string": ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"],
    "arn": ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "StringLike", "StringEquals"],
    "numeric": ["NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"],
    "date": ["DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"],
    "bool": ["Bool", "Bool", "Bool", "StringEquals"],
    "ip": ["IpAddress", "NotIpAddress"],
    "binary": ["BinaryEquals", "BinaryEquals", "StringEquals"],
}
OPS["epoch"] = OPS["date"] + ["NumericLessThan", "NumericGreaterThan"]

FULL_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


class Gen:
    def __init__(self, rng):
        self.rng = rng

    # ---------------------------------------------------------------- helpers
    def chance(self, p):
        return self.rng.random() < p

    def pick(self, xs):
        return self.rng.choice(xs)

    def maybe_list(self, xs):
        """A string when there is one item (usually), else a list."""
        if len(xs) == 1 and self.chance(0.8):
            return xs[0]
        return list(xs)

    def mangle_case(self, s):
        return "".join(c.upper() if self.chance(0.3) else c.lower() for c in s)

    def qmark(self, s, start):
        """Replace one character after `start` with `?`."""
        idx = [i for i in range(start, len(s)) if s[i] not in ":/*?{}$"]
        if not idx:
            return s
        i = self.pick(idx)
        return s[:i] + "?" + s[i + 1:]

    # ---------------------------------------------------------------- scenario
    def scenario(self, name):
        rng = self.rng
        p = pick_principal(rng)
        _, action, templates, wildcard_only, service_keys = weighted(rng, [(a[0], a) for a in ACTIONS])
        kind = p["kind"]
        if kind in ("anonymous", "service"):
            res_acct = HOME
        else:
            res_acct = p["account"] if self.chance(0.65) else (OTHER if p["account"] == HOME else HOME)
        user = p["name"] if kind == "user" else self.pick(["alice", "bob"])
        region = self.pick(REGIONS)
        resource = self.pick(templates).format(acct=res_acct, region=region, user=user)
        s = {"name": name, "principal": p["arn"], "action": action, "resource": resource, "resourceAccount": res_acct}
        self.req = {"p": p, "action": action, "resource": resource, "res_acct": res_acct, "wildcard_only": wildcard_only,
                    "service": action.split(":")[0]}
        ctx = self.context(p, res_acct, service_keys)
        self.ctx = ctx

        # identity policies
        if kind not in ("root", "anonymous", "service"):
            n = weighted(rng, [(1, 0), (6, 1), (3, 2), (1, 3)])
            if n:
                s["identityPolicies"] = [{"name": f"id{i + 1}", "policy": self.policy("identity")} for i in range(n)]
        # resource policy
        if not wildcard_only:
            cross = kind in ("anonymous", "service") or p.get("account") != res_acct
            special = action == "sts:AssumeRole" or action.startswith("kms:")
            if self.chance(0.8 if (cross or special) else 0.4):
                kindname = "trust" if action == "sts:AssumeRole" else "resource"
                s["resourcePolicy"] = self.policy(kindname)
        if kind in ("user", "role", "session", "federated", "slr") and self.chance(0.25):
            s["permissionsBoundary"] = self.policy("boundary")
        if kind in ("role", "session") and self.chance(0.3) or kind == "federated" and self.chance(0.7):
            s["sessionPolicy"] = self.policy("session")
        # SCPs belong to the principal's account: an anonymous caller or a service has none (and
        # iam-simulate rejects SCPs on anonymous requests), so they get SCPs only rarely
        if self.chance(0.4 if kind not in ("anonymous", "service") else 0.04):
            s["scps"] = self.org_levels("scp")
        if self.chance(0.15):
            s["rcps"] = self.org_levels("rcp")
        if self.chance(0.1):
            s["vpcEndpointPolicies"] = [{"name": "vpce1", "policy": self.policy("vpce")}]
            if "aws:SourceVpce" not in ctx and self.chance(0.8):
                ctx["aws:SourceVpce"] = "vpce-1a2b3c4d"
        if self.chance(0.1):
            s["managementAccount"] = weighted(rng, [(2, p.get("account") or HOME), (1, res_acct), (1, THIRD)])
        s["context"] = self.shuffle_context(ctx)
        return s

    # ---------------------------------------------------------------- context
    def context(self, p, res_acct, service_keys):
        kind = p["kind"]
        ctx = {}
        acct = p.get("account")
        ptype = {"user": "User", "role": "AssumedRole", "session": "AssumedRole", "slr": "AssumedRole",
                 "federated": "FederatedUser", "root": "Account", "service": "Service"}.get(kind)
        if kind not in ("anonymous", "service"):
            ctx["aws:PrincipalArn"] = p.get("role_arn", p["arn"])
            ctx["aws:PrincipalAccount"] = acct
            ctx["aws:PrincipalIsAWSService"] = "false"
            ctx["aws:userid"] = p["id"]
        if ptype:
            ctx["aws:PrincipalType"] = ptype
        if kind == "user":
            ctx["aws:username"] = p["name"]
        if kind == "service":
            ctx["aws:PrincipalServiceName"] = p["arn"]
            ctx["aws:PrincipalIsAWSService"] = "true"
            if self.chance(0.6):
                ctx["aws:SourceAccount"] = self.pick([HOME, OTHER])
                ctx["aws:SourceArn"] = self.pick(KEYS["aws:SourceArn"][2])
        ctx["aws:ResourceAccount"] = res_acct
        if kind not in ("anonymous", "service", "root"):
            if self.chance(0.6):
                ctx["aws:PrincipalTag/team"] = self.pick(KEYS["aws:PrincipalTag/team"][2])
            if self.chance(0.3):
                ctx["aws:PrincipalTag/project"] = self.pick(KEYS["aws:PrincipalTag/project"][2])
            if self.chance(0.2):
                ctx["aws:PrincipalTag/cert"] = self.pick(KEYS["aws:PrincipalTag/cert"][2])
            if self.chance(0.75):
                ctx["aws:PrincipalOrgID"] = ORG if acct == HOME or self.chance(0.5) else OTHER_ORG
                if self.chance(0.5):
                    ctx["aws:PrincipalOrgPaths"] = [f"{ORG}/r-ab12/ou-ab12-11111111/"]
        if kind in ("session", "role", "federated") or (kind == "user" and self.chance(0.3)):
            for k in SESSION_KEYS:
                if self.chance(0.5):
                    ctx[k] = self.pick(KEYS[k][2])
        for k in GLOBAL_OPTIONAL:
            if self.chance(0.45):
                ctx[k] = self.value_for_context(k)
        for k in service_keys:
            if self.chance(0.6):
                ctx[k] = self.value_for_context(k)
        return ctx

    def value_for_context(self, k):
        typ, multi, pool = KEYS[k]
        if multi:
            n = weighted(self.rng, [(1, 0), (4, 1), (4, 2), (2, 3)]) if len(pool) >= 3 else self.rng.randint(0, len(pool))
            vals = self.rng.sample(pool, min(n, len(pool)))
            if len(vals) == 1 and self.chance(0.3):
                return vals[0]  # a multivalued key given as a plain string
            return vals
        return self.pick(pool)

    def shuffle_context(self, ctx):
        items = list(ctx.items())
        self.rng.shuffle(items)
        out = {}
        for k, v in items:
            if isinstance(v, list):
                v = list(v)
                self.rng.shuffle(v)
            out[k] = v
        return out

    # ---------------------------------------------------------------- policies
    def policy(self, kind):
        n = weighted(self.rng, [(5, 1), (4, 2), (2, 3), (1, 4)])
        doc = {}
        r = self.rng.random()
        if r < 0.95 or kind == "rcp":
            doc["Version"] = "2012-10-17"
        elif r < 0.975:
            doc["Version"] = "2008-10-17"
        if self.chance(0.1):
            doc["Id"] = "policy-" + str(self.rng.randint(1, 999))
        stmts = [self.statement(kind, i) for i in range(n)]
        doc["Statement"] = stmts[0] if n == 1 and self.chance(0.2) else stmts
        return doc

    def statement(self, kind, i):
        if kind in ("scp_allow", "scp_deny"):
            # SCP statements take the identity-policy shapes with a fixed effect
            st = self.statement("identity", i)
            st["Effect"] = "Allow" if kind == "scp_allow" else "Deny"
            if kind == "scp_deny" and "Condition" not in st and self.chance(0.6):
                st["Condition"] = self.condition_block(1)
            return st
        st = {}
        if self.chance(0.4):
            st["Sid"] = f"S{i + 1}{kind.capitalize()}"
        deny_p = {"identity": 0.2, "resource": 0.25, "trust": 0.2, "boundary": 0.15, "session": 0.15, "vpce": 0.15, "rcp": 1.0}[kind]
        effect = "Deny" if self.chance(deny_p) else "Allow"
        st["Effect"] = effect
        if kind in ("resource", "trust", "vpce", "rcp"):
            self.principal_element(st, kind, effect)
        self.action_element(st, kind)
        if kind != "trust":
            self.resource_element(st, kind)
        cond_p = 0.8 if effect == "Deny" else 0.4
        if kind == "rcp":
            cond_p = 0.85
        if self.chance(cond_p):
            st["Condition"] = self.condition_block(1 if self.chance(0.75) else 2)
        return st

    def principal_element(self, st, kind, effect):
        p = self.req["p"]
        if kind == "rcp":
            # the RCP syntax page: Principal is "*" (conditions narrow it)
            st["Principal"] = "*"
            return
        if kind == "vpce":
            # endpoint policies may name principals; iam-simulate accepts only "*" (rarely tried)
            st["Principal"] = "*" if self.chance(0.98) else {"AWS": f"arn:aws:iam::{p.get('account') or HOME}:root"}
            return
        acct = p.get("account")
        related = []
        if acct:
            related += [acct, f"arn:aws:iam::{acct}:root"]
            if p["kind"] in ("user", "federated", "root"):
                related.append(p["arn"])
            if p["kind"] in ("session", "role", "slr"):
                related.append(p["role_arn"])
                if p["kind"] == "session":
                    related.append(p["arn"])
            if p["kind"] == "federated":
                related.append(p["fed_user"])
            if p["kind"] == "user" and self.chance(0.15):
                related.append(p["arn"].replace(p["name"], p["name"].capitalize()))  # case differs
        unrelated = [THIRD, f"arn:aws:iam::{THIRD}:root", f"arn:aws:iam::{HOME}:user/mallory",
                     f"arn:aws:iam::{HOME}:role/app-role", f"arn:aws:sts::{HOME}:assumed-role/dev/other-session"]
        r = self.rng.random()
        if r < 0.15:
            value = "*"
        elif r < 0.22:
            value = {"AWS": "*"}
        elif p["kind"] == "service" and r < 0.75:
            value = {"Service": self.maybe_list([p["arn"]] + ([self.pick(SERVICE_PRINCIPALS)] if self.chance(0.3) else []))}
        elif related and r < 0.8:
            vals = [self.pick(related)]
            if self.chance(0.3):
                vals.append(self.pick(unrelated + related))
            value = {"AWS": self.maybe_list(list(dict.fromkeys(vals)))}
        elif r < 0.9:
            value = {"Service": self.pick(SERVICE_PRINCIPALS)}
        else:
            value = {"AWS": self.maybe_list(self.rng.sample(unrelated, self.rng.randint(1, 2)))}
        if effect == "Deny" and kind == "resource" and self.chance(0.2):
            # NotPrincipal with Deny: list the account, the role and the session, as the UG advises
            listed = []
            if acct and self.chance(0.5):
                listed.append(f"arn:aws:iam::{acct}:root")
            if related and self.chance(0.6):
                listed.append(self.pick(related))
            listed.append(self.pick(unrelated))
            st["NotPrincipal"] = {"AWS": self.maybe_list(list(dict.fromkeys(listed)))}
            return
        st["Principal"] = value

    def action_patterns(self, action):
        svc, name = action.split(":")
        pats = [action, f"{svc}:*", "*", self.mangle_case(action), f"{svc}:{name[:3]}*", f"{svc}:*{name[-4:]}",
                self.qmark(action, len(svc) + 1), f"{svc}:{name[:-2]}??"]
        return pats

    def action_element(self, st, kind):
        action = self.req["action"]
        others = [a for a in ALL_ACTION_NAMES + EXTRA_ACTIONS if a != action]
        svc = self.req["service"]
        r = self.rng.random()
        if self.chance(0.12) and kind not in ("trust", "rcp"):
            # NotAction: either excludes the request's action (no match) or lists others (match)
            if self.chance(0.4):
                vals = [self.pick(self.action_patterns(action)[:5])]
            else:
                vals = self.rng.sample(others, self.rng.randint(1, 3))
                if self.chance(0.3):
                    vals.append(f"{self.pick(['iam', 'organizations', 'kms'])}:*")
            st["NotAction"] = self.maybe_list(vals)
            return
        if r < 0.72:
            vals = [self.pick(self.action_patterns(action))]
            if self.chance(0.35):
                vals.append(self.pick(others))
        else:
            same_svc = [a for a in others if a.startswith(svc + ":")]
            vals = [self.pick(same_svc or others)]
            if self.chance(0.4):
                vals.append(self.pick(others))
        if kind == "rcp":
            # custom RCPs name service actions; `*` alone is for RCPFullAWSAccess (iam-simulate refuses it)
            vals = [f"{svc}:*" if v == "*" else v for v in vals]
            if svc not in RCP_SERVICES and self.chance(0.8):
                # RCPs may name only the services they cover (Access Analyzer RCP_SYNTAX_ERROR_ACTION);
                # keep a few of the others, whose RCPs no AWS account can attach, as a known class
                vals = self.rng.sample(RCP_ACTIONS, self.rng.randint(1, 2))
        if kind == "trust" and self.chance(0.7):
            vals = [self.pick(["sts:AssumeRole", "sts:AssumeRole", "sts:*", "sts:TagSession"])]
        self.rng.shuffle(vals)
        st["Action"] = self.maybe_list(list(dict.fromkeys(vals)))

    def resource_patterns(self, res):
        if res == "*":
            return ["*"]
        parts = res.split(":", 5)
        pats = [res, "*", res, res]
        head = ":".join(parts[:5]) + ":"
        rest = parts[5]
        # wildcard the tail of the resource part
        if "/" in rest:
            pats.append(head + rest.rsplit("/", 1)[0] + "/*")
            pats.append(head + rest.split("/", 1)[0] + "/*")
        pats.append(head + rest[: max(1, len(rest) // 2)] + "*")
        pats.append(":".join(parts[:3]) + ":*:*:" + rest)  # any region and account
        pats.append(self.qmark(res, len(head)))
        if parts[3]:
            pats.append(":".join(parts[:3]) + ":" + parts[3][:-1] + "?:" + ":".join(parts[4:]))
        # policy variables
        user = self.req["p"]["name"]
        if "/home/" in res:
            pats.append(res.split("/home/")[0] + "/home/${aws:username}/*")
            pats.append(res.split("/home/")[0] + "/home/${aws:PrincipalTag/team, 'alice'}/*")
        if ":user/" in res:
            pats.append(head + "user/${aws:username}")
            pats.append(head + "user/*${aws:username}")
        if ":function:" in res or ":table/" in res or ":role/" in res:
            pats.append(head + rest.replace("dev", "${aws:PrincipalTag/team}"))
        if self.chance(0.1):
            pats.append(res.replace(user, "${aws:username}") if user in res else head + "${*}")
        return pats

    def resource_element(self, st, kind):
        res = self.req["resource"]
        r = self.rng.random()
        others = ["arn:aws:s3:::other-bucket/*", f"arn:aws:iam::{HOME}:role/unrelated",
                  f"arn:aws:dynamodb:us-east-1:{THIRD}:table/Other", f"arn:aws:sqs:*:{HOME}:other-*",
                  f"arn:aws:kms:*:{THIRD}:key/*"]
        if kind in ("rcp", "vpce") and self.chance(0.6):
            st["Resource"] = "*"
            return
        if r < 0.1:
            vals = self.rng.sample(others, self.rng.randint(1, 2))
            if self.chance(0.5) or res == "*":
                vals.append(self.pick(self.resource_patterns(res)))
            st["NotResource"] = self.maybe_list(vals)
            return
        if r < 0.35:
            st["Resource"] = "*"
            return
        if r < 0.85 and res != "*":
            vals = [self.pick(self.resource_patterns(res))]
            if self.chance(0.3):
                vals.append(self.pick(others))
        elif res == "*" and r < 0.85:
            # wildcard-only action: statements naming ARNs do not grant it
            vals = [self.pick(["*", "*", f"arn:aws:{self.req['service']}:*:{HOME}:*", f"arn:aws:{self.req['service']}:::*"])]
        else:
            vals = [self.pick(others)]
        st["Resource"] = self.maybe_list(list(dict.fromkeys(vals)))

    # ---------------------------------------------------------------- conditions
    def condition_block(self, n):
        block = {}
        for _ in range(n):
            op, key, values = self.condition()
            block.setdefault(op, {})
            if key in block[op]:
                continue
            block[op][key] = values
        return block

    def condition(self):
        ctx = self.ctx
        present = [k for k in ctx if k in KEYS or k in DERIVED]
        r = self.rng.random()
        if present and r < 0.7:
            key = self.pick(present)
        else:
            key = self.pick(list(KEYS) + ["aws:PrincipalArn", "aws:username", "aws:PrincipalAccount"])
        if key in KEYS:
            typ, multi, pool = KEYS[key]
        else:
            typ, multi, pool = DERIVED[key], False, []
        if key in DERIVED:
            pool = self.derived_pool(key)
        if self.chance(0.08):
            op = "Null"
            return op, self.key_case(key), self.pick(["true", "false"])
        op = self.pick(OPS[typ])
        qualifier = ""
        if multi and self.chance(0.85) or (not multi and self.chance(0.07)):
            qualifier = self.pick(["ForAllValues:", "ForAnyValue:"])
        if_exists = "IfExists" if self.chance(0.15) else ""
        values = self.values_for(op, typ, key, pool)
        return qualifier + op + if_exists, self.key_case(key), self.maybe_list(values)

    def key_case(self, key):
        # condition key names are case-insensitive (UG reference_policies_elements_condition)
        return self.mangle_case(key) if self.chance(0.05) else key

    def derived_pool(self, key):
        p = self.req["p"]
        acct = p.get("account") or HOME
        if key == "aws:PrincipalArn":
            return [p.get("role_arn", p["arn"]) if p.get("account") else f"arn:aws:iam::{HOME}:user/alice",
                    f"arn:aws:iam::{acct}:role/dev", f"arn:aws:iam::{OTHER}:user/alice", f"arn:aws:iam::{acct}:role/ops/admin"]
        if key in ("aws:PrincipalAccount", "aws:ResourceAccount"):
            return [HOME, OTHER, THIRD]
        if key == "aws:PrincipalType":
            return ["User", "AssumedRole", "FederatedUser", "Account", "Service"]
        if key == "aws:username":
            return ["alice", "bob", "carol", "Alice"]
        if key == "aws:userid":
            return [p.get("id", "AIDAALICEEXAMPLE1"), "AROADEVEXAMPLE001:*", "AIDABOBEXAMPLE002", f"{acct}:dave"]
        if key == "aws:PrincipalIsAWSService":
            return ["true", "false"]
        if key == "aws:PrincipalServiceName":
            return SERVICE_PRINCIPALS
        return ["x"]

    def values_for(self, op, typ, key, pool):
        cur = self.ctx.get(key)
        curs = cur if isinstance(cur, list) else ([cur] if cur is not None else [])
        n = weighted(self.rng, [(6, 1), (3, 2), (1, 3)])
        out = []
        for _ in range(n):
            base = self.pick(curs) if curs and self.chance(0.6) else (self.pick(pool) if pool else "x")
            out.append(self.value_variant(op, typ, key, base))
        return list(dict.fromkeys(out))

    def value_variant(self, op, typ, key, base):
        o = op
        if typ == "ip" or o in ("IpAddress", "NotIpAddress"):
            return self.ip_value(base)
        if o.startswith("Numeric"):
            if typ == "epoch" or typ == "numeric":
                try:
                    v = int(base)
                except ValueError:
                    v = 300
                delta = self.pick([0, 0, 1, -1, 60, -60, 3600, -3600])
                x = v + delta
                return f"{x}.0" if self.chance(0.1) else str(x)
            return str(self.rng.randint(0, 5000))
        if o.startswith("Date"):
            return self.date_value(base)
        if o == "Bool":
            if self.chance(0.1) and typ == "bool":
                return "${aws:SecureTransport}" if key.lower() != "aws:securetransport" else "true"
            v = base if base in ("true", "false") else self.pick(["true", "false"])
            return v.capitalize() if self.chance(0.05) else v
        if o.startswith("Arn"):
            return self.arn_value(base, like="Like" in o)
        if o == "BinaryEquals":
            return base if self.chance(0.7) else self.pick(KEYS["aws:PrincipalTag/cert"][2])
        # String family
        if "IgnoreCase" in o and self.chance(0.6):
            return self.mangle_case(base)
        if "Like" in o:
            return self.like_value(base)
        return self.string_value(base, key)

    def ip_value(self, base):
        r = self.rng.random()
        if ":" in base:
            return self.pick([base, "2001:db8::/32", "2001:db8:1234::/48", "2001:db8:ffff::/48", "::/0"])
        a, b, c, d = base.split(".")
        if r < 0.2:
            return base
        if r < 0.35:
            return f"{base}/32"
        if r < 0.6:
            return f"{a}.{b}.{c}.0/24"
        if r < 0.7:
            return f"{a}.{b}.{c}.77/24"  # host bits past the mask
        if r < 0.8:
            return f"{a}.0.0.0/8"
        return self.pick(["192.0.2.0/24", "10.0.0.0/8", "172.16.0.0/12", "0.0.0.0/0"])

    def date_value(self, base):
        samples = ["2024-01-01T00:00:00Z", "2024-06-15T12:30:00Z", "2025-01-01", "2024-06-15", "1718454600",
                   "2024-06-15T12:30:00.000Z", "2024-06-15T14:30:00+02:00", "2030-01-01T00:00:00Z", "1700000000"]
        if base and self.chance(0.4):
            return base
        return self.pick(samples)

    def arn_value(self, base, like):
        if not base.startswith("arn:"):
            base = f"arn:aws:iam::{HOME}:role/dev"
        parts = base.split(":", 5)
        if not like:
            return base if self.chance(0.7) else ":".join(parts[:5]) + ":" + parts[5] + "x"
        variants = [base, ":".join(parts[:4]) + ":*:" + parts[5], ":".join(parts[:5]) + ":" + parts[5].split("/")[0] + "/*",
                    ":".join(parts[:5]) + ":*", "arn:aws:*:*:*:*", "arn:aws:iam::*:role/*",
                    ":".join(parts[:4]) + ":${aws:PrincipalAccount}:" + parts[5]]
        return self.pick(variants)

    def like_value(self, base):
        if not base:
            return "*"
        r = self.rng.random()
        if r < 0.25:
            return base
        if r < 0.5:
            return base[: max(1, len(base) // 2)] + "*"
        if r < 0.65:
            return "*" + base[len(base) // 2:]
        if r < 0.8:
            return self.qmark(base, 0)
        if r < 0.9:
            return "${aws:username}*" if self.chance(0.5) else "home/${aws:username}/*"
        return "*"

    def string_value(self, base, key):
        r = self.rng.random()
        if r < 0.75:
            return base
        if r < 0.83:
            return "${aws:PrincipalTag/team}"
        if r < 0.88:
            return "${aws:username}"
        if r < 0.93:
            return "${aws:PrincipalTag/missing, 'dev'}"
        if r < 0.96:
            return base + "${*}"
        return base.upper()

    # ---------------------------------------------------------------- organizations
    def org_levels(self, kind):
        n = weighted(self.rng, [(3, 1), (3, 2), (2, 3)])
        targets = ["r-a1b2"] + ["ou-a1b2-prod1111", "ou-a1b2-apps2222"][: max(0, n - 2)] + ([HOME] if n >= 2 else [])
        targets = targets[:n]
        levels = []
        for t in targets:
            pols = []
            if kind == "scp":
                if self.chance(0.85):
                    pols.append({"name": "FullAWSAccess", "policy": FULL_ACCESS})
                else:
                    pols.append({"name": "AllowList", "policy": self.policy("scp_allow")})
                if self.chance(0.35):
                    pols.append({"name": "Guardrails", "policy": self.policy("scp_deny")})
            else:
                if self.chance(0.8):
                    pols.append({"name": "DataPerimeter", "policy": self.policy("rcp")})
            levels.append({"target": t, "policies": pols})
        return levels


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-file", type=int, default=500)
    ap.add_argument("--out", required=True, help="output folder (created)")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    gen = Gen(rng)
    written = 0
    batch = 0
    while written < args.count:
        batch += 1
        k = min(args.per_file, args.count - written)
        items = [gen.scenario(f"s{args.seed}-{written + i + 1:06d}") for i in range(k)]
        with open(os.path.join(args.out, f"batch-{batch:04d}.json"), "w") as f:
            json.dump(items, f, indent=None, separators=(",", ":"))
            f.write("\n")
        written += k
    print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
