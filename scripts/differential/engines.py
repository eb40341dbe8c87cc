"""Run scenarios through both engines and read their answers (shared by compare.py and reduce.py).

Python standard library only. Environment:
  IAMPOL       the iampol binary (default: target/release/iampol under the repository root)
  IAMSIM_DIR   the folder install-iam-simulate.sh printed (holds node_modules/@cloud-copilot/...)
  NODE         the node binary (default: node)
"""

import copy
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def iampol_bin():
    return os.environ.get("IAMPOL") or os.path.join(REPO, "target", "release", "iampol")


def read_jsonl(path, by="name"):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            d = json.loads(line)
            out[d[by]] = d
    return out


def run_iampol_files(files, out_path):
    """`iampol eval --format json` over files; returns {name: line}. A file iampol cannot read
    (exit 2) is retried alone, then scenario by scenario, so one bad scenario costs only itself."""
    with open(out_path, "w") as out, open(out_path + ".stderr", "w") as err:
        proc = subprocess.run([iampol_bin(), "eval", "--format", "json", *files], stdout=out, stderr=err)
    if proc.returncode == 2:
        with open(out_path, "w") as out:
            for f in files:
                r = subprocess.run([iampol_bin(), "eval", "--format", "json", f], capture_output=True, text=True)
                if r.returncode == 2:
                    for line in split_and_run(f):
                        out.write(json.dumps(line) + "\n")
                else:
                    out.write(r.stdout)
    return read_jsonl(out_path)


def split_and_run(path):
    with open(path) as f:
        items = json.load(f)
    items = items if isinstance(items, list) else [items]
    lines = []
    with tempfile.TemporaryDirectory() as d:
        for s in items:
            p = os.path.join(d, "one.json")
            with open(p, "w") as f:
                json.dump(s, f)
            r = subprocess.run([iampol_bin(), "eval", "--format", "json", p], capture_output=True, text=True)
            got = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
            if r.returncode == 2 or not got:
                lines.append({"file": path, "name": s.get("name"), "decision": "error",
                              "errors": r.stderr.strip()[-2000:]})
            else:
                got[0]["file"] = path
                lines.extend(got)
    return lines


def run_iamsim_files(files, out_path, jobs=1):
    """Our driver over iam-simulate; returns {name: line}. `jobs` > 1 splits the files over
    several node processes."""
    node = os.environ.get("NODE", "node")
    driver = os.path.join(HERE, "iamsim_driver.mjs")
    chunks = [files[i::jobs] for i in range(jobs)] if jobs > 1 else [files]
    chunks = [c for c in chunks if c]
    procs = []
    for i, chunk in enumerate(chunks):
        part = f"{out_path}.part{i}"
        procs.append((part, subprocess.Popen([node, driver, *chunk], stdout=open(part, "w"),
                                             stderr=open(part + ".stderr", "w"))))
    failed = []
    for part, p in procs:
        if p.wait() != 0:
            failed.append(part)
    if failed:
        msg = open(failed[0] + ".stderr").read().strip()
        raise RuntimeError(f"iam-simulate driver failed: {msg[-2000:]}")
    with open(out_path, "w") as out:
        for part, _ in procs:
            with open(part) as f:
                out.write(f.read())
            os.remove(part)
            os.remove(part + ".stderr")
    return read_jsonl(out_path)


def run_both(scenarios, workdir=None, per_file=2000):
    """Evaluate a list of scenarios (names must be unique) with both engines.
    Returns ({name: iampol line}, {name: iam-simulate line})."""
    own = workdir is None
    d = workdir or tempfile.mkdtemp(prefix="iampol-diff-")
    os.makedirs(d, exist_ok=True)
    files = []
    for i in range(0, len(scenarios), per_file):
        p = os.path.join(d, f"variants-{i // per_file:04d}.json")
        with open(p, "w") as f:
            json.dump(scenarios[i:i + per_file], f)
        files.append(p)
    try:
        pol = run_iampol_files(files, os.path.join(d, "iampol.jsonl"))
        sim = run_iamsim_files(files, os.path.join(d, "iamsim.jsonl"), jobs=min(2, len(files)))
    finally:
        if own:
            for name in os.listdir(d):
                os.remove(os.path.join(d, name))
            os.rmdir(d)
    return pol, sim


# ------------------------------------------------------------------------------------------------
# Scenario anatomy: removable components, each with a path and a label. Used for the ablation
# signature (which parts a disagreement needs) and by the reducer.

LAYERS = ["identityPolicies", "resourcePolicy", "permissionsBoundary", "sessionPolicy", "scps", "rcps",
          "vpcEndpointPolicies", "managementAccount"]
LAYER_LABEL = {"identityPolicies": "identity", "resourcePolicy": "resource", "permissionsBoundary": "boundary",
               "sessionPolicy": "session", "scps": "scp", "rcps": "rcp", "vpcEndpointPolicies": "vpce",
               "managementAccount": "mgmt"}


def doc_of(p):
    return p["policy"] if isinstance(p, dict) and "policy" in p and "Statement" not in p else p


def policies(s):
    """(layer, path to the document, document) for every policy of a scenario."""
    out = []
    for i, p in enumerate(s.get("identityPolicies") or []):
        out.append(("identity", ("identityPolicies", i) + (("policy",) if doc_of(p) is not p else ()), doc_of(p)))
    for key in ("resourcePolicy", "permissionsBoundary", "sessionPolicy"):
        if s.get(key):
            p = s[key]
            out.append((LAYER_LABEL[key], (key,) + (("policy",) if doc_of(p) is not p else ()), doc_of(p)))
    for key in ("scps", "rcps"):
        for li, level in enumerate(s.get(key) or []):
            for pi, p in enumerate(level.get("policies") or []):
                out.append((LAYER_LABEL[key], (key, li, "policies", pi) + (("policy",) if doc_of(p) is not p else ()), doc_of(p)))
    for i, p in enumerate(s.get("vpcEndpointPolicies") or []):
        out.append(("vpce", ("vpcEndpointPolicies", i) + (("policy",) if doc_of(p) is not p else ()), doc_of(p)))
    return out


def statements(doc):
    st = doc.get("Statement") if isinstance(doc, dict) else None
    if isinstance(st, dict):
        return [(None, st)]
    if isinstance(st, list):
        return list(enumerate(st))
    return []


def principal_form(v):
    """How a Principal/NotPrincipal value names principals: *, AWS:*, account, user, role,
    session, federated-user, service, ... (sorted, joined with |)."""
    if v == "*":
        return "*"
    forms = set()
    if isinstance(v, dict):
        for k, vals in v.items():
            for x in vals if isinstance(vals, list) else [vals]:
                if k != "AWS":
                    forms.add(k)
                elif x == "*":
                    forms.add("AWS:*")
                elif x.isdigit() or x.endswith(":root"):
                    forms.add("account")
                elif ":user/" in x:
                    forms.add("user")
                elif ":role/" in x:
                    forms.add("role")
                elif ":assumed-role/" in x:
                    forms.add("session")
                elif ":federated-user/" in x:
                    forms.add("federated-user")
                else:
                    forms.add("other")
    return "|".join(sorted(forms))


def stmt_label(layer, st):
    shape = [st.get("Effect", "?")]
    for k in ("NotAction", "NotResource"):
        if k in st:
            shape.append(k)
    for k in ("Principal", "NotPrincipal"):
        if k in st:
            shape.append(f"{k}({principal_form(st[k])})")
    return f"stmt:{layer}:{'+'.join(shape)}"


def components(s):
    """Every removable part: (path, label, kind). Paths index into the scenario JSON."""
    comps = []
    for key in LAYERS:
        if s.get(key):
            comps.append(((key,), f"layer:{LAYER_LABEL[key]}", "layer"))
    for layer, path, doc in policies(s):
        for idx, st in statements(doc):
            spath = path + ("Statement",) + ((idx,) if idx is not None else ())
            comps.append((spath, stmt_label(layer, st), "stmt"))
            cond = st.get("Condition")
            if isinstance(cond, dict):
                for op, keys in cond.items():
                    if isinstance(keys, dict):
                        for k in keys:
                            comps.append((spath + ("Condition", op, k), f"cond:{layer}:{op}:{k.lower()}", "cond"))
    for k, v in (s.get("context") or {}).items():
        multi = ":multi" if isinstance(v, list) and len(v) > 1 else (":list1" if isinstance(v, list) else "")
        comps.append((("context", k), f"ctx:{k.lower()}{multi}", "ctx"))
    return comps


def get_in(obj, path):
    for p in path:
        obj = obj[p]
    return obj


def remove(s, path):
    """A copy of scenario `s` without the part at `path`, keeping the rest well formed: an empty
    condition block, statement list, policy or organization level is removed with it."""
    s = copy.deepcopy(s)
    _remove(s, list(path))
    return s


def _remove(root, path):
    del get_in(root, path[:-1])[path[-1]]
    # climb: an emptied condition operator, condition block, list or context goes too
    depth = len(path) - 1
    while depth > 0 and get_in(root, path[:depth]) in ({}, []):
        del get_in(root, path[:depth - 1])[path[depth - 1]]
        depth -= 1
    # a policy left without statements goes, and so does an organization level left empty
    for key in ("identityPolicies", "vpcEndpointPolicies"):
        if key in root:
            root[key] = [p for p in root[key] if statements(doc_of(p))]
            if not root[key]:
                del root[key]
    for key in ("resourcePolicy", "permissionsBoundary", "sessionPolicy"):
        if key in root and not statements(doc_of(root[key])):
            del root[key]
    for key in ("scps", "rcps"):
        if key in root:
            for level in root[key]:
                level["policies"] = [p for p in level.get("policies", []) if statements(doc_of(p))]
            root[key] = [lv for lv in root[key] if lv["policies"]]
            if not root[key]:
                del root[key]


def principal_kind(arn):
    if arn == "anonymous":
        return "anonymous"
    if not arn.startswith("arn:"):
        return "service"
    res = arn.split(":", 5)[5]
    if res == "root":
        return "root"
    if res.startswith("user/"):
        return "user"
    if res.startswith("role/aws-service-role/"):
        return "service-linked-role"
    if res.startswith("role/"):
        return "role"
    if res.startswith("assumed-role/"):
        return "role-session"
    if res.startswith("federated-user/"):
        return "federated-user"
    return "other"


WILDCARD_ONLY = {"s3:listallmybuckets", "iam:listroles", "iam:listusers", "ec2:describeinstances", "dynamodb:listtables",
                 "lambda:listfunctions", "sqs:listqueues", "kms:listkeys", "secretsmanager:listsecrets",
                 "ssm:describeparameters", "sts:getcalleridentity"}


def request_tags(s):
    """Facts about the request that no removal can change."""
    tags = [f"principal:{principal_kind(s['principal'])}"]
    acct = s["principal"].split(":")[4] if s["principal"].startswith("arn:") else None
    res_acct = s.get("resourceAccount")
    if acct and res_acct and acct != res_acct:
        tags.append("cross-account")
    a = s["action"].lower()
    if a in WILDCARD_ONLY:
        tags.append("action:wildcard-only")
    if a == "sts:assumerole":
        tags.append("action:sts:AssumeRole")
    if a == "sts:getcalleridentity":
        tags.append("action:sts:GetCallerIdentity")
    if a.startswith("kms:"):
        tags.append("action:kms")
    if "aws-service-role/" in s.get("resource", ""):
        tags.append("resource:service-linked-role")
    return tags


def features(s):
    """Every feature the scenario uses (for the report)."""
    f = set(request_tags(s))
    for key in LAYERS:
        if s.get(key):
            f.add(f"layer:{LAYER_LABEL[key]}")
    if s.get("scps"):
        f.add(f"scp-levels:{len(s['scps'])}")
    for layer, _, doc in policies(s):
        if isinstance(doc, dict) and doc.get("Version") != "2012-10-17":
            f.add(f"version:{doc.get('Version', 'none')}")
        for _, st in statements(doc):
            for k in ("NotAction", "NotResource", "NotPrincipal"):
                if k in st:
                    f.add(f"{layer}:{k}")
            text = json.dumps(st)
            if "${" in text:
                f.add("policy-variable")
            for op in (st.get("Condition") or {}):
                f.add(f"op:{op}")
    for k, v in (s.get("context") or {}).items():
        if isinstance(v, list):
            f.add("ctx:multivalued" if len(v) > 1 else "ctx:list")
    return sorted(f)
