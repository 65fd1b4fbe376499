#!/usr/bin/env bash
# Join by snapshot vs join by replay (issue 15, item 4; BENCHMARKS.md "Joining by snapshot").
# Prints figures; asserts nothing about time.
#
# A fresh 4-validator devnet (plain HTTP, open reads) on ports JOIN_P2P_BASE/JOIN_API_BASE
# (default 27920/29920, LocalCluster slot 46), loaded with `govchain bench` (the default
# government mix) until node 0 has committed TX_TARGET transactions. Then node 3 is stopped
# and made to join again four ways, each timed:
#   offline  snapshot create + snapshot restore        vs  export + import (re-executes all)
#   online   start --state-sync on an empty store      vs  start on an empty store (block sync)
# For the online ways the clock stops when node 3 reaches the height node 0 had when node 3
# was started. Usage: deploy/join-bench.sh [TX_TARGET]   (GOVCHAIN_BIN=dir of binaries,
# default .build/release; JOIN_RATE offered tx/s, default 300; JOIN_KEEP=1 keeps the devnet)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-100000}
BIN=${GOVCHAIN_BIN:-.build/release}
RATE=${JOIN_RATE:-300}
P2P=${JOIN_P2P_BASE:-27920}
API=${JOIN_API_BASE:-29920}
DIR=$(mktemp -d /tmp/govchain-join-bench.XXXXXX)
NODE="$BIN/govchain-node"
PIDS=()
log() { echo "== $(date -u +%H:%M:%S) $*" >&2; }
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

start_node() {  # index [extra start arguments...]
  local i=$1; shift
  "$NODE" start --data-dir "$DIR/node$i" "$@" >>"$DIR/node$i/node.log" 2>&1 &
  PIDS[$i]=$!
}
stop_node() {
  local pid=${PIDS[$1]:-}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  PIDS[$1]=
}
cleanup() {
  for i in 0 1 2 3; do stop_node "$i"; done
  [ "${JOIN_KEEP:-0}" = 1 ] && log "kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT

height() { curl -m 2 -fsS "http://127.0.0.1:$((API + $1))/v1/status" 2>/dev/null | jq -r '.height // 0' 2>/dev/null || echo 0; }
committed() {
  curl -m 2 -fsS "http://127.0.0.1:$API/metrics" 2>/dev/null \
    | awk '/^govchain_transactions_committed_total/ {print int($2)}' | head -1
}
wait_height() {  # node height timeout-seconds
  local end=$(( $(date +%s) + $3 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    [ "$(height "$1")" -ge "$2" ] && return 0
    sleep 0.2
  done
  return 1
}

"$NODE" genesis devnet --validators 4 --out "$DIR" --p2p-base-port "$P2P" --api-base-port "$API" >/dev/null
for i in 0 1 2 3; do start_node "$i"; done
for i in 0 1 2 3; do wait_height "$i" 1 60 || { log "node $i did not start"; exit 1; }; done
log "devnet up in $DIR; loading $TARGET transactions at $RATE tx/s"
URLS=(); for i in 0 1 2 3; do URLS+=(--node "http://127.0.0.1:$((API + i))"); done
while [ "$(committed)" -lt "$TARGET" ]; do
  left=$(( TARGET - $(committed) ))
  seconds=$(( left / RATE + 5 )); [ "$seconds" -gt 120 ] && seconds=120
  "$BIN/govchain" bench run "${URLS[@]}" --keys-dir "$DIR/keys" --rate "$RATE" --duration "$seconds" \
    --json >"$DIR/bench-$(date +%s).json" 2>>"$DIR/bench.log" || true
  log "committed $(committed) of $TARGET; height $(height 0)"
done
TXS=$(committed)

# Offline, on node 3 stopped.
stop_node 3
TIP=$(curl -fsS "http://127.0.0.1:$API/v1/status" | jq -r .height)
STORE=$(du -sm "$DIR/node3/db" | cut -f1)
t0=$(now); "$NODE" snapshot create --data-dir "$DIR/node3" --out "$DIR/state.gcs" >"$DIR/create.txt"; t1=$(now)
CREATE=$(elapsed "$t0" "$t1")
mkdir -p "$DIR/restored"
t0=$(now); "$NODE" snapshot restore --in "$DIR/state.gcs" --data-dir "$DIR/restored" --genesis "$DIR/genesis.json" >"$DIR/restore.txt"; t1=$(now)
RESTORE=$(elapsed "$t0" "$t1")
t0=$(now); "$NODE" export --data-dir "$DIR/node3" --out "$DIR/blocks.gcb" >/dev/null; t1=$(now)
EXPORT=$(elapsed "$t0" "$t1")
mkdir -p "$DIR/imported"; cp "$DIR/genesis.json" "$DIR/imported/"
t0=$(now); "$NODE" import --data-dir "$DIR/imported" --file "$DIR/blocks.gcb" >/dev/null; t1=$(now)
IMPORT=$(elapsed "$t0" "$t1")
SNAPSHOT_MB=$(du -m "$DIR/state.gcs" | cut -f1); ARCHIVE_MB=$(du -m "$DIR/blocks.gcb" | cut -f1)
ENTRIES=$(awk '/entries:/ {print $2}' "$DIR/create.txt")
CHUNKS=$(awk '/entries:/ {print $4}' "$DIR/create.txt")
rm -rf "$DIR/restored" "$DIR/imported" "$DIR/blocks.gcb"

# Online: node 3 from an empty store, by replay (block sync) and by state sync.
mv "$DIR/node3/db" "$DIR/node3-db.kept"
goal=$(height 0)
t0=$(now); start_node 3
wait_height 3 "$goal" 1800 || log "replay join did not reach $goal"
t1=$(now); REPLAY=$(elapsed "$t0" "$t1"); stop_node 3
rm -rf "$DIR/node3/db"
goal=$(height 0)
t0=$(now); start_node 3 --state-sync
wait_height 3 "$goal" 1800 || log "state-sync join did not reach $goal"
t1=$(now); SYNC=$(elapsed "$t0" "$t1"); stop_node 3

cat <<REPORT
join-bench: $TXS transactions committed, tip $TIP, node 3 store $STORE MiB
  state: $ENTRIES keys in $CHUNKS chunks, snapshot file $SNAPSHOT_MB MiB, block archive $ARCHIVE_MB MiB
  offline  snapshot create ${CREATE} s + restore ${RESTORE} s   |  export ${EXPORT} s + import (replay) ${IMPORT} s
  online   start --state-sync to the tip ${SYNC} s            |  start from genesis (block sync, replay) ${REPLAY} s
REPORT
