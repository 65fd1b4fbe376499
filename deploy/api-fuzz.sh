#!/usr/bin/env bash
# Drives a one-validator node's API with schemathesis from its own OpenAPI document (malformed
# and random inputs), after the demo workload gave it records to answer with. Every check
# runs: no 5xx, and every answer (status, content type, headers, body) matches what the
# document declares for it, over HTTPS, with every request signed (reads = "signed"). Used
# by `make test`. One check is left out:
# positive_data_acceptance counts a 400 for a schema-valid request as a failure, but a page
# cursor is opaque (any hex matches its schema, yet only one a node handed out for that list
# is accepted), so that check cannot tell a right refusal from a wrong one here.
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
# Records of every kind (licence, grant, use, bill, claims), so that answers are not all 404s.
"$BIN/govchain" demo --localnet "$DIR" --node "http://127.0.0.1:$API_PORT" --node "http://127.0.0.1:$API_PORT" \
  >"$DIR/demo.log" 2>&1 || { cat "$DIR/demo.log"; echo "api-fuzz: the demo workload failed" >&2; exit 1; }

# Then the node as a province runs it: HTTPS with a local CA, reads signed and scoped by
# role. schemathesis signs every request as the auditor (deploy/api_fuzz_auth.py).
kill -TERM $NODE; wait $NODE || true
deploy/tls-certs.sh "$DIR/tls" node0
CONFIG="$DIR/node0/config.toml"
sed -i "s|^\[api\]$|[api]\nreads = 'signed'\ntls_certificate = '$DIR/tls/node0.pem'\ntls_key = '$DIR/tls/node0.key'\nrequests_per_second = 100000\nburst = 100000|" "$CONFIG"
"$BIN/govchain-node" start --data-dir "$DIR/node0" >>"$DIR/node.log" 2>&1 &
NODE=$!
for _ in $(seq 1 100); do
  curl -m 2 -fsS --cacert "$DIR/tls/ca.pem" "https://127.0.0.1:$API_PORT/v1/status" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -m 2 -fsS --cacert "$DIR/tls/ca.pem" "https://127.0.0.1:$API_PORT/v1/status" >/dev/null \
  || { tail -20 "$DIR/node.log"; echo "api-fuzz: the node did not come back over HTTPS" >&2; exit 1; }
export GOVCHAIN_FUZZ_KEY_FILE="$DIR/keys/audit-office.key" SCHEMATHESIS_HOOKS=api_fuzz_auth
export PYTHONPATH="$PWD/deploy${PYTHONPATH:+:$PYTHONPATH}"
# The run below means something only if reads are really scoped and the hook really signs:
# an unsigned read of blocks must be 401, the hook's signed one 200.
python3 - "https://127.0.0.1:$API_PORT/v1/blocks/latest" "$DIR/tls/ca.pem" <<'PY'
import sys, requests, api_fuzz_auth
url, ca = sys.argv[1], sys.argv[2]
unsigned = requests.get(url, verify=ca, timeout=10).status_code
signed = requests.get(url, verify=ca, timeout=10, auth=api_fuzz_auth.GovChainSignature()).status_code
assert (unsigned, signed) == (401, 200), f"unsigned {unsigned}, signed {signed}"
print(f"api-fuzz: reads are signed (unsigned read {unsigned}, signed read {signed})")
PY

# /v1/events is an endless stream; it has its own end-to-end test.
set +e
schemathesis run "https://127.0.0.1:$API_PORT/openapi.json" --tls-verify "$DIR/tls/ca.pem" \
  --checks all --exclude-checks positive_data_acceptance --max-examples "$EXAMPLES" --seed 20261123 \
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
