#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need outside the
# repository (DuckDB from PyPI in a venv, for the scale path's round-trip test), runs every
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
cargo test --workspace --locked "$@"
bash scripts/test-wheel.sh
