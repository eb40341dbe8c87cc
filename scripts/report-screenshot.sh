#!/usr/bin/env bash
# Regenerates docs/report-example.png: `iampol report` of the shared example account
# (corpus/accounts/cloudsplaining-example/gaad.json, cloudsplaining's example GAAD), opened in
# headless Chromium on one role (OverprivilegedEC2, which has a path to admin) with the index
# of every principal beside it, and captured at 1400x1000.
#
# Needs Chromium: the Debian package `chromium` (what scripts/test.sh installs), or
# IAMPOL_CHROMIUM=/path/to/chrome. Usage: scripts/report-screenshot.sh [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/report-example.png}"
browser="${IAMPOL_CHROMIUM:-}"
if [ -z "$browser" ]; then
    for name in chromium chromium-browser google-chrome google-chrome-stable; do
        if command -v "$name" >/dev/null; then
            browser="$(command -v "$name")"
            break
        fi
    done
fi
if [ -z "$browser" ]; then
    echo "report-screenshot.sh: no Chromium (apt-get install chromium, or set IAMPOL_CHROMIUM)" >&2
    exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo run --quiet --bin iampol -- report \
    --account corpus/accounts/cloudsplaining-example/gaad.json -o "$work/report.html"
principal='arn%3Aaws%3Aiam%3A%3A012345678901%3Arole%2FOverprivilegedEC2'
mkdir -p "$(dirname "$out")"
# No network: host names resolve to nothing and connections go to a closed port.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$work/profile" \
    --host-resolver-rules='MAP * ~NOTFOUND' --proxy-server='http://127.0.0.1:9' \
    --window-size=1400,1000 --virtual-time-budget=10000 \
    --screenshot="$work/shot.png" \
    "file://$work/report.html#principal=$principal" 2>/dev/null
cp "$work/shot.png" "$out"
echo "wrote $out"
