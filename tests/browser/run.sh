#!/usr/bin/env bash
# Runs the browser tests: headless Chromium (Debian's package) against a
# throw-away Linkwork server with demo data.
#
# Does not build Rust: build the binary first and pass it in LINKWORK_BIN
# (default: target/debug/linkwork in this repository). CHROMIUM_PATH picks
# another Chromium (default /usr/bin/chromium, installed with apt-get if
# missing). Screenshots go to tests/browser/test-results/.
#
#   LINKWORK_BIN=target/debug/linkwork tests/browser/run.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# A relative LINKWORK_BIN is relative to where this script was started.
if [[ -n "${LINKWORK_BIN:-}" && "${LINKWORK_BIN}" != /* ]]; then
  LINKWORK_BIN="$(pwd)/${LINKWORK_BIN}"
fi
export LINKWORK_BIN="${LINKWORK_BIN:-${here}/../../target/debug/linkwork}"
if [[ ! -x "${LINKWORK_BIN}" ]]; then
  echo "run.sh: Linkwork binary not found at ${LINKWORK_BIN}; build it first or set LINKWORK_BIN" >&2
  exit 1
fi

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ ! -x "${chromium}" ]]; then
  if [[ -n "${CHROMIUM_PATH:-}" ]]; then
    echo "run.sh: CHROMIUM_PATH=${CHROMIUM_PATH} is not an executable" >&2
    exit 1
  fi
  echo "run.sh: installing Chromium with apt-get"
  sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-liberation
fi
export CHROMIUM_PATH="${chromium}"

# The OpenID Connect provider the single sign-on test signs in through.
(cd "${here}/../oidc" && npm ci --no-audit --no-fund)

cd "${here}"
npm ci --no-audit --no-fund
mkdir -p test-results
node --test --test-reporter=spec --test-concurrency=1 *.test.mjs
