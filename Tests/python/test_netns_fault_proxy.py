"""Four validators on separate hosts (network namespaces, as in test_netns_network.py) whose
every peer connection passes through the fault-injecting TCP proxy (fault_proxy.py), run in
this process on the host side of the bridge: genesis names validator i at
10.78.0.254:26700+i, where the proxy listens and forwards to the validator's real address
(10.78.0.1i:26600). `tc netem` does not work on the build machines; the proxy makes the
faults instead: delay with jitter, loss (a segment held back for a retransmission timeout,
as TCP makes of it), resets and corrupted bytes.

Checks: with 40 ms +/- 20 ms each way and 5% of chunks held back, the chain keeps
committing, a governance transaction commits and every node has the same block hashes; with
resets and corruption for a while, the nodes drop the broken connections and dial again, no
node process dies or logs a crash, and once the faults stop every node advances again and
they agree. The proxy's counters show each fault really fired.

Needs root, iproute2 and curl, like test_netns_network.py (skipped without them).
"""
import json
import os
import re
import time
import urllib.request

import pytest

import test_netns_network
from fault_proxy import FaultProxy
from test_netns_network import (API_PORT, BIN, HOST_ADDRESS, P2P_PORT, ROOT, SUBNET, Network,
                                address, advances, eventually, sh)

pytestmark = test_netns_network.pytestmark
PROXY_PORT = 26700        # validator i is reached at HOST_ADDRESS:PROXY_PORT+i
VALIDATORS = range(4)
CRASH = re.compile(r"fatal error|crash|segmentation fault|illegal instruction|precondition failed"
                   r"|assertion failed|backtrace", re.IGNORECASE)


def get(i, path):
    """GET on node i's API from this host (no link is cut here); None unless 200."""
    try:
        with urllib.request.urlopen(f"http://{address(i)}:{API_PORT}{path}", timeout=3) as answer:
            return json.load(answer)
    except (OSError, ValueError):
        return None


def agree_on_every_block(nodes):
    """Every node has the same hash at every height up to the lowest tip; returns that tip."""
    top = min(get(i, "/v1/status")["height"] for i in nodes)
    for height in range(1, top + 1):
        hashes = {(get(i, f"/v1/blocks/{height}") or {}).get("hash") for i in nodes}
        assert len(hashes) == 1 and None not in hashes, f"height {height}: {hashes}"
    return top


def delta(after, before):
    return {name: after[name] - before[name] for name in after if name != "peak_buffered"}


@pytest.fixture(scope="module")
def proxied():
    net, proxy = Network(), None
    try:
        sh(f"{ROOT}/deploy/make-network.sh", net.directory, f"{SUBNET}.1{{i}}",
           env={**os.environ, "GOVCHAIN_BIN_DIR": BIN})
        # Before any node starts (the addresses are part of the genesis hash): every
        # validator is dialled at its proxy listener.
        genesis = json.load(open(f"{net.directory}/genesis.json"))
        for i, validator in enumerate(genesis["validators"]):
            validator["address"] = f"{HOST_ADDRESS}:{PROXY_PORT + i}"
        for path in [f"{net.directory}/genesis.json"] + [f"{net.data(i)}/genesis.json" for i in VALIDATORS]:
            with open(path, "w") as file:
                json.dump(genesis, file, indent=2)
        proxy = FaultProxy(seed=15)
        for i in VALIDATORS:
            proxy.add_route((HOST_ADDRESS, PROXY_PORT + i), (address(i), P2P_PORT))
        for i in VALIDATORS:
            net.start(i)
        assert eventually(lambda: all((net.height(i) or 0) >= 2 for i in VALIDATORS), 60), \
            "the network did not start"
        assert proxy.counters()["connections"] >= 6, "the validators do not talk through the proxy"
        yield net, proxy
    finally:
        if proxy:
            proxy.stop()
        net.close()


def rate(net, seconds):
    """Blocks per second node 0 commits over `seconds` (a figure to print, not to assert)."""
    start, began = net.height(0) or 0, time.monotonic()
    time.sleep(seconds)
    return ((net.height(0) or 0) - start) / (time.monotonic() - began)


def test_under_delay_and_loss_a_transaction_commits_and_no_node_forks(proxied):
    net, proxy = proxied
    clean = rate(net, 3)
    before = proxy.counters()
    proxy.set_faults(delay_ms=40, jitter_ms=20, loss=0.05)
    started = time.monotonic()
    assert advances(net, VALIDATORS, 10, 90), "the chain stopped under delay and loss"
    advanced = time.monotonic() - started
    lossy = rate(net, 3)
    key = sh(f"{BIN}/govchain", "keygen", "--out", f"{net.directory}/keys/proxy-replica.key").stdout.split()[-1]
    submitted = time.monotonic()
    committed = net.govern("P-PROXY-FOLLOW", ["add-follower", "--name", "proxy-replica", "--public-key", key],
                           "data-bureau-admin-2")
    took = time.monotonic() - submitted
    assert eventually(lambda: all((net.height(i) or 0) >= committed["height"] for i in VALIDATORS), 30)
    for i in VALIDATORS:
        followers = get(i, "/v1/followers")["items"]
        assert any(key in json.dumps(item) for item in followers), f"node {i}: {followers}"
    # Enough chunks held back that the loss was more than a blip (bounded; checked below).
    eventually(lambda: delta(proxy.counters(), before)["held_back"] >= 20, 30)
    top = agree_on_every_block(VALIDATORS)
    fired = delta(proxy.counters(), before)
    proxy.clear_faults()
    print(f"\ndelay+loss: {clean:.1f} blocks/s before, {lossy:.1f} blocks/s under the faults; "
          f"10 blocks on every node in {advanced:.1f} s; propose+approve committed in {took:.1f} s; "
          f"{top} blocks agree; proxy: {fired}")
    assert fired["delayed"] > 0 and fired["held_back"] > 0, fired
    assert fired["resets"] == 0 and fired["corruptions"] == 0


def reasons(log):
    """Why connections were dropped, each reason once (numbers and keys left out)."""
    found = set()
    for line in log.splitlines():
        if "dropped peer" in line:
            reason = line.split("dropped peer", 1)[1].split(":", 1)[-1].strip()
            found.add(re.sub(r"[0-9a-f]{16,}|\d+", "#", reason)[:80])
    return found


def test_resets_and_corruption_drop_connections_no_node_dies_and_all_agree_after(proxied):
    net, proxy = proxied
    logs_before = {i: len(open(f"{net.data(i)}/node.log").read()) for i in VALIDATORS}
    before, height_before = proxy.counters(), net.height(0)
    proxy.set_faults(delay_ms=5, jitter_ms=5, reset=0.02, corrupt=0.02)
    # Until each fault has fired often enough (bounded: the counters are checked below).
    eventually(lambda: min(delta(proxy.counters(), before)[name] for name in ("resets", "corruptions")) >= 15, 30)
    proxy.clear_faults()
    healed_at = time.monotonic()
    fired, during = delta(proxy.counters(), before), (net.height(0) or 0) - height_before
    for i in VALIDATORS:
        assert net.processes[i].poll() is None, f"node {i} died: exit {net.processes[i].returncode}"
    assert advances(net, VALIDATORS, 3, 45), "the chain did not come back after the faults stopped"
    recovered = time.monotonic() - healed_at
    top = agree_on_every_block(VALIDATORS)
    dropped, why = {}, set()
    for i in VALIDATORS:
        assert net.processes[i].poll() is None, f"node {i} died: exit {net.processes[i].returncode}"
        log = open(f"{net.data(i)}/node.log").read()
        crash = CRASH.search(log)
        assert crash is None, f"node {i} logged {crash.group(0)!r}: {log[-3000:]}"
        dropped[i] = log[logs_before[i]:].count("dropped peer")
        why |= reasons(log[logs_before[i]:])
    print(f"\nreset+corrupt: proxy {fired}; {during} blocks committed during the faults; "
          f"'dropped peer' lines per node {dropped}; every node 3 blocks on {recovered:.1f} s after "
          f"the faults stopped; {top} blocks agree; reasons: {sorted(why)}")
    assert fired["resets"] > 0 and fired["corruptions"] > 0, fired
    assert fired["connections"] > 0, "nobody dialled again after the resets"
    assert sum(dropped.values()) > 0, "no node noticed a corrupted or cut connection"
