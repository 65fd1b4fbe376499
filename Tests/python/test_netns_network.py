"""A network of departments on separate hosts (issue 15 item 5): 4 validators, a follower and
a validator added later, each a `govchain-node` process in its own network namespace, joined
by veth pairs to two bridges that one veth link ties together (side A: validators 0 and 1,
the follower, the added validator and this host; side B: validators 2 and 3). Faults are
real: the link between the bridges is taken down (a 2|2 partition) and brought back; a
validator process is killed with SIGKILL. Delay, loss, resets and corrupted bytes come from
a TCP proxy of our own (fault_proxy.py; `tc netem` does not work on the build machines):
test_netns_fault_proxy.py reuses `Network` with every peer connection through the proxy.

Checks: the 2|2 cut halts commits on both sides and makes no fork; healing resumes commits
within 10 s; a follower admitted by governance joins by state sync (not by replaying from
genesis) and its state matches; a validator added by governance joins and votes (the chain
survives losing an original validator only with its vote); a removed one stops counting; a
node joining by state sync after those changes checks the snapshot through their proofs.

Needs root (network namespaces), iproute2 and curl (`make deps` installs curl): without
them every test here is reported as skipped, with the reason.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
BIN = os.environ.get("GOVCHAIN_BIN_DIR", os.path.join(ROOT, ".build/debug"))
PREFIX = "gcnet"          # namespaces, veths and bridges this test makes (and removes)
SUBNET = "10.78.0"
HOST_ADDRESS = f"{SUBNET}.254"
P2P_PORT = 26600
API_PORT = 8600
SIDE_A = [0, 1, 4, 5]     # validators 0, 1, the follower (4), the added validator (5)
SIDE_B = [2, 3]
FOLLOWER, NEWCOMER = 4, 5

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("curl"),
    reason="needs root, iproute2 and curl to make network namespaces (run `make test` as root)")


def sh(*args, check=True, **kwargs):
    return subprocess.run(args, check=check, capture_output=True, text=True, **kwargs)


def address(i):
    return f"{SUBNET}.{10 + i}"


class Network:
    """The namespaces, links and node processes; `close` removes every trace."""

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="govchain-netns-")
        self.processes = {}
        self.remove_links()
        for bridge in ("A", "B"):
            sh("ip", "link", "add", f"{PREFIX}br{bridge}", "type", "bridge")
            sh("ip", "link", "set", f"{PREFIX}br{bridge}", "up")
        sh("ip", "link", "add", f"{PREFIX}abA", "type", "veth", "peer", "name", f"{PREFIX}abB")
        for bridge in ("A", "B"):
            sh("ip", "link", "set", f"{PREFIX}ab{bridge}", "master", f"{PREFIX}br{bridge}")
        self.heal()
        sh("ip", "addr", "add", f"{HOST_ADDRESS}/24", "dev", f"{PREFIX}brA")
        for i in SIDE_A + SIDE_B:
            namespace, outside = f"{PREFIX}{i}", f"{PREFIX}v{i}"
            sh("ip", "netns", "add", namespace)
            sh("ip", "link", "add", outside, "type", "veth", "peer", "name", f"{PREFIX}p{i}")
            sh("ip", "link", "set", f"{PREFIX}p{i}", "netns", namespace)
            sh("ip", "link", "set", outside, "master", f"{PREFIX}br{'A' if i in SIDE_A else 'B'}")
            sh("ip", "link", "set", outside, "up")
            inside = ["ip", "netns", "exec", namespace, "ip"]
            sh(*inside, "link", "set", "lo", "up")
            sh(*inside, "addr", "add", f"{address(i)}/24", "dev", f"{PREFIX}p{i}")
            sh(*inside, "link", "set", f"{PREFIX}p{i}", "up")

    @staticmethod
    def remove_links():
        """Whatever an earlier or interrupted run left: processes in our namespaces, the
        namespaces, and every link named with our prefix."""
        for line in sh("ip", "netns", "list", check=False).stdout.splitlines():
            name = line.split()[0] if line.split() else ""
            if name.startswith(PREFIX):
                for pid in sh("ip", "netns", "pids", name, check=False).stdout.split():
                    sh("kill", "-9", pid, check=False)
                sh("ip", "netns", "del", name, check=False)
        for line in sh("ip", "-o", "link", check=False).stdout.splitlines():
            fields = line.split(":")
            link = fields[1].strip().split("@")[0] if len(fields) > 1 else ""
            if link.startswith(PREFIX):
                sh("ip", "link", "del", link, check=False)

    def cut(self):
        for side in ("A", "B"):
            sh("ip", "link", "set", f"{PREFIX}ab{side}", "down")

    def heal(self):
        for side in ("A", "B"):
            sh("ip", "link", "set", f"{PREFIX}ab{side}", "up")

    def data(self, i):
        return f"{self.directory}/node{i}"

    def start(self, i, *extra, directory=None):
        directory = directory or self.data(i)
        log = open(f"{directory}/node.log", "a")
        self.processes[i] = subprocess.Popen(
            ["ip", "netns", "exec", f"{PREFIX}{i}", f"{BIN}/govchain-node", "start",
             "--data-dir", directory, *extra], stdout=log, stderr=subprocess.STDOUT)

    def kill(self, i):
        process = self.processes.pop(i)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def get(self, i, path):
        """GET on node i's API from inside its namespace (this host cannot reach side B
        while the link is cut); None when it does not answer 200."""
        answer = sh("ip", "netns", "exec", f"{PREFIX}{i}", "curl", "-sf", "-m", "3",
                    f"http://127.0.0.1:{API_PORT}{path}", check=False)
        return json.loads(answer.stdout) if answer.returncode == 0 else None

    def height(self, i):
        status = self.get(i, "/v1/status")
        return status["height"] if status else None

    def block_hash(self, i, height):
        block = self.get(i, f"/v1/blocks/{height}")
        return block["hash"] if block else None

    def govchain(self, *args, key=None):
        """The CLI from this host against node 0, as an operator would."""
        command = [f"{BIN}/govchain", "--node", f"http://{address(0)}:{API_PORT}",
                   "--node", f"http://{address(1)}:{API_PORT}", "--json"]
        if key:
            command += ["--key", f"{self.directory}/keys/{key}.key"]
        run = sh(*command, *args, check=False, timeout=120)
        assert run.returncode == 0, f"govchain {' '.join(args)}: {run.stderr}"
        return json.loads(run.stdout) if run.stdout.strip() else {}

    def govern(self, proposal, change, approver):
        self.govchain("org", "propose", *change, "--proposal-id", proposal, key="data-bureau-admin-1")
        return self.govchain("org", "approve", "--proposal-id", proposal, key=approver)

    def init(self, i, directory=None):
        run = sh(f"{BIN}/govchain-node", "init", "--data-dir", directory or self.data(i),
                 "--genesis", f"{self.directory}/genesis.json",
                 "--p2p-listen", f"0.0.0.0:{P2P_PORT}", "--api-listen", f"0.0.0.0:{API_PORT}")
        # The node's keys, one use each: the consensus key signs votes, the network key is
        # what peers (and a follower's admission) know it by.
        keys = {line.split(":")[0].strip(): line.split()[-1] for line in run.stdout.splitlines()
                if line.strip().startswith(("consensus key:", "network key:"))}
        return keys["consensus key"], keys["network key"]

    def close(self):
        for process in self.processes.values():
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        self.processes.clear()
        self.remove_links()
        shutil.rmtree(self.directory, ignore_errors=True)


def eventually(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


def advances(network, nodes, by, seconds):
    start = {i: network.height(i) or 0 for i in nodes}
    return eventually(lambda: all((network.height(i) or 0) >= start[i] + by for i in nodes), seconds)


@pytest.fixture(scope="module")
def network():
    net = Network()
    try:
        sh(f"{ROOT}/deploy/make-network.sh", net.directory, f"{SUBNET}.1{{i}}",
           env={**os.environ, "GOVCHAIN_BIN_DIR": BIN})
        for i in range(4):
            net.start(i)
        assert eventually(lambda: all((net.height(i) or 0) >= 2 for i in range(4)), 60), "the network did not start"
        # A domain workload, so there is state to sync: the demo's licences, grants and bills.
        demo = sh(f"{BIN}/govchain", "demo", "--localnet", net.directory,
                  "--node", f"http://{address(0)}:{API_PORT}", "--node", f"http://{address(1)}:{API_PORT}",
                  check=False, timeout=300)
        assert demo.returncode == 0, demo.stdout + demo.stderr
        yield net
    finally:
        net.close()


def test_a_2_2_cut_halts_commits_without_a_fork_and_healing_resumes_within_10_s(network):
    assert advances(network, range(4), 2, 30)
    network.cut()
    # Whatever was in flight commits; then neither half has a quorum (3 of 4).
    time.sleep(3)
    halted = {i: network.height(i) for i in range(4)}
    time.sleep(5)
    assert {i: network.height(i) for i in range(4)} == halted, "a half of two committed"
    network.heal()
    healed_at = time.monotonic()
    assert advances(network, range(4), 1, 10), "commits did not resume within 10 s of healing"
    print(f"commits resumed {time.monotonic() - healed_at:.1f} s after healing")
    top = min(network.height(i) for i in range(4))
    for height in range(1, top + 1):
        hashes = {network.block_hash(i, height) for i in range(4)}
        assert len(hashes) == 1 and None not in hashes, f"height {height}: {hashes}"


def test_a_follower_admitted_by_governance_joins_by_state_sync_and_matches(network):
    _, key = network.init(FOLLOWER)
    network.govern("P-NETNS-FOLLOW", ["add-follower", "--name", "health-replica", "--public-key", key],
                   "data-bureau-admin-2")
    network.start(FOLLOWER, "--state-sync")
    tip = network.height(0)
    assert eventually(lambda: (network.height(FOLLOWER) or 0) >= tip + 2, 90), "the follower did not join"
    status = network.get(FOLLOWER, "/v1/status")
    assert status["is_validator"] is False
    # Joined from a snapshot: it holds no block from before it, yet agrees on every block
    # since (a header carries the state root of the block before it).
    assert network.get(FOLLOWER, "/v1/blocks/1") is None, "the follower replayed from genesis"
    height = network.height(FOLLOWER)
    assert network.block_hash(FOLLOWER, height) == network.block_hash(0, height)
    assert network.get(FOLLOWER, "/v1/followers")["items"] == network.get(0, "/v1/followers")["items"]
    assert network.get(FOLLOWER, f"/v1/state/proof?key=gov/parameters&height={height - 1}")["state_root"] == \
        network.get(0, f"/v1/state/proof?key=gov/parameters&height={height - 1}")["state_root"]


def test_a_validator_added_by_governance_votes_and_a_removed_one_stops_counting(network):
    key, network_key = network.init(NEWCOMER)
    network.start(NEWCOMER)  # joins by replaying every block (the follower shows state sync)
    added = network.govern("P-NETNS-ADD", ["add-validator", "--name", "health-bureau", "--public-key", key,
                                           "--network-key", network_key,
                                           "--address", f"{address(NEWCOMER)}:{P2P_PORT}"], "data-bureau-admin-2")
    assert eventually(lambda: (network.height(NEWCOMER) or 0) >= added["height"] + 3, 90), "the new validator did not join"
    # Five validators need four votes: with validator 3 killed, the chain goes on only because
    # the new one votes, and its signature is on every certificate from then on.
    network.kill(3)
    assert advances(network, [0, 1, 2, NEWCOMER], 3, 30), "the chain stopped: the added validator does not vote"
    sets = network.get(0, "/v1/validator-sets")["items"]
    assert [len(s["validators"]) for s in sets] == [4, 5]
    index = [v["public_key"] for v in sets[-1]["validators"]].index(key)
    recent = network.height(0)
    assert index in network.get(0, f"/v1/blocks/{recent}")["certificate"]["signers"]
    # Validator 3 removed: four validators need three votes, so losing validator 0 too
    # leaves 1, 2 and the new one a quorum.
    node3 = json.load(open(f"{network.directory}/genesis.json"))["validators"][3]["publicKey"]
    removed = network.govern("P-NETNS-RM", ["remove-validator", "--public-key", node3], "data-bureau-admin-3")
    assert eventually(lambda: (network.height(1) or 0) >= removed["height"] + 2, 30)
    network.kill(0)
    assert advances(network, [1, 2, NEWCOMER], 3, 30), "after the removal, three of four must be a quorum"


def test_a_node_joining_by_state_sync_after_set_changes_checks_the_snapshot_through_their_proofs(network):
    """Runs after the test above (validator 3 removed and its process killed, a validator
    added): the snapshot is certified by a set genesis does not name, so the joining node,
    which trusts only genesis, must check the changes' proofs the manifest carries."""
    late, directory = 3, f"{network.directory}/late"  # validator 3's namespace, a new node
    # A serving node keeps the snapshot it made for the follower above until the chain is far
    # past it; restarted, validators 1 and 2 (those the new node reaches: it dials the
    # genesis validators) make new ones, of a height only the new set certifies.
    for serving in (1, 2):
        network.kill(serving)
        network.start(serving)
        assert advances(network, [1, 2, NEWCOMER], 2, 60), f"validator {serving} did not come back"
    _, key = network.init(late, directory)
    network.govern("P-NETNS-LATE", ["add-follower", "--name", "late-replica", "--public-key", key],
                   "data-bureau-admin-2")
    network.start(late, "--state-sync", directory=directory)
    tip = network.height(1)
    assert eventually(lambda: (network.height(late) or 0) >= tip + 2, 120), "the late node did not join"
    assert network.get(late, "/v1/blocks/1") is None, "the late node replayed from genesis"
    assert len(network.get(late, "/v1/validator-sets")["items"]) == 3
    height = network.height(late)
    assert network.block_hash(late, height) == network.block_hash(1, height)
    log = open(f"{directory}/node.log").read()
    assert "state sync" in log and "refused a manifest" not in log, log[-2000:]
