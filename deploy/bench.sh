#!/usr/bin/env bash
# `make bench`: this machine's ceiling, then a fresh 4-validator cluster of release binaries
# under open-loop load: saturation search, 60 s at 80% of saturation, 20 s at 40% (latency at
# half load), 20 s at 3x saturation (memory and refusals under overload). Prints one JSON line
# last: {"tps","p50_ms","p99_ms","saturation_tps","ceiling_tps","ratio","cpu_us_per_tx",
# "sig_verify_us","overload_tps","busy_refusals","max_rss_mib","generator_cpu_us_per_tx",
# "suite","ed25519_ceiling_tps","sm2_ceiling_tps","loadavg_before"}; every phase's full
# JSON stays in $OUT. cpu_us_per_tx: CPU (utime + stime from /proc/PID/stat) of all node
# processes over the 60 s run, the generator excluded, / committed transactions / nodes.
# sig_verify_us: one signature check of the chain's suite on one core, from the ceiling of
# this same run. max_rss_mib: the largest VmRSS of any node, sampled every 250 ms in every
# phase. busy_refusals: 429 busy answers the generator met (and retried) at 3x. Usage: deploy/bench.sh  (GOVCHAIN_BIN=dir of release binaries;
# GOVCHAIN_SUITE=sm2-sm3 benchmarks an SM2/SM3 chain against the SM2 ceiling;
# BENCH_ADMISSION=off lifts the nodes' admission gate, to measure overload as it was before it)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${GOVCHAIN_BIN:-.build/release}
export GOVCHAIN_BIN=$BIN
OUT=${BENCH_OUT:-$(dirname "$BIN")/bench-results}
NODES=4
export GOVCHAIN_SUITE=${GOVCHAIN_SUITE:-ed25519-sha256}
# localnet.sh serves HTTPS with signed reads by default; the benchmark keeps plain HTTP and
# open reads, as BENCHMARKS.md's figures were taken: they measure the chain, not TLS.
export GOVCHAIN_TLS=off GOVCHAIN_READS=open
if [ "${BENCH_ADMISSION:-on}" = off ]; then
  export GOVCHAIN_MEMPOOL_EXTRA=$'min_pending = 10000000\nmax_admitting = 100000'
fi
LOCALNET=.localnet
URLS=()
for i in $(seq 0 $((NODES - 1))); do URLS+=(--node "http://127.0.0.1:$((8600 + i))"); done
mkdir -p "$OUT"
log() { echo "== $(date -u +%H:%M:%S) $*" >&2; }

# Peak (VmHWM) and current (VmRSS) resident memory of each node process, in MiB.
node_memory() {
  local first=1
  printf '['
  for node in $(ls -d "$LOCALNET"/node* | sort -V); do
    local pid; pid=$(cat "$node/pid")
    local hwm rss
    hwm=$(awk '/^VmHWM/ {print int($2/1024)}' "/proc/$pid/status")
    rss=$(awk '/^VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
    [ $first = 1 ] || printf ','
    first=0
    printf '{"node":"%s","pid":%s,"vmhwm_mib":%s,"vmrss_mib":%s}' "$(basename "$node")" "$pid" "$hwm" "$rss"
  done
  printf ']'
}

# Every node answers /v1/status with a height of at least 1, within 60 s.
wait_ready() {
  for _ in $(seq 1 120); do
    local ready=0
    for i in $(seq 0 $((NODES - 1))); do
      local height
      height=$(curl -m 2 -fsS "http://127.0.0.1:$((8600 + i))/v1/status" 2>/dev/null | jq -r '.height // 0' 2>/dev/null || echo 0)
      [ "${height:-0}" -ge 1 ] && ready=$((ready + 1))
    done
    [ "$ready" -eq "$NODES" ] && { log "all $NODES nodes are committing blocks"; return 0; }
    sleep 0.5
  done
  log "the cluster did not start committing; see $LOCALNET/node*/node.log"
  return 1
}

WATCH=()
bench() { "$BIN/govchain" bench "${URLS[@]}" --keys-dir "$LOCALNET/keys" --json "${WATCH[@]}" "$@"; }

{
  echo "{\"date\":\"$(date -u +%FT%TZ)\",\"nproc\":$(nproc),"
  echo "\"cpu\":\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')\","
  echo "\"loadavg_before\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
} | jq -c . >"$OUT/machine.json"

log "ceiling (before the cluster starts, so the nodes do not share the cores with it)"
"$BIN/govchain" bench ceiling --validators $NODES --seconds 2 --directory "$OUT/rocks" \
  --suite "$GOVCHAIN_SUITE" --json >"$OUT/ceiling.json"
CEILING=$(jq .ceiling_tps "$OUT/ceiling.json")
log "ceiling: $CEILING tx/s ($(cat "$OUT/ceiling.json"))"

trap 'deploy/localnet.sh down >&2 || true' EXIT
log "fresh $NODES-validator cluster ($BIN)"
# localnet.sh's own readiness poll exits early under `set -e -o pipefail` when a node's API
# is not listening yet at the first curl (exit 7): tolerate that and wait here instead.
deploy/localnet.sh up $NODES >&2 || true
wait_ready
for node in $(ls -d "$LOCALNET"/node* | sort -V); do WATCH+=(--watch-pid "$(cat "$node/pid")"); done

log "saturation search (8 s steps)"
bench --find-saturation --duration 8 --warmup 2 --start-rate "${BENCH_START_RATE:-250}" >"$OUT/saturation.json"
SAT=$(jq .saturation_tps "$OUT/saturation.json")
log "saturation: $SAT tx/s"
[ "$(jq -n "$SAT > 0")" = true ] || { log "no step followed the offered load"; exit 1; }

RUN_RATE=$(jq -n "$SAT * 0.8 | floor")
log "60 s at 80% of saturation: $RUN_RATE tx/s"
bench --rate "$RUN_RATE" --duration 60 --warmup 5 >"$OUT/run.json"

HALF_RATE=$(jq -n "$SAT * 0.4 | floor")
log "20 s at 40% of saturation: $HALF_RATE tx/s"
bench --rate "$HALF_RATE" --duration 20 --warmup 3 >"$OUT/half.json"

node_memory >"$OUT/memory_before_overload.json"
OVER_RATE=$(jq -n "$SAT * 3 | floor")
log "20 s overload at 3x saturation: $OVER_RATE tx/s"
bench --rate "$OVER_RATE" --duration 20 --warmup 2 --wait-timeout-ms 10000 >"$OUT/overload.json"
node_memory >"$OUT/memory_after_overload.json"
log "node memory after overload (MiB): $(cat "$OUT/memory_after_overload.json")"
log "overload: $(jq -c '{offered_tps,tps,p99_ms,refused,refused_by_code,busy_refusals,timed_out,dropped,errors,cpu_us_per_tx,max_rss_mib}' "$OUT/overload.json")"
log "run: $(jq -c 'del(.by_kind)' "$OUT/run.json")"
log "half load: $(jq -c '{offered_tps,tps,p50_ms,p99_ms}' "$OUT/half.json")"

deploy/localnet.sh down >&2
trap - EXIT
jq -c -n --slurpfile run "$OUT/run.json" --argjson sat "$SAT" --argjson ceiling "$CEILING" \
  --slurpfile limits "$OUT/ceiling.json" --slurpfile over "$OUT/overload.json" \
  --slurpfile half "$OUT/half.json" --slurpfile search "$OUT/saturation.json" \
  --slurpfile machine "$OUT/machine.json" --arg admission "${BENCH_ADMISSION:-on}" \
  '($limits[0] | if .suite == "sm2-sm3" then .sm2_verify_per_s_one_core
                 else .ed25519_verify_per_s_one_core end) as $verifies
   | {tps: $run[0].tps, p50_ms: $run[0].p50_ms, p99_ms: $run[0].p99_ms, saturation_tps: $sat,
    ceiling_tps: $ceiling, ratio: (($run[0].tps / $ceiling * 1000 | round) / 1000),
    cpu_us_per_tx: $run[0].cpu_us_per_tx,
    sig_verify_us: ((1e6 / $verifies * 10 | round) / 10),
    overload_tps: $over[0].tps, busy_refusals: $over[0].busy_refusals,
    max_rss_mib: ([$run[0], $half[0], $over[0], $search[0].steps[]] | map(.max_rss_mib // 0) | max),
    generator_cpu_us_per_tx: $run[0].generator_cpu_us_per_tx,
    suite: $limits[0].suite, ed25519_ceiling_tps: $limits[0].ed25519_ceiling_tps,
    sm2_ceiling_tps: $limits[0].sm2_ceiling_tps, loadavg_before: $machine[0].loadavg_before,
    admission: $admission}' \
  | tee "$OUT/summary.json"
