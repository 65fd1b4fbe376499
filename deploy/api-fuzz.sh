#!/usr/bin/env bash
# Drives a running one-validator node's API with schemathesis from its own OpenAPI document
# (malformed and random inputs). Fails if any response is a 5xx. Used by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${GOVCHAIN_BIN:-.build/debug}
DIR=$(mktemp -d /tmp/govchain-fuzz-XXXXXX)
API_PORT=29990
P2P_PORT=27990
EXAMPLES=${GOVCHAIN_FUZZ_EXAMPLES:-40}

"$BIN/govchain-node" genesis devnet --validators 1 --out "$DIR" --p2p-base-port $P2P_PORT --api-base-port $API_PORT >/dev/null
"$BIN/govchain-node" start --data-dir "$DIR/node0" >"$DIR/node.log" 2>&1 &
NODE=$!
cleanup() { kill -TERM $NODE 2>/dev/null || true; wait $NODE 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -m 2 -fsS "http://127.0.0.1:$API_PORT/v1/status" >/dev/null 2>&1 && break
  sleep 0.2
done

# /v1/events is an endless stream; it has its own end-to-end test.
set +e
schemathesis run "http://127.0.0.1:$API_PORT/openapi.json" \
  --checks not_a_server_error --max-examples "$EXAMPLES" --seed 20261123 \
  --exclude-path /v1/events --request-timeout 10 --workers 1 2>&1 | tee "$DIR/fuzz.log"
status=${PIPESTATUS[0]}
kill -0 $NODE 2>/dev/null || { echo "api-fuzz: the node died during the run" >&2; exit 1; }
if [ "$status" -ne 0 ] && ! grep -q "= FAILURES =" "$DIR/fuzz.log"; then
  # schemathesis's own generator sometimes fails (an ERRORS section, no FAILURES): that is a
  # fault of the tool, not a 5xx from the API, so it does not fail the build.
  echo "api-fuzz: schemathesis reported internal errors but no API failures; not failing the run"
  exit 0
fi
exit $status
