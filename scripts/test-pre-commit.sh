#!/usr/bin/env bash
# pre-commit's `iampol` hook (`language: python`), end to end, as a user of this repository
# would meet it: installs pre-commit from PyPI into a venv under a temporary directory, makes a
# throw-away git repository whose `.pre-commit-config.yaml` names this checkout as `repo:` at
# its current commit (`rev:` = HEAD, so commit first: uncommitted changes are not tested), then
#
# - commits a policy with an unknown action: refused, and the hook's output names `C102`;
# - commits a valid policy: accepted.
#
# pre-commit clones the commit and pip-installs it (maturin, `cargo build --release`); the
# build's target directory is this checkout's `target/` (CARGO_TARGET_DIR, unless already set),
# so it costs little after `scripts/test-wheel.sh`. Not part of scripts/test.sh (see the README,
# "Pre-commit").
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rev=$(git rev-parse HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    echo "test-pre-commit: note: uncommitted changes are not tested (the hook is installed from $rev)" >&2
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# pre-commit's clones and hook environments, thrown away with the rest.
export PRE_COMMIT_HOME="$tmp/pre-commit-home"
start=$SECONDS
fail() {
    echo "test-pre-commit: FAILED: $*" >&2
    exit 1
}

python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check 'pre-commit>=3.2,<5'
pre_commit="$tmp/venv/bin/pre-commit"

repo="$tmp/repo"
git init --quiet "$repo"
cd "$repo"
git config user.email test@example.com
git config user.name test
git config commit.gpgsign false
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $root
    rev: $rev
    hooks:
      - id: iampol
YAML
"$pre_commit" install > /dev/null
git add .pre-commit-config.yaml
git commit --quiet --no-verify -m "pre-commit configuration"

echo "test-pre-commit: installing the hook (pip install of $rev)" >&2
install_start=$SECONDS
"$pre_commit" install-hooks
echo "test-pre-commit: hook installed in $((SECONDS - install_start)) s" >&2

mkdir policies
cat > policies/bad.json <<'JSON'
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadReports",
      "Effect": "Allow",
      "Action": "s3:GetObjekt",
      "Resource": "arn:aws:s3:::reports/*"
    }
  ]
}
JSON
git add policies/bad.json
status=0
out=$(git commit -m "a policy with an unknown action" 2>&1) || status=$?
printf '%s\n' "$out"
[ "$status" -ne 0 ] || fail "the commit of policies/bad.json was accepted"
grep -q 'C102' <<< "$out" || fail "the hook's output does not name C102"
git rev-parse --verify --quiet HEAD~1 > /dev/null && fail "a commit was made"
git reset --quiet
rm policies/bad.json

sed 's/GetObjekt/GetObject/' > policies/good.json <<'JSON'
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadReports",
      "Effect": "Allow",
      "Action": "s3:GetObjekt",
      "Resource": "arn:aws:s3:::reports/*"
    }
  ]
}
JSON
git add policies/good.json
status=0
out=$(git commit -m "a valid policy" 2>&1) || status=$?
printf '%s\n' "$out"
[ "$status" -eq 0 ] || fail "the commit of policies/good.json was refused"
[ "$(git log --format=%s -1)" = "a valid policy" ] || fail "no commit was made"

echo "test-pre-commit: ok: bad policy refused (C102), good policy committed ($((SECONDS - start)) s)"
