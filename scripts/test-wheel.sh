#!/usr/bin/env bash
# The Python package, end to end: `pip install <this checkout>` into a fresh venv under a
# temporary directory (pip builds the wheel with maturin through PEP 517, as `pipx install .` and
# pre-commit's `language: python` hook do), then runs the installed command:
#
# - `iampol --version` names the crate's version;
# - `iampol lint --example` exits 1 and reports `C102` (the example's `s3:GetObjekt`);
# - the package installs `iampol` and no other program (not the dev tool
#   `iampol-gen-cloudtrail`);
# - `pipx install <this checkout>` (pipx from PyPI, in the same venv) gives a working `iampol`.
#
# maturin builds with `cargo build --release`; its target directory is this checkout's `target/`
# (CARGO_TARGET_DIR, unless already set), so only the first run compiles iampol in release mode
# and later runs take seconds. Needs python3 with venv and PyPI (maturin, pipx).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
fail() {
    echo "test-wheel: FAILED: $*" >&2
    exit 1
}

python3 -m venv "$tmp/venv"
pip=("$tmp/venv/bin/python" -m pip --disable-pip-version-check)
"${pip[@]}" install --quiet "$root"
iampol="$tmp/venv/bin/iampol"
[ -x "$iampol" ] || fail "pip install did not install an iampol command"

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
out=$("$iampol" --version)
[[ "$out" == "iampol $version "* ]] || fail "iampol --version printed '$out', expected 'iampol $version ...'"

status=0
out=$("$iampol" lint --example 2>&1) || status=$?
[ "$status" -eq 1 ] || fail "iampol lint --example exited $status, expected 1: $out"
grep -q 'C102' <<< "$out" || fail "iampol lint --example did not report C102: $out"

# Only `iampol` among the package's programs (pip show lists the installed files).
programs=$("${pip[@]}" show --files iampol | sed -n 's|^ *\.\./\.\./\.\./bin/||p' | sort | tr '\n' ' ')
[ "$programs" = "iampol " ] || fail "the package installs the programs '$programs', expected only 'iampol'"

# pipx, into directories of its own under the temporary directory.
"${pip[@]}" install --quiet pipx
PIPX_HOME="$tmp/pipx" PIPX_BIN_DIR="$tmp/pipx-bin" PIPX_MAN_DIR="$tmp/pipx-man" \
    "$tmp/venv/bin/pipx" install --quiet "$root" > /dev/null
status=0
out=$("$tmp/pipx-bin/iampol" lint --example 2>&1) || status=$?
[ "$status" -eq 1 ] && grep -q 'C102' <<< "$out" || fail "pipx's iampol lint --example exited $status: $out"

echo "test-wheel: ok: pip and pipx install iampol $version from the checkout ($((SECONDS - start)) s)"
