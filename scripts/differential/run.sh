#!/usr/bin/env bash
# Differential test: generate N random scenarios (seeded), decide them with iampol and with
# iam-simulate, and report where the two disagree, grouped into classes.
#
#   scripts/differential/run.sh [N] [SEED] [--out DIR] [--no-minimize] [--jobs J]
#
#   N      scenarios to generate (default 10000)
#   SEED   generator seed (default 1)
#   --out DIR       where to write everything (default: a new temporary folder; a folder inside
#                   the repository only when given explicitly)
#   --no-minimize   group disagreements by blockedBy and layers instead of minimizing each one
#   --jobs J        node processes for iam-simulate (default 2)
#
# Environment: IAMSIM_DIR (iam-simulate install; default: install-iam-simulate.sh's folder, reused
# from $IAMSIM_DIR or the peers install when it holds the pinned version, else a fresh temp dir),
# IAMPOL (iampol binary; default target/release/iampol, built first with cargo),
# SKIP_BUILD=1 (do not run cargo build).
#
# Output in DIR: scenarios/batch-*.json, iampol.jsonl, iamsim.jsonl, differential-report.json,
# summary.txt (the summary printed on stdout).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

N=10000; SEED=1; OUT=""; MINIMIZE=1; JOBS=2
pos=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --no-minimize) MINIMIZE=0; shift ;;
    --jobs) JOBS="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) pos+=("$1"); shift ;;
  esac
done
[ "${#pos[@]}" -ge 1 ] && N="${pos[0]}"
[ "${#pos[@]}" -ge 2 ] && SEED="${pos[1]}"
if [ -z "$OUT" ]; then
  OUT="$(mktemp -d "${TMPDIR:-/tmp}/iampol-differential.XXXXXX")"
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

# ---- iam-simulate -------------------------------------------------------------------------------
sim_ok() { [ -f "$1/node_modules/@cloud-copilot/iam-simulate/package.json" ] &&
  [ "$(node -e 'process.stdout.write(require(process.argv[1]).version)' "$1/node_modules/@cloud-copilot/iam-simulate/package.json")" = "0.1.173" ]; }
if [ -z "${IAMSIM_DIR:-}" ]; then
  peers="${PEERS_DIR:-$HOME/.cache/iampol-peers}/node"
  if sim_ok "$peers"; then IAMSIM_DIR="$peers"; fi
fi
if [ -z "${IAMSIM_DIR:-}" ] || ! sim_ok "$IAMSIM_DIR"; then
  IAMSIM_DIR="$(bash "$HERE/install-iam-simulate.sh" | tail -n 1)"
fi
export IAMSIM_DIR

# ---- iampol -------------------------------------------------------------------------------------
export IAMPOL="${IAMPOL:-$REPO/target/release/iampol}"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$REPO" && cargo build --release -q -p policy-cli)
fi

# ---- run ----------------------------------------------------------------------------------------
t0=$(date +%s)
python3 "$HERE/generate.py" --count "$N" --seed "$SEED" --out "$OUT/scenarios" >/dev/null
t1=$(date +%s)
set +e
"$IAMPOL" eval --format json "$OUT/scenarios" >"$OUT/iampol.jsonl" 2>"$OUT/iampol.stderr"
rc=$?
set -e
if [ "$rc" = 2 ]; then
  echo "iampol could not read some scenarios (exit 2); retrying file by file" >&2
  python3 - "$HERE" "$OUT" <<'PY'
import glob, os, sys
sys.path.insert(0, sys.argv[1])
import engines
out = sys.argv[2]
engines.run_iampol_files(sorted(glob.glob(os.path.join(out, "scenarios", "*.json"))), os.path.join(out, "iampol.jsonl"))
PY
fi
t2=$(date +%s)
ls "$OUT"/scenarios/*.json | awk -v j="$JOBS" '{print > ("'"$OUT"'/files." (NR % j))}'
pids=()
for f in "$OUT"/files.*; do
  node "$HERE/iamsim_driver.mjs" $(cat "$f") >"$f.jsonl" 2>"$f.stderr" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
cat "$OUT"/files.*.jsonl >"$OUT/iamsim.jsonl"
rm -f "$OUT"/files.*
t3=$(date +%s)
meta="{\"seed\": $SEED, \"generateSeconds\": $((t1 - t0)), \"iampolSeconds\": $((t2 - t1)), \"iamsimSeconds\": $((t3 - t2))}"
args=(--scenarios "$OUT/scenarios" --iampol "$OUT/iampol.jsonl" --iamsim "$OUT/iamsim.jsonl"
      --report "$OUT/differential-report.json" --workdir "$OUT/minimize" --meta "$meta")
[ "$MINIMIZE" = 0 ] && args+=(--no-minimize)
python3 "$HERE/compare.py" "${args[@]}" | tee "$OUT/summary.txt"
t4=$(date +%s)
echo "times: generate $((t1 - t0)) s, iampol $((t2 - t1)) s, iam-simulate $((t3 - t2)) s, compare+minimize $((t4 - t3)) s"
echo "report: $OUT/differential-report.json"
