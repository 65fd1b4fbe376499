#!/usr/bin/env bash
# The explorer's end-to-end test (`make test`): a fresh 4-validator cluster on its own
# loopback ports and directory, its API over HTTPS (a throwaway CA from deploy/tls-certs.sh)
# with signed reads, the demo workload plus a bill claimed in two parts by two insurers, then
# deploy/explorer/test_explorer.py drives headless Chromium through the explorer (selenium),
# the browser trusting the CA for real (an NSS database of its own, made with certutil from
# libnss3-tools: no --ignore-certificate-errors), checks the metrics with promtool and reads
# them back through Prometheus. Screenshots go to $SHOTS (default .build/explorer-test).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${GOVCHAIN_BIN:-.build/debug}
export GOVCHAIN_BIN=$BIN
# Ports no other test uses: LocalCluster takes 27000-28999/29000-29999 by slot, api-fuzz
# 27990/29990, the devnet 8600/26600. Here: 31400-31403/31500-31503 the cluster, 31510 the
# test's proxy, 31460/31560 an SM2 node, 31461/31561 an open-read node, 31590 Prometheus.
P2P_BASE=31400
API_BASE=31500
DIR=$(mktemp -d /tmp/govchain-explorer-XXXXXX)
export SHOTS=${SHOTS:-$PWD/.build/explorer-test}
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

# One certificate per node and one for the test's tampering proxy, all from one CA.
deploy/tls-certs.sh "$DIR/tls" node0 node1 node2 node3 proxy
CA="$DIR/tls/ca.pem"
# Every govchain call trusts that CA (the CLI and curl check the nodes' certificates).
TLS=(--ca-file "$CA")
"$BIN/govchain-node" genesis devnet --validators 4 --out "$DIR" \
  --p2p-base-port $P2P_BASE --api-base-port $API_BASE --tls-dir "$DIR/tls" --reads signed >/dev/null
for i in 0 1 2 3; do
  "$BIN/govchain-node" start --data-dir "$DIR/node$i" >"$DIR/node$i.log" 2>&1 &
  PIDS+=($!)
done
URLS=()
for i in 0 1 2 3; do URLS+=(--node "https://127.0.0.1:$((API_BASE + i))"); done
for _ in $(seq 1 150); do
  ready=0
  for i in 0 1 2 3; do
    h=$(curl -m 2 -fsS --cacert "$CA" "https://127.0.0.1:$((API_BASE + i))/v1/status" 2>/dev/null \
      | sed -n 's/.*"height":\([0-9]*\).*/\1/p' || true)
    [ -n "$h" ] && [ "$h" -ge 1 ] && ready=$((ready + 1))
  done
  [ "$ready" -eq 4 ] && break
  sleep 0.2
done
if [ "$ready" -ne 4 ]; then
  echo "explorer-test: the cluster did not start" >&2
  tail "$DIR"/node*.log >&2
  exit 1
fi

"$BIN/govchain" "${TLS[@]}" demo --localnet "$DIR" "${URLS[@]}" | tee "$DIR/demo.log"
LICENCE_ID=$(sed -n 's/.*issued licence \([^ ]*\) .*/\1/p' "$DIR/demo.log" | head -1)
GRANT_ID=$(sed -n 's/.*(grant \([^,]*\),.*/\1/p' "$DIR/demo.log" | head -1)

# A bill of 500.00 yuan claimed in two parts by two reimbursers: 300.00 settled, 200.00
# locked, 0 fen left.
RUN=$(date +%s)
# The demo numbers its bill with the epoch seconds; a leading 9 keeps this one distinct.
NUMBER=9$(printf '%09d' $((RUN % 1000000000)))
BILL_ID="M36012026$NUMBER"
N=("${TLS[@]}" --node "https://127.0.0.1:$API_BASE" --node "https://127.0.0.1:$((API_BASE + 1))")
KEYS="$DIR/keys"
"$BIN/govchain" "${N[@]}" --key "$KEYS/peoples-hospital.key" bill issue --kind medical \
  --code 36012026 --number "$NUMBER" --check-code 7F3K9Q --total-fen 50000 \
  --payer-commitment "$(printf 'ab%.0s' $(seq 1 32))" >/dev/null
"$BIN/govchain" "${N[@]}" --key "$KEYS/medical-insurance.key" claim claim \
  --claim-id "CA$RUN" --bill-id "$BILL_ID" --amount-fen 30000 >/dev/null
"$BIN/govchain" "${N[@]}" --key "$KEYS/commercial-insurer.key" claim claim \
  --claim-id "CB$RUN" --bill-id "$BILL_ID" --amount-fen 20000 >/dev/null
"$BIN/govchain" "${N[@]}" --key "$KEYS/medical-insurance.key" claim settle \
  --claim-id "CA$RUN" >/dev/null
# A tax e-invoice of 100.00 yuan claimed and settled in full, then 40.00 yuan of it reversed
# by a red invoice: the reversal raises an alert (settled above what is now claimable).
TAX_NUMBER="2636200$(printf '%013d' "$RUN")"
RED_NUMBER="2636201$(printf '%013d' "$RUN")"
"$BIN/govchain" "${N[@]}" --key "$KEYS/peoples-hospital.key" bill issue --kind tax \
  --number "$TAX_NUMBER" --check-code K8M2Q4 --total-fen 10000 \
  --payer-commitment "$(printf 'cd%.0s' $(seq 1 32))" >/dev/null
"$BIN/govchain" "${N[@]}" --key "$KEYS/medical-insurance.key" claim claim \
  --claim-id "TC$RUN" --bill-id "T$TAX_NUMBER" --amount-fen 10000 >/dev/null
"$BIN/govchain" "${N[@]}" --key "$KEYS/medical-insurance.key" claim settle \
  --claim-id "TC$RUN" >/dev/null
"$BIN/govchain" "${N[@]}" --key "$KEYS/peoples-hospital.key" bill reverse \
  --bill-id "T$TAX_NUMBER" --kind tax --number "$RED_NUMBER" --amount-fen 4000 >/dev/null
# Eight invoices issued at once, so some block holds several transactions: their Merkle
# proofs then have siblings (a one-transaction block's proof has none).
BATCH=()
for i in 1 2 3 4 5 6 7 8; do
  "$BIN/govchain" "${N[@]}" --key "$KEYS/peoples-hospital.key" bill issue --kind tax \
    --number "2636202$(printf '%012d' "$RUN")$i" --check-code K8M2Q$i --total-fen 100 \
    --payer-commitment "$(printf 'ef%.0s' $(seq 1 32))" >/dev/null &
  BATCH+=($!)
done
for pid in "${BATCH[@]}"; do wait "$pid"; done
echo "explorer-test: bill $BILL_ID claimed by CA$RUN and CB$RUN"
echo "explorer-test: tax invoice T$TAX_NUMBER settled, then reversed by T$RED_NUMBER"
echo "explorer-test: licence $LICENCE_ID, grant $GRANT_ID"

# One validator of an SM2/SM3 chain: the browser has no SM2, so the explorer must say so.
# Plain HTTP and open reads: the browser could not sign for it anyway. And one validator of
# an ed25519-sha256 chain with open reads (the default), where the explorer needs no key.
SM2_API=31560
OPEN_API=31561
"$BIN/govchain-node" genesis devnet --validators 1 --suite sm2-sm3 --out "$DIR/sm2" \
  --p2p-base-port 31460 --api-base-port $SM2_API >/dev/null
"$BIN/govchain-node" genesis devnet --validators 1 --out "$DIR/open" \
  --p2p-base-port 31461 --api-base-port $OPEN_API >/dev/null
for chain in sm2 open; do
  "$BIN/govchain-node" start --data-dir "$DIR/$chain/node0" >"$DIR/$chain.log" 2>&1 &
  PIDS+=($!)
done
for api in $SM2_API $OPEN_API; do
  for _ in $(seq 1 100); do
    curl -m 2 -fsS "http://127.0.0.1:$api/v1/status" 2>/dev/null | grep -q '"height":[1-9]' && break
    sleep 0.2
  done
done

# The browser's own HOME with an NSS database trusting the test CA (Chromium on Linux reads
# its trust anchors from $HOME/.pki/nssdb); test_explorer.py starts Chromium with it.
BROWSER_HOME="$DIR/browser-home"
mkdir -p "$BROWSER_HOME/.pki/nssdb"
certutil -d "sql:$BROWSER_HOME/.pki/nssdb" -N --empty-password
certutil -d "sql:$BROWSER_HOME/.pki/nssdb" -A -t "C,," -n govchain-test-ca -i "$CA"

export EXPLORER_SM2_API=$SM2_API EXPLORER_OPEN_API=$OPEN_API EXPLORER_CA=$CA EXPLORER_BROWSER_HOME=$BROWSER_HOME
export EXPLORER_API_BASE=$API_BASE EXPLORER_DIR=$DIR EXPLORER_BILL_ID=$BILL_ID
export EXPLORER_TAX_BILL_ID="T$TAX_NUMBER" EXPLORER_RED_BILL_ID="T$RED_NUMBER"
export EXPLORER_CLAIMS="CA$RUN,CB$RUN" EXPLORER_LICENCE_ID=$LICENCE_ID EXPLORER_GRANT_ID=$GRANT_ID
python3 -m pytest -q -s -p no:cacheprovider deploy/explorer/test_explorer.py
