#!/usr/bin/env bash
# The local cluster: N validator processes on loopback, each with its own data directory
# under .localnet/. Usage: deploy/localnet.sh up [N] | demo | down | status
# GOVCHAIN_SUITE=sm2-sm3 makes an SM2/SM3 chain (default ed25519-sha256).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${GOVCHAIN_BIN:-.build/debug}
DIR=${GOVCHAIN_LOCALNET:-.localnet}
API_BASE=8600
SUITE=${GOVCHAIN_SUITE:-ed25519-sha256}

nodes() { ls -d "$DIR"/node* 2>/dev/null | sort -V; }

up() {
  local count=${1:-4}
  down quiet || true
  rm -rf "$DIR"
  "$BIN/govchain-node" genesis devnet --validators "$count" --out "$DIR" --api-base-port $API_BASE \
    --suite "$SUITE"
  for node in $(nodes); do
    "$BIN/govchain-node" start --data-dir "$node" >"$node/node.log" 2>&1 &
    echo $! >"$node/pid"
  done
  echo "started $count nodes; waiting for the first blocks..."
  for _ in $(seq 1 120); do
    local ready=0
    for i in $(seq 0 $((count - 1))); do
      height=$(curl -m 2 -fsS "http://127.0.0.1:$((API_BASE + i))/v1/status" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p' || true)
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
  for _ in $(nodes); do urls+=(--node "http://127.0.0.1:$((API_BASE + i))"); i=$((i + 1)); done
  "$BIN/govchain" demo --localnet "$DIR" "${urls[@]}"
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
    echo "== $(basename "$node") (api 127.0.0.1:$((API_BASE + i)))"
    "$BIN/govchain-node" status --data-dir "$node" | sed 's/^/  /' || true
    i=$((i + 1))
  done
}

case "${1:-}" in
  up) up "${2:-4}" ;;
  demo) demo ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up [N] | demo | down | status" >&2; exit 2 ;;
esac
