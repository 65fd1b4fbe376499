"""The whole domain flow through a client generated from the node's SERVED /openapi.json.

A fresh 4-validator devnet runs on its own ports (31700-31703 peers, 31710-31713 API), its
API over HTTPS only (certificates of a throwaway CA from deploy/tls-certs.sh) and its reads
only to signed requests (`api.reads = "signed"`, docs/api.md). The test fetches
/openapi.json from a live node, generates a Python client from it with
openapi-python-client, and then uses only that client (its httpx transport checking the
nodes against the CA file and signing every request for the caller), PyNaCl and
govchain_wire.py (the encoder written from docs/encoding.md): no project code runs apart
from the nodes. The organisations' keys are the devnet's own key files (nothing is
registered by hand).

Flow: governance registers the licence type and the service item (two admins), the police
issue a licence, the identity provider records the holder's grant to the housing fund,
the housing fund uses the licence under it, the hospital issues a medical bill, two
insurers claim its whole amount at two different nodes at the same moment (exactly one
wins: the total claimed never exceeds the bill), and the trail is read back, from a third
node too.
"""

import concurrent.futures
import hashlib
import importlib
import json
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

import httpx
import pytest

import govchain_wire as wire

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("GOVCHAIN_BIN_DIR", os.path.join(ROOT, ".build", "debug"))
# Ports no other test uses (explorer-test 314xx/315xx, conformance 31830/31840).
P2P_BASE = 31700
API_BASE = 31710
NODES = 4
DAY_MS = 86_400_000
PEPPER = b"devnet-identity-pepper"  # the identity provider's pepper in this test


def url(index):
    return f"https://127.0.0.1:{API_BASE + index}"


def ca_file(directory):
    return os.path.join(directory, "tls", "ca.pem")


def raw_height(directory, index):
    """Readiness only (before the client exists): the node's height, or -1."""
    context = ssl.create_default_context(cafile=ca_file(directory))
    try:
        with urllib.request.urlopen(url(index) + "/v1/status", timeout=2,
                                    context=context) as response:
            return json.loads(response.read())["height"]
    except (OSError, ValueError, KeyError):
        return -1


def serve_tls_and_signed_reads(directory):
    """Every node's API: HTTPS with a certificate of a fresh CA, reads only when signed."""
    tls = os.path.join(directory, "tls")
    subprocess.run(["bash", os.path.join(ROOT, "deploy", "tls-certs.sh"), tls]
                   + [f"node{index}" for index in range(NODES)], check=True)
    for index in range(NODES):
        path = os.path.join(directory, f"node{index}", "config.toml")
        with open(path) as handle:
            text = handle.read()
        assert "[api]\n" in text
        text = text.replace("[api]\n", f"[api]\ntls_certificate = '{tls}/node{index}.pem'\n"
                            f"tls_key = '{tls}/node{index}.key'\nreads = 'signed'\n", 1)
        with open(path, "w") as handle:
            handle.write(text)


class RequestSignature(httpx.Auth):
    """Signs each request with an organisation key (docs/api.md "Signed requests"): the
    path and query exactly as sent, the SHA-256 of the body, the time and a fresh nonce."""
    requires_request_body = True

    def __init__(self, chain_id, signer):
        self.chain_id, self.signer = chain_id, signer

    def auth_flow(self, request):
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        time_ms = int(time.time() * 1000)
        nonce = secrets.token_hex(16)
        message = "\n".join(["govchain/request/v1", self.chain_id, request.method, path, query,
                             hashlib.sha256(request.content).hexdigest(), str(time_ms),
                             nonce]).encode()
        signature = self.signer.sign(message).hex()
        request.headers["Authorization"] = (
            f"GovChain key={self.signer.public_key.hex()}, time={time_ms}, nonce={nonce}, "
            f"signature={signature}")
        yield request


@pytest.fixture(scope="module")
def cluster():
    if not os.path.exists(os.path.join(BIN, "govchain-node")):
        pytest.skip(f"no govchain-node in {BIN}: build first (make test does)")
    directory = tempfile.mkdtemp(prefix="govchain-generated-client-")
    subprocess.run([f"{BIN}/govchain-node", "genesis", "devnet", "--validators", str(NODES),
                    "--out", directory, "--p2p-base-port", str(P2P_BASE),
                    "--api-base-port", str(API_BASE)], check=True, capture_output=True,
                   cwd=ROOT)  # it reads genesis/devnet.template.json
    serve_tls_and_signed_reads(directory)
    processes, logs = [], []
    try:
        for index in range(NODES):
            log = open(os.path.join(directory, f"node{index}.log"), "w")
            logs.append(log)
            processes.append(subprocess.Popen(
                [f"{BIN}/govchain-node", "start", "--data-dir", f"{directory}/node{index}"],
                stdout=log, stderr=subprocess.STDOUT))
        for _ in range(300):
            if all(raw_height(directory, index) >= 1 for index in range(NODES)):
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the cluster did not start; see {directory}/node*.log")
        yield directory
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        for log in logs:
            log.close()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def api(cluster):
    """The client package generated from the document node 0 serves."""
    generator = shutil.which("openapi-python-client")
    if generator is None:
        pytest.fail("openapi-python-client is not installed (make test-deps installs it)")
    context = ssl.create_default_context(cafile=ca_file(cluster))
    with urllib.request.urlopen(url(0) + "/openapi.json", timeout=10,
                                context=context) as response:
        document = response.read()
    spec = os.path.join(cluster, "openapi.json")
    with open(spec, "wb") as handle:
        handle.write(document)
    output = os.path.join(cluster, "generated", "govchain_generated")
    result = subprocess.run([generator, "generate", "--path", spec, "--meta", "none",
                             "--output-path", output], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, os.path.dirname(output))
    try:
        yield importlib.import_module("govchain_generated")
    finally:
        sys.path.remove(os.path.dirname(output))


class Chain:
    """The generated client at each node for each caller, and the devnet's organisation keys.
    Every client checks the nodes against the test CA and signs for its caller."""

    AUDITOR = "audit-office"

    def __init__(self, api, directory):
        self.api = api
        self.directory = directory
        self.clients = {}
        self.chain_id = None  # status is an open route: no signature needed to learn it
        status = self.call("operations.get_status", node=0, caller=None)
        assert status.crypto_suite.value == "ed25519-sha256"
        self.chain_id = status.chain_id

    def client(self, node, caller, ca=None):
        """The generated client at `node`, signing as `caller` (a key file name, or None)."""
        ca = ca or ca_file(self.directory)
        key = (node, caller, ca)
        if key not in self.clients:
            auth = RequestSignature(self.chain_id, self.signer(caller)) if caller else None
            self.clients[key] = self.api.client.Client(
                base_url=url(node), timeout=70.0, verify_ssl=ssl.create_default_context(cafile=ca),
                httpx_args={"auth": auth} if auth else {})
        return self.clients[key]

    def module(self, name):
        return importlib.import_module(f"{self.api.__name__}.api.{name}")

    def call(self, name, *args, node=0, caller=AUDITOR, **kwargs):
        """A generated operation's answer, read as `caller`; an Error model fails the test."""
        answer = self.module(name).sync(*args, client=self.client(node, caller), **kwargs)
        error_model = importlib.import_module(f"{self.api.__name__}.models.error").Error
        assert answer is not None and not isinstance(answer, error_model), \
            f"{name}{args}: {answer.to_dict() if answer is not None else None}"
        return answer

    def status_code(self, name, *args, node=0, caller=AUDITOR, ca=None, **kwargs):
        """The HTTP status a generated operation gets, for refusals."""
        return self.module(name).sync_detailed(
            *args, client=self.client(node, caller, ca), **kwargs).status_code

    def signer(self, name):
        """A devnet key file: `govchain-ed25519-seed:<64 hex>` (docs/encoding.md)."""
        with open(os.path.join(self.directory, "keys", f"{name}.key")) as handle:
            prefix, seed = handle.read().strip().split(":")
        assert prefix == "govchain-ed25519-seed"
        return wire.ed25519_signer(bytes.fromhex(seed))

    def submit(self, signer_name, contract, method, args, node=0):
        """Builds, signs and sends a transaction at `node`, waiting for its commit."""
        height = self.call("operations.get_status", node=node, caller=signer_name).height
        tx = wire.build_transaction(self.chain_id, self.signer(signer_name),
                                    secrets.token_bytes(16), height + 1_000, contract, method,
                                    args)
        submission = importlib.import_module(f"{self.api.__name__}.models.submission")
        answer = self.call("transactions.submit_transaction", node=node, caller=signer_name,
                           body=submission.Submission(transaction=tx.transaction.hex()),
                           wait=True, timeout_ms=60_000)
        assert answer.tx_id == tx.tx_id.hex(), "the node's id is the id docs/encoding.md gives"
        assert answer.status.value == "committed", answer.to_dict()
        return tx, answer

    def succeed(self, signer_name, contract, method, args, node=0):
        tx, answer = self.submit(signer_name, contract, method, args, node)
        assert answer.code == 0, f"{contract}.{method}: {answer.code} {answer.message}"
        return tx, answer


def credit_code(directory, organisation):
    with open(os.path.join(directory, "genesis.json")) as handle:
        genesis = json.load(handle)
    return next(o["creditCode"] for o in genesis["organisations"] if o["id"] == organisation)


def govern(chain, proposal_id, change):
    chain.succeed("data-bureau-admin-1", "governance", "propose",
                  {"proposal_id": proposal_id, "change": change})
    chain.succeed("data-bureau-admin-2", "governance", "approve", {"proposal_id": proposal_id})


def test_domain_flow_through_the_generated_client(cluster, api):
    chain = Chain(api, cluster)
    run = str(int(time.time()))
    now = int(time.time() * 1000)
    # The identity provider's commitments of one person: licences and grants, and bills.
    person = "36010219900101" + run[-4:]
    holder = wire.holder_commitment(PEPPER, person, "authorisation").hex()
    payer = wire.holder_commitment(PEPPER, person, "bills").hex()

    # 0. The registries the flow relies on (two of the bureau's three admins).
    govern(chain, f"TYPE{run}", {
        "kind": "registerLicenceType", "code": "1110000", "name": "Resident identity card",
        "issuers": ["public-security"], "max_validity_days": 7_305, "reminder_days": 30})
    govern(chain, f"DUTY{run}", {
        "kind": "registerDutyItem", "item_code": "HF-LOAN-001", "name": "Housing loan review",
        "purpose": "housing-loan", "organisations": ["housing-fund"],
        "licence_types": ["1110000"], "data_categories": []})

    # 1. The police issue a licence.
    licence = wire.licence_id("1110000", credit_code(cluster, "public-security"), f"D{run}", 1)
    chain.succeed("public-security", "licence", "issue", {
        "licence_id": licence, "licence_type": "1110000", "holder_hex": holder,
        "file_digest_hex": hashlib.sha256(f"ID card file {run}".encode()).hexdigest(),
        "valid_from_ms": now - 1_000, "valid_until_ms": now + 365 * DAY_MS})

    # 2. The holder authorises the housing fund (attested by the identity provider).
    grant = f"G{run}"
    chain.succeed("identity-provider", "authorisation", "grant", {
        "terms": {"grant_id": grant, "holder_hex": holder,
                  "grantee_organisation": "housing-fund",
                  "scope": {"licence_ids": [licence], "licence_types": [],
                            "data_categories": []},
                  "purpose": "housing-loan", "consent": {"mode": "remote", "channel": "app"},
                  "valid_from_ms": now - 1_000, "valid_until_ms": now + DAY_MS,
                  "delegable": False},
        "attestation": {"kind": "identity-provider"}})

    # 3. The housing fund uses the licence under that grant.
    use = f"U{run}"
    chain.succeed("housing-fund", "licence-use", "use", {
        "use_id": use, "licence_id": licence, "purpose": "housing-loan",
        "item_code": "HF-LOAN-001", "basis": {"kind": "grant", "grant_id": grant}})

    # 4. The hospital issues a medical e-bill of 500.00 yuan.
    year = time.gmtime((now + 8 * 3_600_000) // 1000).tm_year % 100  # China Standard Time
    number = {"kind": "medical", "code": f"360120{year:02d}", "number": run[-10:].rjust(10, "0")}
    bill = wire.bill_id(number)
    check_digest = wire.bill_check_digest(bill, "7F3K9Q").hex()  # the code is never sent
    chain.succeed("peoples-hospital", "bill", "issue", {
        "number": number, "check_digest_hex": check_digest, "issued_at_ms": now,
        "total_fen": 50_000, "categories": None, "payer_hex": payer})

    # 5. Two insurers claim the whole bill at two different nodes at the same moment.
    claimants = [("medical-insurance", f"A{run}", 0), ("commercial-insurer", f"B{run}", 1)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(chain.submit, name, "reimbursement", "claim",
                               {"claims": [{"claim_id": claim, "bill_id": bill,
                                            "category": None, "amount_fen": 50_000}]}, node)
                   for name, claim, node in claimants]
        outcomes = [future.result()[1] for future in futures]
    codes = sorted(answer.code for answer in outcomes)
    assert codes == [0, 400], f"exactly one claim wins, the other exceeds the remainder: {codes}"
    winner = claimants[[answer.code for answer in outcomes].index(0)]
    last_height = max(answer.height for answer in outcomes)

    # 6. The trail, read at a third node once it has the claims' block.
    for _ in range(150):
        if chain.call("operations.get_status", node=2).height >= last_height:
            break
        time.sleep(0.2)
    claims = chain.call("queries.get_bill_claims", bill, node=2)
    assert claims.left_fen == 0
    assert [(c.claim_id, c.reimburser_organisation, c.amount_fen) for c in claims.claims] \
        == [(winner[1], winner[0], 50_000)]
    assert sum(c.amount_fen for c in claims.claims) <= 50_000
    record = chain.call("queries.get_bill", bill, node=2).record
    assert (record.id, record.total_fen, record.payer) == (bill, 50_000, payer)
    # The chain stores the check digest as the issuer sent it (docs/encoding.md section 7).
    assert record.check_digest == check_digest
    assert chain.call("queries.list_bill_history", bill, node=2).items
    uses = chain.call("queries.list_licence_uses", licence, node=2).items
    assert [(u.use_id, u.grant_id) for u in uses] == [(use, grant)]
    granted = chain.call("queries.get_grant", grant, node=2).record
    assert (granted.grant_id, granted.holder, granted.grantee_organisation) \
        == (grant, holder, "housing-fund")
    issued = chain.call("queries.get_licence", licence, node=3).record
    assert (issued.id, issued.holder, issued.issuer_organisation) \
        == (licence, holder, "public-security")
    # The node stores exactly the bytes this client encoded.
    winning = outcomes[claimants.index(winner)]
    stored = chain.call("transactions.get_transaction", winning.tx_id, node=3)
    assert stored.code == 0 and stored.transaction_hex is not None
    stored_bytes = bytes.fromhex(stored.transaction_hex)
    assert wire.ed25519_verify(chain.signer(winner[0]).public_key, stored_bytes[-64:],
                               wire.TX_DOMAIN + stored_bytes[:-64])

    # 7. Who may read what, through the same generated client (docs/api.md): an unsigned read
    # of a person's grant is refused (401), a department that is not named in it is refused
    # (403), the grantee reads it, and a client trusting another CA refuses the node.
    assert chain.status_code("queries.get_grant", grant, caller=None) == 401
    assert chain.status_code("queries.get_grant", grant, caller="peoples-hospital") == 403
    assert chain.call("queries.get_grant", grant, caller="housing-fund").record.grant_id == grant
    other = os.path.join(cluster, "other-ca")
    subprocess.run(["bash", os.path.join(ROOT, "deploy", "tls-certs.sh"), other], check=True)
    with pytest.raises(httpx.ConnectError, match="(?i)certificate"):
        chain.status_code("operations.get_status", caller=None, ca=os.path.join(other, "ca.pem"))
