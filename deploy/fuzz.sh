#!/usr/bin/env bash
# Builds and runs GovChain's libFuzzer targets (docs/fuzzing.md).
#
#   deploy/fuzz.sh build           compile every target under $FUZZ_DIR (incremental)
#   deploy/fuzz.sh run [TARGET...] fuzz each target for $FUZZ_SECONDS (default 120)
#   deploy/fuzz.sh smoke           the short pass of `make test` (15 s per target)
#   deploy/fuzz.sh repro TARGET FILE   re-run one saved input (a crash, a corpus entry)
#
# The targets are compiled with swiftc directly, not SwiftPM: `-sanitize=fuzzer` must reach
# every module whose coverage should guide the fuzzer (Ledger, Consensus, Contracts), but
# never NIO or Hummingbird, and a `swift build` of the package must not need the sanitizer.
# Modules are rebuilt only when one of their sources is newer than the object.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_DIR=${FUZZ_DIR:-.build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-120}
ALL_TARGETS="transaction consensus-message peer-message stored-records contract-calls"
SWIFTC=${SWIFTC:-swiftc}
# AddressSanitizer catches misuse of the unsafe pointers Ledger hands to libsodium and
# OpenSSL; FUZZ_SANITIZERS=fuzzer trades that for about twice the executions per second.
SANITIZERS=${FUZZ_SANITIZERS:-fuzzer,address}
OBJ="$FUZZ_DIR/obj-${SANITIZERS//,/-}"
BIN="$FUZZ_DIR/bin-${SANITIZERS//,/-}"

SWIFT_FLAGS=(
  -O -wmo -parse-as-library -swift-version 6 -g "-sanitize=$SANITIZERS"
  -enable-upcoming-feature ExistentialAny
  -enable-upcoming-feature MemberImportVisibility
  -enable-upcoming-feature InternalImportsByDefault
  -I Sources/CSodium -I Sources/COpenSSL -I "$OBJ"
  # gold prints a warning per AddressSanitizer symbol; the toolchain's lld links quietly.
  -use-ld=lld
)

log() { echo "fuzz: $*" >&2; }

sources_of() {
  case "$1" in
    Ledger | Consensus | Contracts) find "Sources/$1" -name '*.swift' | sort ;;
    FuzzSupport) find Fuzz/Support -name '*.swift' | sort ;;
  esac
}

# Rebuilds a module when its object is missing or older than a source or a dependency.
build_module() {
  local name=$1; shift
  local object="$OBJ/$name.o" stale=no
  local -a sources
  mapfile -t sources < <(sources_of "$name")
  if [ ! -f "$object" ]; then stale=yes; else
    for input in "${sources[@]}" "$@"; do
      if [ "$input" -nt "$object" ]; then stale=yes; break; fi
    done
  fi
  [ "$stale" = yes ] || return 0
  log "compiling $name (${#sources[@]} files)"
  "$SWIFTC" "${SWIFT_FLAGS[@]}" -module-name "$name" \
    -emit-module -emit-module-path "$OBJ/$name.swiftmodule" \
    -c -o "$object" "${sources[@]}"
}

# A target is one file under Fuzz/Targets; peer-message also compiles the node's
# PeerMessage.swift (it imports only Ledger), so Node and its NIO stack stay out.
target_sources() {
  echo "Fuzz/Targets/$1.swift"
  if [ "$1" = peer-message ]; then echo Sources/Node/Sync/PeerMessage.swift; fi
}

build_target() {
  local target=$1 binary="$BIN/$1" stale=no
  local -a sources objects
  mapfile -t sources < <(target_sources "$target")
  objects=("$OBJ/Ledger.o" "$OBJ/Consensus.o" "$OBJ/Contracts.o" "$OBJ/FuzzSupport.o")
  if [ ! -f "$binary" ]; then stale=yes; else
    for input in "${sources[@]}" "${objects[@]}"; do
      if [ "$input" -nt "$binary" ]; then stale=yes; break; fi
    done
  fi
  [ "$stale" = yes ] || return 0
  log "linking $target"
  "$SWIFTC" "${SWIFT_FLAGS[@]}" -module-name "Fuzz_${target//-/_}" \
    -o "$binary" "${sources[@]}" "${objects[@]}" -lsodium -lcrypto
}

build() {
  mkdir -p "$OBJ" "$BIN"
  build_module Ledger
  build_module Consensus "$OBJ/Ledger.o"
  build_module Contracts "$OBJ/Ledger.o"
  build_module FuzzSupport "$OBJ/Ledger.o" "$OBJ/Consensus.o" "$OBJ/Contracts.o"
  for target in "$@"; do build_target "$target"; done
}

max_len_of() {
  case "$1" in
    consensus-message | peer-message) echo 16384 ;;
    *) echo 4096 ;;
  esac
}

stat_of() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

# Fuzzes one target for $1 seconds; prints one summary line; returns 1 on a crash.
run_target() {
  local target=$1 seconds=$2
  local binary="$BIN/$target" corpus="$FUZZ_DIR/corpus/$target"
  local seeds="$FUZZ_DIR/seeds/$target" crashes="$FUZZ_DIR/crashes/$target"
  local logfile="$FUZZ_DIR/logs/$target.log"
  mkdir -p "$corpus" "$crashes" "$(dirname "$logfile")"
  rm -rf "$seeds" && mkdir -p "$seeds"
  GOVCHAIN_FUZZ_SEED_DIR="$seeds" "$binary" 2>/dev/null
  local status=0
  "$binary" -max_total_time="$seconds" -max_len="$(max_len_of "$target")" -timeout=20 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "$seeds" \
    >"$logfile" 2>&1 || status=$?
  local runs speed crash
  runs=$(stat_of number_of_executed_units "$logfile")
  speed=$(stat_of average_exec_per_sec "$logfile")
  crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$logfile" | tail -1)
  printf '%-18s executions %12s  exec/s %8s  corpus %6s  crashes %s\n' "$target" \
    "${runs:-?}" "${speed:-?}" "$(ls "$corpus" | wc -l)" "$([ -n "$crash" ] && echo 1 || echo 0)"
  if [ "$status" -ne 0 ]; then
    log "$target FAILED (exit $status); input: ${crash:-none saved}; log: $logfile"
    grep -m1 -E 'fuzz property violated|Fatal error|ERROR: AddressSanitizer|ERROR: libFuzzer' \
      "$logfile" >&2 || true
    return 1
  fi
}

run_all() {
  local seconds=$1; shift
  local -a targets=("$@")
  [ ${#targets[@]} -gt 0 ] || read -r -a targets <<<"$ALL_TARGETS"
  build "${targets[@]}"
  local failed=()
  for target in "${targets[@]}"; do
    run_target "$target" "$seconds" || failed+=("$target")
  done
  if [ ${#failed[@]} -gt 0 ]; then
    log "crashes in: ${failed[*]} (inputs under $FUZZ_DIR/crashes/)"
    return 1
  fi
}

command=${1:-run}
[ $# -eq 0 ] || shift
case "$command" in
  build)
    read -r -a default_targets <<<"$ALL_TARGETS"
    build "${@:-${default_targets[@]}}"
    ;;
  run) run_all "$FUZZ_SECONDS" "$@" ;;
  smoke) run_all "${FUZZ_SMOKE_SECONDS:-15}" ;;
  repro)
    [ $# -eq 2 ] || { echo "usage: deploy/fuzz.sh repro TARGET FILE" >&2; exit 2; }
    build "$1"
    "$BIN/$1" "$2"
    ;;
  *) echo "usage: deploy/fuzz.sh build|run [TARGET...]|smoke|repro TARGET FILE" >&2; exit 2 ;;
esac
