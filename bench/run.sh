#!/usr/bin/env bash
# Directory benchmark at national scale: 100,000 services and a 2.7-million
# row postcode lookup, on SQLite and on PostgreSQL. Measures import times,
# search over HTTP (text + need + postcode distance) with wrk, and the
# server's memory. Writes bench/results/<database>.txt.
#
#   bench/run.sh            # both databases
#   bench/run.sh sqlite     # one
#
# Needs: wrk (Debian package), a PostgreSQL at 127.0.0.1:5432 with trust
# authentication for the postgres run. Takes 10–20 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVICES=${SERVICES:-100000}
POSTCODES=${POSTCODES:-2700000}
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-8}
work=${BENCH_DIR:-/tmp/linkwork-bench}
mkdir -p "$work" bench/results

cargo build --release -p linkwork -p linkwork-demo --examples --bins
bin=target/release/linkwork
[ -f "$work/nspl.csv" ] || target/release/examples/write-national-postcodes "$POSTCODES" "$work/nspl.csv"
[ -f "$work/services.json" ] || target/release/examples/write-directory "$SERVICES" "$work/services.json"

need_id() { # the shipped need taxonomy's ids are fixed (UUID v5 of the code)
  python3 -c "import uuid,sys; ns=uuid.UUID(int=0x6c696e6b776f726b0000000000000001); print(uuid.uuid5(ns, 'need:'+sys.argv[1]))" "$1"
}
sed -e "s/NEED_GARDENING/$(need_id community-gardening)/" -e "s/NEED_DEBT/$(need_id debt-advice)/" \
    -e "s/NEED_BEFRIENDING/$(need_id befriending)/" -e "s/NEED_WALKING/$(need_id walking)/" bench/search.lua > "$work/search.lua"

run() {
  local db=$1 out=bench/results/$1.txt
  local args=(--data-dir "$work/$db-data")
  if [ "$db" = postgres ]; then
    psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS linkwork_bench" -c "CREATE DATABASE linkwork_bench"
    args+=(--database-url postgres://postgres@127.0.0.1:5432/linkwork_bench)
  else
    rm -rf "$work/$db-data"
  fi
  {
    echo "# Linkwork directory benchmark: $db"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB RAM"
    echo "commit: $(git rev-parse --short HEAD)"
    echo "data: $SERVICES services, $POSTCODES postcodes"
    echo
    "$bin" demo "${args[@]}" > /dev/null
    echo "## import postcodes"
    /usr/bin/time -f "%e s elapsed, %M KiB peak memory" "$bin" import postcodes "${args[@]}" "$work/nspl.csv" 2>&1 | tail -2
    echo "## import services"
    /usr/bin/time -f "%e s elapsed, %M KiB peak memory" "$bin" import directory "${args[@]}" "$work/services.json" 2>&1 | grep -v '^  ' | tail -3
  } > "$out"

  local port=18080
  "$bin" serve "${args[@]}" --listen 127.0.0.1:$port --log-level warn > "$work/$db-serve.log" 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break; sleep 1; done
  local started
  started=$(grep -m1 "directory index built" "$work/$db-serve.log" || true)
  # Sign in as a demo link worker for a session cookie.
  local jar=$work/$db-cookies
  rm -f "$jar"
  local token
  token=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "email=linkworker.north@riverside.example" \
    --data-urlencode "password=linkwork-demo-2026" --data-urlencode "csrf_token=$token" "http://127.0.0.1:$port/login"
  local cookie
  cookie=$(awk '$6 ~ /lw_session/ {print $6"="$7}' "$jar")
  sed "s|^local needs|COOKIE = \"$cookie\"\nlocal needs|" "$work/search.lua" > "$work/$db-search.lua"
  curl -sf -b "$jar" "http://127.0.0.1:$port/api/v1/directory/search?q=gardning&postcode=ZA1+1AA&distance=25" | head -c 300 > "$work/$db-sample.json"
  {
    echo
    echo "## search over HTTP: wrk -t2 -c$CONNECTIONS -d$DURATION, 5 rotating queries (text + need + postcode within a distance)"
    echo "sample: $(head -c 200 "$work/$db-sample.json")…"
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/$db-search.lua" "http://127.0.0.1:$port"
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
