"""Who may read what (issue 14): signed requests, role-scoped reads, the read audit and the
per-caller limits, against a live node.

A one-validator node runs the demo workload with open reads, then restarts with
`reads = "signed"` (and a low per-caller rate), and the tests call it the way a department,
an auditor, a stranger and an attacker would, signing with the devnet's own keys (PyNaCl,
the scheme docs/api.md "Signed requests" gives).
"""
import hashlib
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

nacl = pytest.importorskip("nacl.signing")

BIN = os.environ.get("GOVCHAIN_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../.build/debug"))
P2P_PORT = 31850
API_PORT = 31860
BASE = f"http://127.0.0.1:{API_PORT}"
CHAIN_ID = "govchain-devnet"


class Node:
    def __init__(self, directory):
        self.directory = directory
        self.process = None

    def start(self):
        log = open(os.path.join(self.directory, "node.log"), "a")
        self.process = subprocess.Popen(
            [f"{BIN}/govchain-node", "start", "--data-dir", f"{self.directory}/node0"],
            stdout=log, stderr=subprocess.STDOUT)
        for _ in range(150):
            try:
                with urllib.request.urlopen(BASE + "/v1/status", timeout=2) as answer:
                    if json.loads(answer.read())["height"] >= 1:
                        return
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError("node did not start")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    def key(self, name):
        with open(os.path.join(self.directory, "keys", f"{name}.key")) as handle:
            seed = bytes.fromhex(handle.read().strip().split(":", 1)[1])
        return nacl.SigningKey(seed)


def authorization(key, method, path, query="", body=b"", time_ms=None, nonce=None):
    time_ms = int(time.time() * 1000) if time_ms is None else time_ms
    nonce = nonce or secrets.token_hex(16)
    message = "\n".join(["govchain/request/v1", CHAIN_ID, method, path, query,
                         hashlib.sha256(body).hexdigest(), str(time_ms), nonce]).encode()
    signature = key.sign(message).signature.hex()
    public = key.verify_key.encode().hex()
    return f"GovChain key={public}, time={time_ms}, nonce={nonce}, signature={signature}"


def get(path, key=None, header=None):
    split = urllib.parse.urlsplit(path)
    request = urllib.request.Request(BASE + path)
    if header is None and key is not None:
        header = authorization(key, "GET", split.path, split.query)
    if header is not None:
        request.add_header("Authorization", header)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


@pytest.fixture(scope="module")
def node():
    if not os.path.exists(os.path.join(BIN, "govchain-node")):
        pytest.skip(f"no govchain-node in {BIN}: build first (make test does)")
    directory = tempfile.mkdtemp(prefix="govchain-access-")
    subprocess.run([f"{BIN}/govchain-node", "genesis", "devnet", "--validators", "1", "--out", directory,
                    "--p2p-base-port", str(P2P_PORT), "--api-base-port", str(API_PORT)],
                   check=True, capture_output=True)
    node = Node(directory)
    try:
        node.start()
        demo = subprocess.run([f"{BIN}/govchain", "demo", "--localnet", directory, "--node", BASE, "--node", BASE],
                              capture_output=True, text=True, timeout=180)
        assert demo.returncode == 0, demo.stdout + demo.stderr
        node.stop()
        config = os.path.join(directory, "node0", "config.toml")
        with open(config) as handle:
            text = handle.read()
        text = text.replace("[api]\n", '[api]\nreads = "signed"\nrequests_per_second = 5\nburst = 40\n', 1)
        with open(config, "w") as handle:
            handle.write(text)
        node.start()
        yield node
    finally:
        if node.process and node.process.poll() is None:
            node.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def trail(node):
    """The demo's grant and bill, as the auditor reads them."""
    auditor = node.key("audit-office")
    status, organisations, _ = get("/v1/organisations", auditor)
    assert status == 200
    height = get("/v1/status")[1]["height"]
    found = {}
    for h in range(1, height + 1):
        for tx in get(f"/v1/blocks/{h}", auditor)[1]["transactions"]:
            for event in get(f"/v1/transactions/{tx}", auditor)[1]["events"]:
                for attribute in event["attributes"]:
                    found.setdefault(f"{event['type']}.{attribute['key']}", attribute["value"])
    return found


def test_unsigned_reads_of_personal_data_are_refused_but_public_routes_answer(node, trail):
    status, body, _ = get(f"/v1/payers/{trail['issued.payer']}/bills")
    assert status == 401 and body["error"]["code"] == "unauthenticated"
    assert get(f"/v1/grants/{trail['granted.grant']}")[0] == 401
    assert get("/v1/status")[0] == 200
    status, licence, _ = get(f"/v1/licences/{urllib.parse.quote(trail['issued.licence'])}", node.key("audit-office"))
    assert status == 200
    digest = licence["record"]["file_digest"]
    status, check, _ = get(f"/v1/licences/{urllib.parse.quote(trail['issued.licence'])}/verify?digest={digest}")
    assert status == 200 and check["valid"] is True


def test_a_department_reads_grants_naming_it_and_not_another_departments(node, trail):
    grant = trail["granted.grant"]
    status, body, _ = get(f"/v1/grants/{grant}", node.key("public-security"))
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body, _ = get(f"/v1/grants/{grant}", node.key("housing-fund"))
    assert status == 200 and body["record"]["grantee_organisation"] == "housing-fund"
    # ...and that read of personal data is itself recorded, for the auditors.
    status, audit, _ = get("/v1/read-audit?limit=500", node.key("audit-office"))
    assert status == 200
    assert any(entry["organisation"] == "housing-fund" and entry["request"] == f"GET /v1/grants/{grant}"
               for entry in audit["items"]), audit
    assert get("/v1/read-audit", node.key("housing-fund"))[0] == 403


def test_an_auditor_reads_everything(node, trail):
    auditor = node.key("audit-office")
    for path in [f"/v1/payers/{trail['issued.payer']}/bills", f"/v1/holders/{trail['issued.holder']}/grants",
                 f"/v1/grants/{trail['granted.grant']}", f"/v1/bills/{trail['issued.bill']}/claims",
                 "/v1/blocks/latest", "/v1/evidence", "/v1/proposals"]:
        status, body, _ = get(path, auditor)
        assert status == 200, (path, body)


def test_a_reimburser_reads_bills_and_claims_but_not_a_wallet(node, trail):
    insurer = node.key("medical-insurance")
    assert get(f"/v1/bills/{trail['issued.bill']}/claims", insurer)[0] == 200
    assert get(f"/v1/payers/{trail['issued.payer']}/bills", insurer)[0] == 403


def test_forged_replayed_and_stale_signatures_are_refused(node, trail):
    key = node.key("housing-fund")
    path = f"/v1/grants/{trail['granted.grant']}"
    header = authorization(key, "GET", path)
    assert get(path, header=header)[0] == 200
    status, body, _ = get(path, header=header)
    assert status == 401 and body["error"]["code"] == "replayed"
    stale = authorization(key, "GET", path, time_ms=int(time.time() * 1000) - 10 * 60 * 1000)
    assert get(path, header=stale)[1]["error"]["code"] == "stale_request"
    other = authorization(key, "GET", "/v1/organisations")  # signed for another path
    assert get(path, header=other)[1]["error"]["code"] == "invalid_signature"
    stranger = nacl.SigningKey.generate()
    assert get(path, stranger)[1]["error"]["code"] == "unknown_key"
    assert get(path, header="GovChain key=zz")[1]["error"]["code"] == "unauthenticated"


def test_a_caller_over_its_rate_gets_429_with_retry_after_and_others_do_not(node):
    key = node.key("market-regulation")
    answers = [get("/v1/organisations", key) for _ in range(60)]
    refused = [headers for status, _, headers in answers if status == 429]
    assert refused, "60 requests at once should exceed a burst of 40"
    assert all(int(headers["Retry-After"]) >= 1 for headers in refused)
    assert get("/v1/organisations", node.key("audit-office"))[0] == 200


def test_event_streams_are_bounded_per_caller(node):
    auditor = node.key("audit-office")
    connections = []
    try:
        statuses = []
        for _ in range(5):
            connection = http.client.HTTPConnection("127.0.0.1", API_PORT, timeout=10)
            connection.request("GET", "/v1/events", headers={"Authorization": authorization(auditor, "GET", "/v1/events")})
            response = connection.getresponse()
            statuses.append(response.status)
            connections.append(connection)
        assert statuses[:4] == [200] * 4 and statuses[4] == 429, statuses
        forbidden = get("/v1/events", node.key("housing-fund"))
        assert forbidden[0] == 403
    finally:
        for connection in connections:
            connection.close()
