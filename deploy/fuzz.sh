#!/usr/bin/env bash
# Builds and runs GovChain's libFuzzer targets (docs/fuzzing.md).
#
#   deploy/fuzz.sh build           compile every target under $FUZZ_DIR (incremental)
#   deploy/fuzz.sh run [TARGET...] fuzz each target for $FUZZ_SECONDS (default 120)
#   deploy/fuzz.sh smoke           the short pass of `make test` (10 s per target, fresh corpus)
#   deploy/fuzz.sh repro TARGET FILE   re-run one saved input (a crash, a corpus entry)
#
# Before fuzzing, each target's regression inputs (inputs that once found a defect) run
# once; one that still fails makes the target fail, but its fuzzing still runs.
#
# The targets are compiled with swiftc directly, not SwiftPM: `-sanitize=fuzzer` must reach
# every module whose coverage should guide the fuzzer (Ledger, Consensus, Contracts), but
# never NIO or Hummingbird, and a `swift build` of the package must not need the sanitizer.
# Modules are rebuilt only when one of their sources is newer than the object (after a
# change of the flags below or a deleted source, remove $FUZZ_DIR/obj-* to start over).
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=$PWD
FUZZ_DIR=${FUZZ_DIR:-.build-fuzz}
FUZZ_DIR=$(mkdir -p "$FUZZ_DIR" && cd "$FUZZ_DIR" && pwd)
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
  -I "$ROOT/Sources/CSodium" -I "$ROOT/Sources/COpenSSL" -I "$OBJ"
)
# gold prints a warning per AddressSanitizer symbol; the toolchain's lld links quietly.
if [ -x "$(dirname "$(command -v "$SWIFTC")")/ld.lld" ]; then SWIFT_FLAGS+=(-use-ld=lld); fi
# Allocation stacks (AddressSanitizer's default 30 frames) cost a third of the run time
# of these allocation-heavy Swift targets; `repro` re-runs a crash with them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}

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

# A target is Fuzz/Targets/NAME.swift (plus Fuzz/Targets/NAME/ if the target needs more
# files); peer-message also compiles the node's pure sync files (PeerMessage and
# SyncResponseBuilder import only Ledger, BlockSyncPlan nothing), so Node and Execution,
# with their NIO stack, stay out.
target_sources() {
  echo "Fuzz/Targets/$1.swift"
  if [ -d "Fuzz/Targets/$1" ]; then find "Fuzz/Targets/$1" -name '*.swift' | sort; fi
  if [ "$1" = peer-message ]; then
    printf '%s\n' Sources/Node/Sync/PeerMessage.swift Sources/Node/Sync/SyncResponseBuilder.swift \
      Sources/Execution/BlockSyncPlan.swift
  fi
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
  # From the object directory: a debug link of several files leaves module files in the
  # working directory.
  ( cd "$OBJ" && "$SWIFTC" "${SWIFT_FLAGS[@]}" -module-name "Fuzz_${target//-/_}" \
    -o "$binary" "${sources[@]/#/$ROOT/}" "${objects[@]}" -lsodium -lcrypto )
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

# Runs the target's regression inputs (inputs that once found a defect) one by one;
# prints each that still fails. Returns the number failing.
run_regressions() {
  local target=$1 binary="$BIN/$1" directory="$FUZZ_DIR/regressions/$1" failing=0
  rm -rf "$directory" && mkdir -p "$directory"
  GOVCHAIN_FUZZ_REGRESSION_DIR="$directory" "$binary" 2>/dev/null
  for input in "$directory"/*; do
    [ -e "$input" ] || continue
    # Through a second shell that does not exec the binary, so the "Illegal instruction"
    # notice of a crash goes to the log with the rest.
    if ! bash -c '"$0" "$1"; exit $?' "$binary" "$input" >"$directory.log" 2>&1; then
      failing=$((failing + 1))
      log "$target: regression input $input still fails:"
      grep -m1 -A8 ' crashed:$' "$directory.log" | grep -E '^ *[0-9]+ ' | head -6 >&2 || true
    fi
  done
  return "$failing"
}

# Fuzzes one target for $2 seconds; prints one summary line; returns 1 on a crash.
# FUZZ_KEEP_GOING=1 runs libFuzzer in fork mode with -ignore_crashes, so a long run keeps
# fuzzing past a crash and counts every crash it saves.
run_target() {
  local target=$1 seconds=$2
  local binary="$BIN/$target" corpus="${FUZZ_CORPUS_ROOT:-$FUZZ_DIR/corpus}/$target"
  local seeds="$FUZZ_DIR/seeds/$target" crashes="$FUZZ_DIR/crashes/$target"
  # One log per build variant, so a run with and one without ASan never share a file.
  local logs="$FUZZ_DIR/logs-${SANITIZERS//,/-}"
  local logfile="$logs/$target.log" marker="$logs/$target.start"
  mkdir -p "$corpus" "$crashes" "$(dirname "$logfile")"
  rm -rf "$seeds" && mkdir -p "$seeds"
  GOVCHAIN_FUZZ_SEED_DIR="$seeds" "$binary" 2>/dev/null
  local regressions=0
  run_regressions "$target" || regressions=$?
  local -a mode=()
  [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && mode=(-fork=1 -ignore_crashes=1)
  touch "$marker"
  local status=0 began=$SECONDS
  # Swift's own backtracer would take the crash signal before libFuzzer's handler, which
  # then never saves the input; libFuzzer prints a symbolized stack instead.
  SWIFT_BACKTRACE=enable=no "$binary" "${mode[@]}" -max_total_time="$seconds" \
    -max_len="$(max_len_of "$target")" -timeout=20 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$corpus" "$seeds" >"$logfile" 2>&1 || status=$?
  local elapsed=$((SECONDS - began)) runs speed crash count
  runs=$(stat_of number_of_executed_units "$logfile")
  # Fork mode prints no final stats: the last status line carries the total.
  [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$logfile" | tail -1)
  speed=$(( ${runs:-0} / (elapsed > 0 ? elapsed : 1) ))
  count=$(find "$crashes" -newer "$marker" -type f | wc -l)
  crash=$(find "$crashes" -newer "$marker" -type f | head -1)
  printf '%-18s executions %12s  exec/s %7s  corpus %6s  crashes %s  regressions failing %s\n' \
    "$target" "${runs:-?}" "$speed" "$(ls "$corpus" | wc -l)" "$count" "$regressions"
  if [ "$status" -ne 0 ] || [ "$count" -gt 0 ]; then
    log "$target FAILED (exit $status); input: ${crash:-none saved}; log: $logfile"
    # The first report line, then the top frames of our own code, demangled.
    local first='fuzz property violated|Fatal error|ERROR: (AddressSanitizer|libFuzzer)'
    grep -m1 -E "$first" "$logfile" >&2 || true
    grep -E '^ +#[0-9]+ 0x[0-9a-f]+ in ' "$logfile" | grep -vE 'libc\.so|libswiftCore|fuzzer::' \
      | head -8 | { swift demangle --simplified 2>/dev/null || cat; } | cut -c1-200 >&2 || true
    return 1
  fi
  [ "$regressions" -eq 0 ]
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
    log "failing targets: ${failed[*]} (inputs under $FUZZ_DIR/crashes/ and regressions/)"
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
  smoke)
    # A fresh corpus from the seeds each time: loading a grown corpus would take longer
    # than the pass itself, and `make test` should not depend on earlier runs.
    rm -rf "$FUZZ_DIR/smoke-corpus"
    FUZZ_CORPUS_ROOT="$FUZZ_DIR/smoke-corpus" run_all "${FUZZ_SMOKE_SECONDS:-10}"
    ;;
  repro)
    [ $# -eq 2 ] || { echo "usage: deploy/fuzz.sh repro TARGET FILE" >&2; exit 2; }
    build "$1"
    ASAN_OPTIONS=malloc_context_size=30 "$BIN/$1" "$2"
    ;;
  *) echo "usage: deploy/fuzz.sh build|run [TARGET...]|smoke|repro TARGET FILE" >&2; exit 2 ;;
esac
