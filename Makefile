# GovChain: two commands on a fresh Debian 12 machine with Swift: `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := librocksdb-dev libsodium-dev libssl-dev pkg-config curl jq openssl
BIN := .build/debug
RELEASE_BIN := .build/release

.PHONY: deps test-deps build release run stop status test bench-crypto bench simulate clean \
	fuzz-deps fuzz fuzz-smoke

# Installs the three -dev libraries (and pkg-config, curl and jq for the scripts) with apt-get
# when any is missing.
# Installs those of the Debian packages $(1) that are missing (apt-get, as root or via sudo).
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_install,$(APT_PACKAGES))

# schemathesis (PyPI) drives the API from its OpenAPI document in `make test`, and
# openapi-spec-validator / openapi-schema-validator check the document and every answer
# against it (Tests/python/test_api_conformance.py); pytest runs
# the Python tests, gmssl (pure-Python SM2/SM3) cross-checks the national algorithms, PyNaCl
# (Ed25519) signs the transaction vectors of docs/encoding.md from Python, and
# openapi-python-client generates a client from a live node's /openapi.json; the
# explorer's browser test needs Debian's chromium, chromium-driver and prometheus, and
# selenium from PyPI (libnss3-tools' certutil makes the browser trust the test CA); iproute2
# makes the multi-host test's namespaces. Each is installed only when missing.
EXPLORER_APT_PACKAGES := chromium chromium-driver prometheus libnss3-tools
# The multi-host tests (Tests/python/test_netns_network.py, and test_netns_fault_proxy.py
# with delay, loss, resets and corruption through Tests/python/fault_proxy.py) make network
# namespaces, veth pairs and bridges with iproute2's `ip` (as root; without root they report
# themselves skipped).
NETNS_APT_PACKAGES := iproute2
test-deps: deps
	@command -v schemathesis >/dev/null || python3 -m pip install --quiet schemathesis
	@python3 -c "import pytest, gmssl, nacl" 2>/dev/null || python3 -m pip install --quiet pytest gmssl pynacl
	@command -v openapi-python-client >/dev/null \
	  || python3 -m pip install --quiet openapi-python-client  # test_generated_client_flow.py
	@python3 -c "import openapi_spec_validator, openapi_schema_validator" 2>/dev/null \
	  || python3 -m pip install --quiet openapi-spec-validator openapi-schema-validator
	$(call apt_install,$(EXPLORER_APT_PACKAGES) $(NETNS_APT_PACKAGES))
	@python3 -c "import selenium" 2>/dev/null || python3 -m pip install --quiet selenium
	@command -v yamllint >/dev/null || python3 -m pip install --quiet yamllint  # deploy/validate.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# A fresh 4-validator devnet under .localnet/, 4 node processes on loopback, the API over
# HTTPS (a local CA in .localnet-tls/) with signed reads, the demo workload; the cluster
# keeps running (`make stop` stops it, `make status` shows it). SUITE=sm2-sm3 runs it on an
# SM2/SM3 chain (national algorithms), still HTTPS, with open reads (browsers cannot sign
# SM2; deploy/localnet.sh says more); READS=signed|open overrides.
SUITE ?= ed25519-sha256
READS ?=
run: build
	GOVCHAIN_SUITE=$(SUITE) GOVCHAIN_READS=$(READS) deploy/localnet.sh up 4
	deploy/localnet.sh demo
	@deploy/localnet.sh info
	@echo "cluster left running: 'make status' to look, 'make stop' to stop it"

stop:
	deploy/localnet.sh down

status:
	deploy/localnet.sh status

# Builds everything (the end-to-end tests start the built executables), runs the Python
# tests, fuzzes the API from its OpenAPI document, drives the explorer in headless Chromium
# against a live cluster serving HTTPS with signed reads (deploy/explorer-test.sh), runs a
# short pass of every libFuzzer target, runs the library's domain-flow suites once in a
# process of suite sm2-sm3, then runs every Swift test (its summary line comes last).
test: test-deps fuzz-deps
	$(SWIFT) build --build-tests
	GOVCHAIN_BIN_DIR=$(CURDIR)/$(BIN) python3 -m pytest -q Tests/python
	deploy/api-fuzz.sh
	deploy/validate.sh
	deploy/explorer-test.sh
	$(MAKE) fuzz-smoke
	GOVCHAIN_BIN_DIR=$(CURDIR)/$(BIN) GOVCHAIN_TEST_SUITE=sm2-sm3 \
	  $(SWIFT) test --skip-build --filter "ClientCLITests|VerifiedClientTests"
	GOVCHAIN_BIN_DIR=$(CURDIR)/$(BIN) $(SWIFT) test --skip-build

bench-crypto: release
	$(RELEASE_BIN)/govchain-node bench-crypto --seconds 2

# Open-loop benchmark on a fresh 4-validator cluster of release binaries (BENCHMARKS.md):
# the machine's ceiling, saturation search, 60 s at 80% of saturation, 3x overload; prints
# one JSON line last. BENCH_SCRATCH picks the build directory (default .build); SUITE=sm2-sm3
# benchmarks an SM2/SM3 chain.
BENCH_SCRATCH ?= .build
bench: deps
	$(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH)
	GOVCHAIN_BIN=$(BENCH_SCRATCH)/release GOVCHAIN_SUITE=$(SUITE) deploy/bench.sh

# libFuzzer targets (docs/fuzzing.md). The toolchain ships libFuzzer and the sanitizer
# runtimes; linking them needs the C++ runtime's development files, which Swift's own
# Debian 12 dependencies list but a minimal image may lack.
FUZZ_APT_PACKAGES := libstdc++-12-dev
fuzz-deps: deps
	$(call apt_install,$(FUZZ_APT_PACKAGES))

# Fuzzes every target (or FUZZ_TARGETS) for FUZZ_SECONDS each, keeping the corpora under
# .build-fuzz/corpus; prints executions, exec/s and crashes per target and fails on a crash
# with the saved input's path. FUZZ_SANITIZERS=fuzzer drops AddressSanitizer for speed.
FUZZ_SECONDS ?= 120
FUZZ_TARGETS ?=
fuzz: fuzz-deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) deploy/fuzz.sh run $(FUZZ_TARGETS)

# The short pass for `make test`: 10 s per target (FUZZ_SMOKE_SECONDS) from a fresh corpus.
fuzz-smoke: fuzz-deps
	deploy/fuzz.sh smoke

# 10,000 seeds of the simulator over the real executor and contracts, one Byzantine
# validator running every attack (docs/consensus.md "What a faulty validator can and cannot do").
simulate: release
	$(RELEASE_BIN)/govchain-node simulate --seeds 10000 --nodes 4 --byzantine 1 --adversary all --jobs 2

clean:
	rm -rf .build .build-fuzz .localnet .localnet-tls
