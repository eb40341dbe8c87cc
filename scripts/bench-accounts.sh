#!/usr/bin/env bash
# Account-scale benchmark (issue 13): iampol's account questions on synthetic organizations of
# growing size, and cloudsplaining on the same GAAD. Not part of CI.
#
#   scripts/bench-accounts.sh [OUT.md]
#
# Builds iampol and iampol-gen-account (release), writes snapshots of N principals over
# K=5 accounts for N in SIZES (default "1000 3000 10000") and one of 10,000 principals in one
# account (--accounts 1), then times on each:
#   who-can   one action on one resource (s3:GetObject on an object of the biggest bucket)
#   paths     --to admin
#   what-can  one principal (a developer of the biggest account)
#   report    -o report.html
#   cloudsplaining scan --input-file GAAD (the biggest account's GAAD: cloudsplaining takes one
#             account) and, on that same file, iampol paths --to admin, for the ratio
# Each cell is the median wall time of RUNS runs (default 5; hyperfine when installed, else a
# loop) and the peak RSS of the first run (GNU time, else scripts/measure-rss.py).
# cloudsplaining runs CS_RUNS times (default 1: it takes minutes on the big GAADs). A command
# the iampol binary lacks is reported as `n/a` (the account commands land on separate
# branches). Each run is cut at LIMIT seconds (default 1800). Exit statuses 0 and 1 are a run
# (1 = findings); 2 and others are reported as `error`. Prints a markdown table (and writes
# it to OUT.md when given).
#
# cloudsplaining comes from ../shared/peers/install.sh (PEERS_DIR, default
# ~/.cache/iampol-peers); without it its rows say `not installed`.
set -euo pipefail
cd "$(dirname "$0")/.."
out_md="${1:-}"
runs="${RUNS:-5}"
cs_runs="${CS_RUNS:-1}"
limit="${LIMIT:-1800}"
sizes="${SIZES:-1000 3000 10000}"
peers="${PEERS_DIR:-$HOME/.cache/iampol-peers}"
cloudsplaining="$peers/venv/bin/cloudsplaining"

cargo build --release -q -p policy-cli --features dev-tools --bin iampol --bin iampol-gen-account
iampol="$PWD/target/release/iampol"
gen="$PWD/target/release/iampol-gen-account"
rss_py="$PWD/scripts/measure-rss.py"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

have_time=0
[ -x /usr/bin/time ] && have_time=1
have_hyperfine=0
command -v hyperfine > /dev/null && have_hyperfine=1

has_command() {
  "$iampol" "$1" --help > /dev/null 2>&1
}

# One run: prints "SECONDS RSS_KB", or "timeout", or "error".
once() {
  local status=0
  if [ "$have_time" = 1 ]; then
    /usr/bin/time -q -f "%e %M" -o "$dir/time" timeout "$limit" "$@" > /dev/null 2> "$dir/stderr" || status=$?
  else
    python3 "$rss_py" "$dir/rss" "$limit" "$@" > /dev/null 2> "$dir/stderr" || status=$?
    # measure-rss.py writes "RSS_KB SECONDS"
    read -r kb secs < "$dir/rss"
    echo "$secs $kb" > "$dir/time"
  fi
  if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    echo timeout
  elif [ "$status" -gt 1 ]; then
    echo "error (status $status): $(head -c 300 "$dir/stderr" | tr '\n' ' ')" >&2
    echo error
  else
    tail -n 1 "$dir/time"
  fi
}

# Median wall time over N runs; the peak RSS of the first. Prints "MEDIAN_S RSS_MIB" or a word.
measure() {
  local n="$1"
  shift
  local first seconds rss
  first=$(once "$@")
  case "$first" in
    timeout) echo "timeout"; return ;;
    error) echo "error"; return ;;
  esac
  read -r seconds rss <<< "$first"
  local times=("$seconds")
  if [ "$n" -gt 1 ]; then
    if [ "$have_hyperfine" = 1 ]; then
      hyperfine -N -i --runs "$((n - 1))" --export-json "$dir/h.json" "${*@Q}" > /dev/null 2>&1
      mapfile -t more < <(python3 -c 'import json,sys; [print(t) for t in json.load(open(sys.argv[1]))["results"][0]["times"]]' "$dir/h.json")
      times+=("${more[@]}")
    else
      for _ in $(seq 2 "$n"); do
        local next
        next=$(once "$@")
        times+=("${next%% *}")
      done
    fi
  fi
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}')
  echo "$median $((rss / 1024))"
}

cell() {
  case "$1" in
    timeout) echo ">${limit} s" ;;
    error | n/a | "not installed") echo "$1" ;;
    *) read -r s m <<< "$1"; echo "${s} s, ${m} MiB" ;;
  esac
}

ratio() {
  case "$1$2" in
    *timeout* | *error* | *n/a* | *not*) echo "–" ;;
    *) python3 -c 'import sys; a=float(sys.argv[1].split()[0]); b=float(sys.argv[2].split()[0]); print(f"{a/b:.1f}×" if b > 0 else "–")' "$1" "$2" ;;
  esac
}

rows=()
ratios=()
# Keeps a row for the table and shows it at once (a long run can be stopped midway).
add_row() {
  rows+=("$1")
  echo "$1" >&2
}
snapshots=()
for n in $sizes; do snapshots+=("$n:5"); done
snapshots+=("10000:1")

for spec in "${snapshots[@]}"; do
  n="${spec%%:*}"
  k="${spec##*:}"
  snap="$dir/snap-$n-$k"
  gen_out=$("$gen" --principals "$n" --accounts "$k" --out "$snap" 2>&1)
  echo "$gen_out" >&2
  gaad="$snap/accounts/111122223333/gaad.json"
  gaad_mb=$(python3 -c 'import os,sys; print(f"{os.path.getsize(sys.argv[1])/1e6:.1f}")' "$gaad")
  total_mb=$(du -sm "$snap" | cut -f1)
  principal=$(python3 - "$gaad" <<'EOF'
import json, sys
g = json.load(open(sys.argv[1]))
users = [u for u in g["UserDetailList"] if any(x.startswith("developers-") for x in u.get("GroupList", []))]
print((users or g["UserDetailList"])[0]["Arn"])
EOF
)
  bucket=$(basename "$(ls "$snap/accounts/111122223333/resources/" | grep '^arn:aws:s3:::' | head -n 1)" .json)
  object="$bucket/reports/2026/summary.csv"
  label="N=$n, K=$k"
  echo "== $label (GAAD of 111122223333: $gaad_mb MB; snapshot $total_mb MB)" >&2

  for cmd in who-can paths what-can report; do
    if ! has_command "$cmd"; then
      add_row "| $label | $cmd | n/a |"
      continue
    fi
    case "$cmd" in
      who-can) args=(who-can --account "$snap" --action s3:GetObject --resource "$object" --format json) ;;
      paths) args=(paths --account "$snap" --to admin --format json) ;;
      what-can) args=(what-can --account "$snap" --principal "$principal" --format json) ;;
      report) args=(report --account "$snap" -o "$dir/report.html") ;;
    esac
    result=$(measure "$runs" "$iampol" "${args[@]}")
    extra=""
    if [ "$cmd" = report ] && [ -f "$dir/report.html" ]; then
      extra=" (report $(python3 -c 'import os,sys; print(f"{os.path.getsize(sys.argv[1])/1e6:.1f}")' "$dir/report.html") MB)"
    fi
    add_row "| $label | $cmd | $(cell "$result")$extra |"
  done

  # The same single GAAD for both tools.
  if [ -x "$cloudsplaining" ]; then
    mkdir -p "$dir/cs"
    cs=$(measure "$cs_runs" "$cloudsplaining" scan --input-file "$gaad" --output "$dir/cs" --skip-open-report)
  else
    cs="not installed"
  fi
  if has_command paths; then
    ip=$(measure "$runs" "$iampol" paths --account "$gaad" --to admin --format json)
  else
    ip="n/a"
  fi
  add_row "| $label | cloudsplaining scan (one GAAD, $gaad_mb MB) | $(cell "$cs") |"
  add_row "| $label | iampol paths --to admin (same GAAD) | $(cell "$ip") |"
  ratios+=("| $label | $gaad_mb MB | $(cell "$cs") | $(cell "$ip") | $(ratio "$cs" "$ip") |")
  rm -rf "$snap" "$dir/cs"
done

{
  echo "Account benchmark: median of $runs runs (cloudsplaining: $cs_runs), peak RSS of the first run;"
  echo "$(nproc) cores, $(date -u +%Y-%m-%d)."
  echo
  echo "| snapshot | command | median, peak RSS |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "| snapshot | GAAD | cloudsplaining scan | iampol paths --to admin | cloudsplaining / iampol |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${ratios[@]}"
} | tee "${out_md:-/dev/null}"
