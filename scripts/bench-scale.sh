#!/usr/bin/env bash
# Scale benchmark: lint, eval and tighten on large synthetic inputs, to check that run time
# grows about linearly with the input. Not part of CI.
#
#   scripts/bench-scale.sh [BEFORE_BINARY]
#
# Builds the release binary, writes the inputs of scripts/bench-scale-gen.py into a temporary
# directory (one identity policy of 10,000 and of 100,000 statements; 10,000 and 100,000 eval
# scenarios, written on one line and pretty-printed; a CloudTrail file of 300 calls for
# tighten), and times each command: the median wall time of RUNS runs (default 3; hyperfine
# when installed, else a loop) and the peak RSS (GNU time). With BEFORE_BINARY, the same
# commands run with it too, each cut at LIMIT seconds (default 120) and then reported as
# `>LIMIT s`. Exit statuses 0 and 1 are both a run (findings, denials); 2 is reported as
# `error`.
set -euo pipefail
cd "$(dirname "$0")/.."
before="${1:-}"
runs="${RUNS:-3}"
limit="${LIMIT:-120}"
principal="arn:aws:iam::111122223333:user/alice"

cargo build --release -q -p policy-cli --bin iampol
after="$PWD/target/release/iampol"
gen="$PWD/scripts/bench-scale-gen.py"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

echo "writing the inputs to $dir" >&2
for n in 10000 100000; do
  python3 "$gen" policy "$n" "$dir/policy-$n.json"
  python3 "$gen" scenarios "$n" "$dir/scenarios-$n.json"
done
python3 "$gen" trail "$dir/trail.json"

have_time=0
[ -x /usr/bin/time ] && have_time=1
have_hyperfine=0
command -v hyperfine > /dev/null && have_hyperfine=1

# One run under `timeout`: prints "SECONDS RSS_KB" (RSS "-" without GNU time), or "timeout",
# or "error".
once() {
  local status=0
  if [ "$have_time" = 1 ]; then
    # `timeout` under `time`: the command is killed, and its RSS counted (time reports the
    # largest of the processes it waited for, through timeout).
    /usr/bin/time -q -f "%e %M" -o "$dir/time" timeout "$limit" "$@" > /dev/null 2>&1 || status=$?
  else
    local start end
    start=$(date +%s.%N)
    timeout "$limit" "$@" > /dev/null 2>&1 || status=$?
    end=$(date +%s.%N)
    echo "$(echo "$end - $start" | bc) -" > "$dir/time"
  fi
  if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    echo timeout
  elif [ "$status" -gt 1 ]; then
    echo error
  else
    tail -n 1 "$dir/time"
  fi
}

# The median wall time (s) and peak RSS (MiB) of a command, as one cell of the table.
measure() {
  local first seconds rss
  first=$(once "$@")
  case "$first" in
    timeout) echo ">${limit} s"; return ;;
    error) echo "error"; return ;;
  esac
  read -r seconds rss <<< "$first"
  local times=("$seconds")
  if [ "$runs" -gt 1 ]; then
    if [ "$have_hyperfine" = 1 ]; then
      hyperfine -N -i --runs "$((runs - 1))" --export-json "$dir/h.json" "${*@Q}" > /dev/null 2>&1
      mapfile -t more < <(python3 -c 'import json,sys; [print(t) for t in json.load(open(sys.argv[1]))["results"][0]["times"]]' "$dir/h.json")
      times+=("${more[@]}")
    else
      for _ in $(seq 2 "$runs"); do
        local next
        next=$(once "$@")
        times+=("${next%% *}")
      done
    fi
  fi
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}')
  if [ "$rss" = "-" ]; then
    echo "${median} s"
  else
    echo "${median} s, $((rss / 1024)) MiB"
  fi
}

workloads=(
  "lint 10k statements|lint --kind identity --format json $dir/policy-10000.json"
  "lint 100k statements|lint --kind identity --format json $dir/policy-100000.json"
  "eval 10k scenarios, one line|eval --format json $dir/scenarios-10000.json"
  "eval 10k scenarios, pretty|eval --format json $dir/scenarios-10000.pretty.json"
  "eval 100k scenarios, one line|eval --format json $dir/scenarios-100000.json"
  "eval 100k scenarios, pretty|eval --format json $dir/scenarios-100000.pretty.json"
  "tighten 10k statements|tighten $dir/policy-10000.json --cloudtrail $dir/trail.json --principal $principal --format json"
  "tighten 100k statements|tighten $dir/policy-100000.json --cloudtrail $dir/trail.json --principal $principal --format json"
)

if [ -n "$before" ]; then
  printf '| %-30s | %-22s | %-22s |\n' "workload (median of $runs)" "this build" "before"
  printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..32})" "$(printf -- '-%.0s' {1..24})" "$(printf -- '-%.0s' {1..24})"
else
  printf '| %-30s | %-22s |\n' "workload (median of $runs)" "this build"
  printf '|%s|%s|\n' "$(printf -- '-%.0s' {1..32})" "$(printf -- '-%.0s' {1..24})"
fi
for w in "${workloads[@]}"; do
  name="${w%%|*}"
  read -r -a args <<< "${w#*|}"
  now=$(measure "$after" "${args[@]}")
  if [ -n "$before" ]; then
    was=$(measure "$before" "${args[@]}")
    printf '| %-30s | %-22s | %-22s |\n' "$name" "$now" "$was"
  else
    printf '| %-30s | %-22s |\n' "$name" "$now"
  fi
done
