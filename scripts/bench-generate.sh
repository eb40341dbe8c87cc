#!/usr/bin/env bash
# Side-by-side benchmark of `iampol generate` and DuckDB on one large NDJSON file of real
# CloudTrail events, with the same thread counts, in the same run. Not part of CI.
#
#   scripts/bench-generate.sh [RUNS]
#
# The workload: the real events of corpus/cloudtrail/ (JSON arrays), written as compact NDJSON
# (one event per line, keys in their order) and repeated until the file holds 256 MiB. Each
# copy keeps every field as recorded except that eventID/requestID/sharedEventID get new UUIDs,
# eventTime moves one minute later per copy, and EC2-style resource IDs (i-, vol-, sg-, subnet-,
# ...) get one of 16 variants of their 7th and 8th hex digits, consistently within an event (so
# request parameters take about three times as many distinct values as in the corpus).
#
# DuckDB does only the aggregation: for each principal (the session issuer's ARN, else the
# caller's ARN), event source and event name, the count of distinct requestParameters, reading
# the file with read_ndjson and explicit columns (no schema inference). iampol does all of
# `generate`: mapping every call to actions and resources and writing the policies. Both print
# their result on standard output, which hyperfine discards (`--format json`: the policies and
# the summary as one JSON document; writing one file per principal with `--out-dir` adds
# file-system time that DuckDB's side has no counterpart for).
#
# Needs python3 (for the venv), and installs what is missing: DuckDB's command-line shell from
# PyPI (package duckdb-cli) into a venv outside the repository, and hyperfine (Debian package,
# else `cargo install --locked hyperfine`). Everything it makes lives under
# ${XDG_CACHE_HOME:-$HOME/.cache}/iampol-bench (the 256 MiB file too; delete it to rebuild).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/iampol-bench"
venv="$cache/venv"
data="$cache/cloudtrail-256MiB.ndjson"
mkdir -p "$cache"

cargo build --release -q -p policy-cli --bin iampol
bin="$PWD/target/release/iampol"

if [ ! -x "$venv/bin/duckdb" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q duckdb-cli
fi
duckdb="$venv/bin/duckdb"

if ! command -v hyperfine > /dev/null; then
  if command -v apt-get > /dev/null && [ "$(id -u)" = 0 ]; then
    apt-get install -y -q hyperfine > /dev/null || { apt-get update -q > /dev/null && apt-get install -y -q hyperfine > /dev/null; }
  fi
  command -v hyperfine > /dev/null || cargo install --locked hyperfine
fi

if [ ! -s "$data" ]; then
  echo "writing the workload to $data" >&2
  python3 - corpus/cloudtrail "$data" $((256 << 20)) <<'PY'
import datetime, glob, hashlib, json, os, re, sys, uuid

corpus, out, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
events = []
for path in sorted(glob.glob(os.path.join(corpus, "**", "*.json"), recursive=True)):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    events.extend(data["Records"] if isinstance(data, dict) else data)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EC2_ID = re.compile(
    r"\b(i|sg|subnet|vpc|vol|ami|eni|snap|igw|rtb|acl|lt|r)-([0-9a-f]{6})([0-9a-f]{2})([0-9a-f]{9})?\b"
)
written, copy = 0, 0
with open(out + ".tmp", "w", encoding="utf-8") as f:
    while written < target:
        for event in events:
            e = dict(event)
            for key in ("eventID", "requestID", "sharedEventID"):
                v = e.get(key)
                if isinstance(v, str) and UUID.match(v):
                    e[key] = str(uuid.UUID(bytes=hashlib.md5(f"{copy}:{v}".encode()).digest()))
            t = e.get("eventTime")
            if isinstance(t, str) and copy:
                try:
                    when = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ")
                    e["eventTime"] = (when + datetime.timedelta(minutes=copy)).strftime("%Y-%m-%dT%H:%M:%SZ")
                except ValueError:
                    pass
            line = json.dumps(e, separators=(",", ":"), ensure_ascii=False)
            line = EC2_ID.sub(lambda m: f"{m[1]}-{m[2]}{copy % 16:02x}{m[4] or ''}", line)
            f.write(line + "\n")
            written += len(line.encode()) + 1
            if written >= target:
                break
        copy += 1
os.replace(out + ".tmp", out)
print(f"{written} bytes, {copy} copies of {len(events)} events", file=sys.stderr)
PY
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
query() {
  cat <<SQL
SET threads = $1;
SELECT coalesce(userIdentity.sessionContext.sessionIssuer.arn, userIdentity.arn) AS principal,
       eventSource, eventName, count(DISTINCT requestParameters) AS parameters
FROM read_ndjson('$data', columns = {
  eventSource: 'VARCHAR', eventName: 'VARCHAR',
  userIdentity: 'STRUCT(arn VARCHAR, sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR)))',
  requestParameters: 'JSON'})
GROUP BY ALL;
SQL
}
query 1 > "$out/q1.sql"
query 2 > "$out/q2.sql"
commands=()
for t in 1 2; do
  commands+=("$bin generate --cloudtrail $data --threads $t --format json --quiet")
  commands+=("$duckdb -init /dev/null -f $out/q$t.sql")
done

# generate exits 1 when some calls could not be mapped, which is expected here: -i.
hyperfine -N -i --warmup 1 --runs "$runs" --export-json "$out/h.json" "${commands[@]}" >&2

for i in 0 1 2 3; do
  /usr/bin/time -f "%M" -o "$out/rss$i" ${commands[$i]} > /dev/null 2>&1 || true
done

python3 - "$out" "$data" <<'PY'
import json, os, sys
out, data = sys.argv[1], sys.argv[2]
results = json.load(open(os.path.join(out, "h.json")))["results"]
rss = [int(open(os.path.join(out, f"rss{i}")).read().split()[-1]) for i in range(4)]
mb = os.path.getsize(data) / 1e6
print(f"{mb:.0f} MB of NDJSON, median of {len(results[0]['times'])} runs each")
for i, threads in ((0, 1), (2, 2)):
    iampol, duck = results[i], results[i + 1]
    cpu = lambda r: r["user"] + r["system"]
    print(
        f"{threads} thread{'s' if threads > 1 else ' '}: "
        f"iampol {iampol['median']:.3f} s ({mb / iampol['median']:.0f} MB/s, CPU {cpu(iampol):.2f} s, "
        f"peak {rss[i] / 1024:.0f} MiB); "
        f"DuckDB {duck['median']:.3f} s ({mb / duck['median']:.0f} MB/s, CPU {cpu(duck):.2f} s, "
        f"peak {rss[i + 1] / 1024:.0f} MiB); "
        f"DuckDB/iampol = {duck['median'] / iampol['median']:.2f}"
    )
PY
