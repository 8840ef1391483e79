#!/usr/bin/env bash
# Link-worker pages at scale: the demo at `--scale 1250` (a million
# referrals, with the casework their states imply) on SQLite and on
# PostgreSQL, then each page a link worker lives in (home, caseload,
# diary, a person's record, a case, its outcomes) under load with wrk, as the demo link
# worker. Writes bench/results/casework-<database>.txt.
#
#   bench/casework.sh                 # both databases, scale 1250
#   SCALE=125 bench/casework.sh sqlite
#
# Needs: wrk (Debian package), sqlite3 and psql, a PostgreSQL at
# 127.0.0.1:5432 with trust authentication for the postgres run. At scale
# 1250 the demo takes a good while to load; each page runs for $DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${SCALE:-1250}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-4}
work=${BENCH_DIR:-/tmp/linkwork-bench}
mkdir -p "$work" bench/results

# LINKWORK_BIN: a release binary built elsewhere (another target dir).
if [ -z "${LINKWORK_BIN:-}" ]; then cargo build --release -p linkwork; fi
bin=${LINKWORK_BIN:-target/release/linkwork}
WORKER=linkworker.north@riverside.example

run() {
  local db=$1 out=bench/results/casework-$1.txt
  local args=(--data-dir "$work/casework-$db")
  rm -rf "$work/casework-$db"
  if [ "$db" = postgres ]; then
    psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS linkwork_casework" -c "CREATE DATABASE linkwork_casework"
    args+=(--database-url postgres://postgres@127.0.0.1:5432/linkwork_casework)
  fi
  {
    echo "# Linkwork link-worker pages: $db"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB RAM"
    echo "commit: $(git rev-parse --short HEAD)"
    echo "data: linkwork demo --scale $SCALE"
    echo
    echo "## load the demo"
    /usr/bin/time -f "%e s elapsed, %M KiB peak memory" "$bin" demo "${args[@]}" --scale "$SCALE" 2>&1 | grep -E "Demo data|elapsed"
  } > "$out"
  if [ "$db" = postgres ]; then
    psql -q -h 127.0.0.1 -U postgres -d linkwork_casework -c "ANALYZE"
    psql -h 127.0.0.1 -U postgres -d linkwork_casework -Atc "SELECT 'rows: referrals ' || (SELECT count(*) FROM referrals) || ', contacts ' || (SELECT count(*) FROM contacts) || ', tasks ' || (SELECT count(*) FROM tasks) || ', notes ' || (SELECT count(*) FROM case_notes)" >> "$out"
  else
    sqlite3 "$work/casework-$db/linkwork.db" "ANALYZE"
    sqlite3 "$work/casework-$db/linkwork.db" "SELECT 'rows: referrals ' || (SELECT count(*) FROM referrals) || ', contacts ' || (SELECT count(*) FROM contacts) || ', tasks ' || (SELECT count(*) FROM tasks) || ', notes ' || (SELECT count(*) FROM case_notes)" >> "$out"
  fi

  local port=18300
  "$bin" serve "${args[@]}" --listen 127.0.0.1:$port --log-level warn > "$work/casework-$db-serve.log" 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 1; done
  local jar=$work/casework-$db-cookies
  rm -f "$jar"
  local token
  token=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "email=$WORKER" \
    --data-urlencode "password=linkwork-demo-2026" --data-urlencode "csrf_token=$token" "http://127.0.0.1:$port/login"
  local cookie
  cookie=$(awk '$6 ~ /lw_session/ {print $6"="$7}' "$jar")
  # A case on the worker's caseload, and its person.
  local case person
  case=$(curl -sf -b "$jar" "http://127.0.0.1:$port/caseload" | grep -o 'href="/referrals/[0-9a-f-]*"' | head -1 | sed 's/href="//;s/"$//')
  person=$(curl -sf -b "$jar" "http://127.0.0.1:$port$case" | grep -o 'href="/people/[0-9a-f-]*"' | head -1 | sed 's/href="//;s/"$//')
  {
    echo "worker: $WORKER; case $case; person $person"
    for page in / /caseload /diary "$person" "$case" "$case/contacts" "$case/plan" "$case/outcomes"; do
      echo
      echo "## GET $page: wrk -t2 -c$CONNECTIONS -d$DURATION"
      wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Cookie: $cookie" "http://127.0.0.1:$port$page" \
        | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx"
    done
    echo
    echo "## server memory after the run"
    grep -E 'VmHWM|VmRSS' "/proc/$pid/status"
  } >> "$out"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  echo "wrote $out"
}

for db in "${@:-sqlite postgres}"; do
  for d in $db; do run "$d"; done
done
