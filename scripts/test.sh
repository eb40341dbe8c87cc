#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need outside the
# repository (DuckDB from PyPI in a venv, for the scale path's round-trip test; Chromium from
# Debian, for the HTML report's browser test), runs every
# test of the workspace, then the Python package's (scripts/test-wheel.sh: pip and pipx
# install this checkout and run the installed iampol).
set -euo pipefail
cd "$(dirname "$0")/.."
duckdb_version=1.5.6
duckdb_venv="${XDG_CACHE_HOME:-$HOME/.cache}/iampol-duckdb-$duckdb_version"
if ! "$duckdb_venv/bin/python" -c "import duckdb, sys; sys.exit(duckdb.__version__ != '$duckdb_version')" 2>/dev/null; then
    rm -rf "$duckdb_venv"
    python3 -m venv "$duckdb_venv"
    "$duckdb_venv/bin/pip" install --quiet --disable-pip-version-check "duckdb==$duckdb_version"
fi
# policy-cli/tests/scale_path.rs reads the interpreter from here (under CI it fails without it).
export IAMPOL_DUCKDB_PYTHON="$duckdb_venv/bin/python"
# Chromium, for policy-cli/tests/report_browser.rs (the HTML report opened in a real browser;
# under CI it fails without one): the Debian package, installed system-wide when missing.
if [ -z "${IAMPOL_CHROMIUM:-}" ] && ! command -v chromium >/dev/null \
    && ! command -v chromium-browser >/dev/null && ! command -v google-chrome >/dev/null; then
    if command -v apt-get >/dev/null; then
        sudo=""
        if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium
    else
        echo "test.sh: no apt-get to install Chromium; the browser tests of the report skip (or fail under CI)" >&2
    fi
fi
cargo test --workspace --locked "$@"
bash scripts/test-wheel.sh
