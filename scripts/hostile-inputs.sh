#!/usr/bin/env bash
# Runs iampol on hostile and odd inputs and prints, per input class, the exit status, the first
# line of the message, the peak RSS and the wall time, as a Markdown table: the "before and
# after" table of the hardening work. Not a test (it needs a release build, a 500 MB scratch
# file and about a minute); run it by hand:
#
#   bash scripts/hostile-inputs.sh [IAMPOL_BINARY ...]
#
# Without arguments it builds and measures target/release/iampol. Every run is cut at 30 s
# (scripts/measure-rss.py); a cut run shows exit status 137. Needs mkfifo and python3 (Linux:
# the peak RSS is read from /proc).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD/scripts
if [ $# -eq 0 ]; then
    cargo build --release --locked -p policy-cli --bin iampol >&2
    set -- target/release/iampol
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" <<'EOF'
import json, os, sys
w = sys.argv[1]
statement = {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}
policy = {"Version": "2012-10-17", "Statement": [statement]}
# One line, the typo past column 65,535 (a minified template).
template = {"AWSTemplateFormatVersion": "2010-09-09", "Metadata": {"Pad": "x" * 70000},
            "Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy",
                                "Properties": {"PolicyDocument": policy}}}}
open(f"{w}/long-line.json", "w").write(json.dumps(template, separators=(",", ":")))
long_policy = {"Version": "2012-10-17", "Statement": [dict(statement, Sid="x" * 70000)]}
long_policy["Statement"][0]["Action"] = "s3:GetObject"
long_policy["Statement"][0]["Condition"] = {"StringEquals": {"aws:Bogus": "y" * 70000}}
open(f"{w}/long-line-policy.json", "w").write(json.dumps(long_policy, separators=(",", ":")))
scenario = [{"name": "n" * 70000, "principal": "arn:aws:iam::111111111111:user/a",
             "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k", "expect": "allow",
             "identityPolicies": [policy], "bogus": 1}]
open(f"{w}/long-line-scenario.json", "w").write(json.dumps(scenario, separators=(",", ":")))
# Control characters: a Sid and an action that retitle and recolour the terminal.
evil = {"Version": "2012-10-17", "Statement": [{"Sid": "a\u001b]0;pwned\u0007b",
        "Effect": "Allow", "Action": "s3:\u001b[31mGet", "Resource": "*"}]}
open(f"{w}/control.json", "w").write(json.dumps(evil))
# 500 MB holding one JSON string.
with open(f"{w}/big-string.json", "w") as f:
    f.write('"')
    chunk = "a" * (1 << 20)
    for _ in range(500):
        f.write(chunk)
    f.write('"')
# Not policies.
open(f"{w}/wrong-case.json", "w").write(json.dumps({"version": "2012-10-17", "statement": [
    {"effect": "Allow", "action": "*", "resource": "*"}]}))
open(f"{w}/array.json", "w").write(json.dumps([policy, policy]))
open(f"{w}/get-policy-version.json", "w").write(json.dumps({"PolicyVersion": {
    "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                                        "Resource": "*"}]},
    "VersionId": "v1", "IsDefaultVersion": True, "CreateDate": "2024-01-01T00:00:00Z"}}))
open(f"{w}/iampol.toml.bad", "w").write("selct = ['C']\n[lint]\nfail_onn = 'error'\n")
# CloudTrail: three records, the middle one nested too deep.
def rec(i, extra=None):
    r = {"eventVersion": "1.08", "eventTime": "2024-01-01T00:00:0%dZ" % i,
         "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "us-east-1",
         "userIdentity": {"type": "AssumedRole", "arn":
                          "arn:aws:sts::111111111111:assumed-role/r/s", "accountId": "111111111111",
                          "sessionContext": {"sessionIssuer": {"type": "Role", "arn":
                                             "arn:aws:iam::111111111111:role/r"}}},
         "requestParameters": {"bucketName": "b", "key": "k%d" % i},
         "eventID": "e%d" % i, "recipientAccountId": "111111111111"}
    return r
deep = rec(2)
deep["requestParameters"]["x"] = "DEEP"
records = [rec(1), deep, rec(3), rec(4)]
text = json.dumps({"Records": records}).replace('"DEEP"', "[" * 5000 + "]" * 5000)
open(f"{w}/deep-records.json", "w").write(text)
open(f"{w}/identity.json", "w").write(json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
EOF
mkfifo "$work/fifo.json"
mkdir "$work/dir-with-fifo"
mkfifo "$work/dir-with-fifo/pipe.json"
cp "$work/identity.json" "$work/dir-with-fifo/ok.json"
mkdir "$work/cfg" && cp "$work/iampol.toml.bad" "$work/cfg/iampol.toml" && cp "$work/identity.json" "$work/cfg/p.json"

principal=arn:aws:iam::111111111111:role/r
cases=(
    "long line, lint|lint long-line.json"
    "long line, lint (policy)|lint long-line-policy.json"
    "long line, eval|eval long-line-scenario.json"
    "long line, can|can --principal $principal --action s3:GetObject --resource arn:aws:s3:::b/k --identity long-line-policy.json"
    "control characters, lint|lint control.json"
    "control characters, can|can --principal $principal --action s3:GetObject --resource arn:aws:s3:::b/k --identity control.json"
    "/dev/zero, lint|lint /dev/zero"
    "/dev/zero, eval|eval /dev/zero"
    "/dev/zero, can|can --principal $principal --action s3:GetObject --resource arn:aws:s3:::b/k --identity /dev/zero"
    "/dev/zero, tighten|tighten --principal $principal /dev/zero --cloudtrail deep-records.json"
    "/dev/zero, generate|generate --cloudtrail /dev/zero"
    "500 MB string, lint|lint big-string.json"
    "500 MB string, eval|eval big-string.json"
    "500 MB string, can|can --principal $principal --action s3:GetObject --resource arn:aws:s3:::b/k --identity big-string.json"
    "500 MB string, tighten|tighten --principal $principal big-string.json --cloudtrail deep-records.json"
    "FIFO, lint|lint fifo.json"
    "FIFO, eval|eval fifo.json"
    "FIFO, can|can --principal $principal --action s3:GetObject --resource arn:aws:s3:::b/k --identity fifo.json"
    "FIFO, tighten|tighten --principal $principal fifo.json --cloudtrail deep-records.json"
    "FIFO, generate|generate --cloudtrail fifo.json"
    "directory with a FIFO, lint|lint dir-with-fifo"
    "directory with a FIFO, generate|generate --cloudtrail dir-with-fifo"
    "wrong-case keys, lint|lint wrong-case.json"
    "array of policies, lint|lint array.json"
    "get-policy-version output, lint|lint get-policy-version.json"
    "iampol.toml with unknown keys, lint|lint cfg"
    "record nested too deep, generate|generate --format json --cloudtrail deep-records.json"
)

echo "| input | binary | exit | message (first line of stderr, or stdout) | raw ESC/BEL bytes out | peak RSS | wall |"
echo "|---|---|---|---|---|---|---|"
for bin in "$@"; do
    bin_abs=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
    for case in "${cases[@]}"; do
        label=${case%%|*}
        read -r -a argv <<<"${case#*|}"
        set +e
        (cd "$work" && python3 "$here/measure-rss.py" "$work/time" 30 "$bin_abs" "${argv[@]}" \
            >"$work/out" 2>"$work/err" </dev/null)
        status=$?
        set -e
        rss=; wall=
        read -r rss wall <"$work/time" || true
        msg=$(grep -m 1 . "$work/err" | head -c 200 || true)
        [ -n "$msg" ] || msg=$(grep -m 1 . "$work/out" | head -c 200 || true)
        msg=$(printf '%s' "$msg" | LC_ALL=C sed 's/[[:cntrl:]]/^/g; s/|/\\|/g')
        case $rss in
        '' | *[!0-9]*) rss_mb="?" ;;
        *) rss_mb="$((rss / 1024)) MB" ;;
        esac
        raw=$(cat "$work/out" "$work/err" | head -c 100000000 | LC_ALL=C tr -cd '\033\007' | wc -c)
        echo "| $label | $bin | $status | $msg | $raw | $rss_mb | ${wall:-?} s |"
    done
done
