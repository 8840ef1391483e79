#!/usr/bin/env bash
# Fuzzes Linkwork's JSON API (/api/v1, from the OpenAPI document it serves)
# and its FHIR endpoints (fhir-openapi.yaml here) with schemathesis, against
# a running server holding the demo data. Every response must be 2xx or
# 4xx, never 5xx, with a documented status, content type and headers and a
# body matching the documented schema; and the server must still answer
# afterwards. Settings, and why, are in schemathesis.toml here.
# Usage: tests/fuzz/run.sh BASE_URL [MAX_EXAMPLES]
#   e.g. tests/fuzz/run.sh http://127.0.0.1:18181
# Needs python3 (3.10+) and PyPI the first time (a virtual environment is
# cached under ~/.cache, as the ORUK conformance tool's is).
set -euo pipefail
base=${1:?usage: tests/fuzz/run.sh BASE_URL [MAX_EXAMPLES]}
base=${base%/}
examples=${2:-50}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ve=${XDG_CACHE_HOME:-$HOME/.cache}/linkwork-api-fuzz-ve
if [[ ! -x $ve/bin/schemathesis ]]; then
  python3 -m venv "$ve"
  "$ve/bin/pip" install --quiet 'schemathesis==4.32.5'
fi

# The demo's API token (linkwork_demo::DEMO_API_TOKEN), for the referral
# API and FHIR.
token=lwk_demo-riverside-hospital-not-for-real-use
# The directory search API takes a signed-in user's session: sign in as a
# demo link worker through the login form (its CSRF token is a cookie
# repeated in the form).
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
csrf=$(curl -sf -c "$jar" "$base/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -n 1 | cut -d'"' -f4)
curl -sf -b "$jar" -c "$jar" -o /dev/null \
  --data-urlencode "email=linkworker.north@riverside.example" \
  --data-urlencode "password=linkwork-demo-2026" \
  --data-urlencode "csrf_token=$csrf" "$base/login"
session=$(awk '$6 ~ /lw_session$/ { print $6 "=" $7 }' "$jar")
if [[ -z $session ]]; then
  echo "could not sign in to $base as the demo link worker" >&2
  exit 1
fi

fuzz() {
  "$ve/bin/schemathesis" --no-color --config-file "$here/schemathesis.toml" run "$@" \
    --max-examples "$examples" -H "Authorization: Bearer $token"
}
status=0
echo "== JSON API: $base/api/v1/openapi.json"
fuzz "$base/api/v1/openapi.json" --url "$base" -H "Cookie: $session" || status=1
echo "== FHIR: $here/fhir-openapi.yaml"
fuzz "$here/fhir-openapi.yaml" --url "$base/fhir" || status=1
echo "== the server still answers"
if ! curl -sf "$base/healthz" > /dev/null; then
  echo "$base stopped answering during the run" >&2
  status=1
fi
exit $status
