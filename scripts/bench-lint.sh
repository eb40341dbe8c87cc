#!/usr/bin/env bash
# Side-by-side lint benchmark: iampol and parliament over the same files, in the same run.
#
#   scripts/bench-lint.sh [RUNS]
#
# Needs hyperfine (Debian package `hyperfine`) and GNU time. parliament comes from the peer
# tools of the shared folder beside the checkout (`bash ../shared/peers/install.sh`); without
# them only iampol is measured. Prints the median wall time of each command, iampol's peak
# memory, and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
peers="${PEERS_DIR:-$HOME/.cache/iampol-peers}"
parliament="../shared/peers/lint_parliament.sh"
corpus=corpus/policies/aws-managed
one=corpus/policies/aws-managed/AmazonS3ReadOnlyAccess.json

cargo build --release -q -p policy-cli
bin=target/release/iampol
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

commands=(
  "$bin lint --kind identity --format json $corpus"
  "$bin lint --kind identity --format json $one"
)
if [ -x "$peers/venv/bin/python" ] && [ -f "$parliament" ]; then
  commands+=("$parliament $corpus" "$parliament $one")
  have_peer=1
else
  echo "parliament not installed (bash ../shared/peers/install.sh): measuring iampol only" >&2
  have_peer=0
fi

# Every command exits 1 (findings), which is expected: -i.
hyperfine -N -i --warmup 2 --runs "$runs" --export-json "$out/h.json" "${commands[@]}" >&2

for target in "$corpus" "$one"; do
  /usr/bin/time -q -f "%M" -o "$out/rss" "$bin" lint --kind identity --format json "$target" > /dev/null || true
  echo "iampol peak RSS on $target: $(cat "$out/rss") KB"
done

python3 - "$out/h.json" "$have_peer" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
med = [r["median"] * 1000 for r in results]
print(f"iampol, whole corpus: median {med[0]:.1f} ms")
print(f"iampol, one small file: median {med[1]:.1f} ms")
if sys.argv[2] == "1":
    print(f"parliament, whole corpus: median {med[2]:.0f} ms  -> iampol is {med[2] / med[0]:.0f}x faster")
    print(f"parliament, one small file: median {med[3]:.0f} ms  -> iampol is {med[3] / med[1]:.0f}x faster")
PY
