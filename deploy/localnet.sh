#!/usr/bin/env bash
# The local cluster: N validator processes on loopback, each with its own data directory
# under .localnet/, the API over HTTPS. Usage: deploy/localnet.sh up [N] | demo | info |
# down | status
# GOVCHAIN_SUITE=sm2-sm3 makes an SM2/SM3 chain (default ed25519-sha256).
# GOVCHAIN_READS=open|signed: who may read (docs/api.md "Who may read what"). Default signed
# on ed25519-sha256, open on sm2-sm3: a browser cannot sign SM2 requests (WebCrypto has no
# SM2), so signed reads there would shut the explorer out; the CLI signs either way.
# GOVCHAIN_TLS=off serves plain HTTP (deploy/bench.sh: its figures are of the chain, not of TLS).
# The local CA (deploy/tls-certs.sh) lives in .localnet-tls/, outside .localnet/, so that a
# browser told to trust .localnet-tls/ca.pem once keeps trusting every later devnet; it may
# sign for no host name but localhost (deploy/tls-certs.sh says why and what that leaves).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${GOVCHAIN_BIN:-.build/debug}
DIR=${GOVCHAIN_LOCALNET:-.localnet}
TLS_DIR=${GOVCHAIN_LOCALNET_TLS:-$DIR-tls}
API_BASE=8600
SUITE=${GOVCHAIN_SUITE:-ed25519-sha256}
if [ "$SUITE" = sm2-sm3 ]; then
  READS=${GOVCHAIN_READS:-open}
else
  READS=${GOVCHAIN_READS:-signed}
fi
CA="$TLS_DIR/ca.pem"

# Where the API answers, and the arguments curl and the govchain CLI need to trust it:
# `up` follows GOVCHAIN_TLS; the other commands what the running devnet was made with.
use_tls() {
  if "$@"; then
    SCHEME=https CURL_TLS=(--cacert "$CA") CLI_TLS=(--ca-file "$CA")
  else
    SCHEME=http CURL_TLS=() CLI_TLS=()
  fi
}
tls_wanted() { [ "${GOVCHAIN_TLS:-on}" != off ]; }
devnet_has_tls() { grep -q '^tls_certificate' "$DIR/node0/config.toml" 2>/dev/null; }

nodes() { ls -d "$DIR"/node* 2>/dev/null | sort -V; }

up() {
  local count=${1:-4}
  down quiet || true
  rm -rf "$DIR"
  local tls=()
  if [ "$SCHEME" = https ]; then
    local names=()
    for i in $(seq 0 $((count - 1))); do names+=("node$i"); done
    deploy/tls-certs.sh "$TLS_DIR" "${names[@]}"
    tls=(--tls-dir "$TLS_DIR")
  fi
  "$BIN/govchain-node" genesis devnet --validators "$count" --out "$DIR" --api-base-port $API_BASE \
    --suite "$SUITE" --reads "$READS" "${tls[@]}"
  for node in $(nodes); do
    # GOVCHAIN_MEMPOOL_EXTRA: lines added to each node's [mempool] (deploy/bench.sh uses it
    # to measure with the admission gate off, as before it existed).
    if [ -n "${GOVCHAIN_MEMPOOL_EXTRA:-}" ]; then
      awk -v extra="$GOVCHAIN_MEMPOOL_EXTRA" '{print} /^\[mempool\]/ {print extra}' \
        "$node/config.toml" >"$node/config.toml.new" && mv "$node/config.toml.new" "$node/config.toml"
    fi
    "$BIN/govchain-node" start --data-dir "$node" >"$node/node.log" 2>&1 &
    echo $! >"$node/pid"
  done
  echo "started $count nodes; waiting for the first blocks..."
  for _ in $(seq 1 120); do
    local ready=0
    for i in $(seq 0 $((count - 1))); do
      height=$(curl -m 2 -fsS "${CURL_TLS[@]}" "$SCHEME://127.0.0.1:$((API_BASE + i))/v1/status" \
        2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p' || true)
      [ -n "$height" ] && [ "$height" -ge 1 ] && ready=$((ready + 1))
    done
    [ "$ready" -eq "$count" ] && { echo "all $count nodes are committing blocks"; return 0; }
    sleep 0.5
  done
  echo "the cluster did not start committing; see $DIR/node*/node.log" >&2
  return 1
}

demo() {
  local urls=()
  local i=0
  for _ in $(nodes); do urls+=(--node "$SCHEME://127.0.0.1:$((API_BASE + i))"); i=$((i + 1)); done
  "$BIN/govchain" "${CLI_TLS[@]}" demo --localnet "$DIR" "${urls[@]}"
}

# What to open in a browser, what to trust and which key to load (`make run` prints it).
info() {
  local last=$((API_BASE + $(nodes | wc -l) - 1))
  echo "explorer: $SCHEME://127.0.0.1:$API_BASE/explorer/ (any node: $API_BASE-$last)"
  if [ "$SCHEME" = https ]; then
    echo "  the API is HTTPS: have your browser trust the devnet CA $CA (README \"The explorer\")"
  fi
  if ! grep -q "^reads = ['\"]signed" "$DIR/node0/config.toml"; then
    echo "  reads are open: the explorer needs no key"
  elif grep -q '"cryptoSuite" *: *"sm2-sm3"' "$DIR/genesis.json"; then
    echo "  reads are signed, which a browser cannot do on an sm2-sm3 chain (no SM2 in WebCrypto):"
    echo "  the explorer reads only the open routes; use govchain --key $DIR/keys/audit-office.key"
  else
    echo "  reads are signed: load the auditor's key $DIR/keys/audit-office.key in the page's"
    echo "  \"organisation key\" panel (any key in $DIR/keys reads what its organisation may)"
  fi
}

down() {
  local stopped=0
  for node in $(nodes); do
    if [ -f "$node/pid" ] && kill -TERM "$(cat "$node/pid")" 2>/dev/null; then stopped=$((stopped + 1)); fi
  done
  for node in $(nodes); do
    [ -f "$node/pid" ] || continue
    for _ in $(seq 1 50); do kill -0 "$(cat "$node/pid")" 2>/dev/null || break; sleep 0.1; done
    rm -f "$node/pid"
  done
  [ "${1:-}" = quiet ] || echo "stopped $stopped nodes"
}

status() {
  local i=0
  for node in $(nodes); do
    echo "== $(basename "$node") (api $SCHEME://127.0.0.1:$((API_BASE + i)))"
    "$BIN/govchain-node" status --data-dir "$node" "${CLI_TLS[@]}" | sed 's/^/  /' || true
    i=$((i + 1))
  done
}

case "${1:-}" in
  up) use_tls tls_wanted; up "${2:-4}" ;;
  demo) use_tls devnet_has_tls; demo ;;
  info) use_tls devnet_has_tls; info ;;
  down) down ;;
  status) use_tls devnet_has_tls; status ;;
  *) echo "usage: $0 up [N] | demo | info | down | status" >&2; exit 2 ;;
esac
