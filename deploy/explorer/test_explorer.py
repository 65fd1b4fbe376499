"""The explorer in a real browser (headless Chromium through selenium) against a live
4-node cluster that deploy/explorer-test.sh started and loaded; see that script. The cluster
serves HTTPS (the browser trusts the test CA through its own NSS database) with signed reads:
the page signs with the organisation key a test loads into it, as an auditor would.

Each test names what a user of the console does and sees. Screenshots go to $SHOTS.
"""

import hashlib
import http.client
import http.server
import json
import os
import secrets
import shutil
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import nacl.signing
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

API_BASE = int(os.environ["EXPLORER_API_BASE"])
NODE = f"https://127.0.0.1:{API_BASE}"
PROXY_PORT = API_BASE + 10  # the tampering proxy
PROMETHEUS_PORT = API_BASE + 90
SHOTS = os.environ["SHOTS"]
BILL_ID = os.environ["EXPLORER_BILL_ID"]
CLAIMS = os.environ["EXPLORER_CLAIMS"].split(",")
LICENCE_ID = os.environ["EXPLORER_LICENCE_ID"]
GRANT_ID = os.environ["EXPLORER_GRANT_ID"]
VERIFY_TIMEOUT_S = 60
CA = os.environ["EXPLORER_CA"]
TLS_DIR = os.path.dirname(CA)
KEYS = os.path.join(os.environ["EXPLORER_DIR"], "keys")
AUDITOR_KEY = os.path.join(KEYS, "audit-office.key")  # the devnet's auditor organisation
# A department: it may read its own licences, grants, uses and transactions, not a
# hospital's bill (docs/api.md "Who may read what").
DEPARTMENT_KEY = os.path.join(KEYS, "housing-fund.key")
TRUST = ssl.create_default_context(cafile=CA)
NEEDS_KEY = "this node needs signed reads: load an organisation key"
MAY_NOT_READ = "this key may not read this"


def key_seed(path):
    text = "".join(open(path).read().split())
    assert text.startswith("govchain-ed25519-seed:"), f"{path} is not an Ed25519 key file"
    return bytes.fromhex(text.split(":", 1)[1])


def authorization(url, seed, chain_id):
    """The Authorization header of a signed GET (docs/api.md "Signed requests")."""
    parts = urllib.parse.urlsplit(url)
    time_ms, nonce = str(int(time.time() * 1000)), secrets.token_hex(16)
    message = "\n".join(["govchain/request/v1", chain_id, "GET", parts.path, parts.query,
                         hashlib.sha256(b"").hexdigest(), time_ms, nonce])
    key = nacl.signing.SigningKey(seed)
    signature = key.sign(message.encode()).signature.hex()
    return (f"GovChain key={key.verify_key.encode().hex()}, time={time_ms}, nonce={nonce}, "
            f"signature={signature}")


def get(url, key=AUDITOR_KEY):
    """GET over HTTPS trusting the test CA; reads of the cluster are signed with `key` (the
    auditor's by default; None: unsigned)."""
    headers = {}
    if key and url.startswith(NODE):
        headers["Authorization"] = authorization(url, key_seed(key), chain_id())
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10, context=TRUST) as response:
        return response.status, response.headers, response.read()


def status():
    return json.loads(get(f"{NODE}/v1/status", key=None)[2])


def chain_id():
    return status()["chain_id"]


def genesis_hash():
    return status()["genesis_hash"]


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1400,1800"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # HOME is the browser's own, whose NSS database trusts the test CA (explorer-test.sh):
    # the page is a real HTTPS page, certificate errors are not ignored.
    environment = {**os.environ, "HOME": os.environ["EXPLORER_BROWSER_HOME"]}
    driver = webdriver.Chrome(
        service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver", env=environment),
        options=options)
    yield driver
    driver.quit()


def open_explorer(browser, base=NODE, route="", key=AUDITOR_KEY):
    """A fresh page at `route` with `key` loaded from its file (None: no key). A URL
    differing only after '#' would not reload the page, and the page keeps the blocks it
    verified and the key it holds: each test starts from a fresh page."""
    browser.get("about:blank")
    browser.get(f"{base}/explorer/?genesis={genesis_hash()}#/{route}")
    wait_text(browser, "trust", "trusted genesis")
    if key:
        load_key(browser, path=key)


def load_key(browser, path=None, text=None, expect="signing reads as"):
    """Loads a key as a person would: the key file chosen in the panel, or its line pasted."""
    if not browser.find_element(By.ID, "key-panel").get_attribute("open"):
        browser.find_element(By.CSS_SELECTOR, "#key-panel summary").click()
    if path:
        browser.find_element(By.ID, "key-file").send_keys(path)
    else:
        browser.find_element(By.ID, "key-text").send_keys(text)
    browser.find_element(By.ID, "key-load").click()
    wait_text(browser, "key-panel", expect)


def wait_text(browser, element_id, text, timeout=VERIFY_TIMEOUT_S):
    def seen(driver):
        return text in driver.find_element(By.ID, element_id).text
    try:
        WebDriverWait(browser, timeout, poll_frequency=0.2).until(seen)
    except Exception:
        shot(browser, f"failed-{element_id}")
        raise AssertionError(f"#{element_id} never showed {text!r}; it shows:\n"
                             + browser.find_element(By.ID, element_id).text[:3000])


def wait_verified(browser, timeout=VERIFY_TIMEOUT_S):
    """Waits until no badge is still verifying; returns the badge texts."""
    def settled(driver):
        badges = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#main .badge")]
        return badges if badges and not any(b == "verifying…" for b in badges) else False
    return WebDriverWait(browser, timeout, poll_frequency=0.2).until(settled)


def shot(browser, name):
    """A screenshot of the whole page (the window grown to the page's height)."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, max(600, min(int(height) + 40, 4000)))
    browser.save_screenshot(os.path.join(SHOTS, f"{name}.png"))
    browser.set_window_size(1400, 1800)


def search(browser, text):
    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.CSS_SELECTOR, "#search button").click()


def test_a_bill_searched_by_id_shows_its_trail_both_claims_and_nothing_left(browser):
    open_explorer(browser)
    search(browser, BILL_ID)
    wait_text(browser, "main", "0.00 yuan (0 fen) left")
    badges = wait_verified(browser)
    assert all(b.startswith("verified from genesis at height") for b in badges), badges
    main = browser.find_element(By.ID, "main").text
    for claim in CLAIMS:
        assert claim in main, f"claim {claim} missing"
    assert "medical-insurance" in main and "commercial-insurer" in main
    assert main.count("claim locked") == 2, "the trail should show both claims locking"
    assert "claim settled 300.00 yuan" in main
    shot(browser, "bill-trail")


def test_a_reversed_tax_invoice_shows_the_reversal_and_its_alert(browser):
    tax, red = os.environ["EXPLORER_TAX_BILL_ID"], os.environ["EXPLORER_RED_BILL_ID"]
    open_explorer(browser)
    search(browser, tax)
    wait_text(browser, "main", "Alerts (1)")
    badges = wait_verified(browser)
    assert all(b.startswith("verified from genesis at height") for b in badges), badges
    main = browser.find_element(By.ID, "main").text
    assert "tax-invoice" in main and "reversal −40.00 yuan" in main and red in main
    assert "0.00 yuan (0 fen) left" in main
    shot(browser, "tax-invoice-alert")
    browser.find_element(By.LINK_TEXT, red).click()
    wait_text(browser, "main", "red bill issued")
    assert all(b.startswith("verified from genesis") for b in wait_verified(browser))


def test_the_licence_shows_its_use_under_the_grant_it_relied_on(browser):
    open_explorer(browser)
    search(browser, LICENCE_ID)
    wait_text(browser, "main", "Uses (1)")
    badges = wait_verified(browser)
    assert all(b.startswith("verified from genesis at height") for b in badges), badges
    main = browser.find_element(By.ID, "main").text
    assert "housing-fund" in main and GRANT_ID in main and "HF-LOAN-001" in main
    shot(browser, "licence")
    browser.find_element(By.LINK_TEXT, GRANT_ID).click()
    wait_text(browser, "main", "housing-fund")
    assert all(b.startswith("verified from genesis") for b in wait_verified(browser))


def test_the_chain_and_a_block_with_its_certificate_are_verified(browser):
    open_explorer(browser)
    wait_text(browser, "main", "tip height")
    badges = wait_verified(browser)
    assert badges and all(b.startswith("verified from genesis at height") for b in badges), badges
    shot(browser, "chain")
    # The live strip's event stream (auditors only) is read with a signed fetch: no refusal.
    assert "no live events" not in browser.find_element(By.ID, "main").text
    search(browser, "2")
    wait_text(browser, "main", "validators signed")
    assert wait_verified(browser) == ["verified from genesis at height 2"]


def test_a_block_of_several_transactions_and_each_of_them_are_verified(browser):
    tip = json.loads(get(f"{NODE}/v1/status")[2])["height"]
    blocks = [json.loads(get(f"{NODE}/v1/blocks/{h}")[2]) for h in range(1, tip + 1)]
    block = max(blocks, key=lambda b: len(b["transactions"]))
    assert len(block["transactions"]) >= 2, "every block holds at most one transaction"
    print(f"block {block['height']} holds {len(block['transactions'])} transactions")
    open_explorer(browser, route=f"block/{block['height']}")
    wait_text(browser, "main", f"{len(block['transactions'])} transaction(s)")
    assert wait_verified(browser) == [f"verified from genesis at height {block['height']}"]
    for tx in block["transactions"]:
        open_explorer(browser, route=f"tx/{tx}")
        wait_text(browser, "main", "receipt")
        assert wait_verified(browser) == [f"verified from genesis at height {block['height']}"]


# MARK: signed reads

def test_without_a_key_a_signed_read_node_says_a_key_is_needed(browser):
    open_explorer(browser, route=f"bill/{BILL_ID}", key=None)
    wait_text(browser, "main", NEEDS_KEY)
    assert "verified from genesis" not in browser.find_element(By.ID, "main").text
    shot(browser, "no-key")
    search(browser, LICENCE_ID)
    wait_text(browser, "main", f"nothing found for {LICENCE_ID} (a read was refused: {NEEDS_KEY}")
    # The open routes still answer unsigned: the trusted genesis above came from one.
    assert "trusted genesis" in browser.find_element(By.ID, "trust").text


def test_an_open_read_node_needs_no_key(browser):
    """A node with the default `api.reads = "open"`: the page reads and verifies unsigned."""
    node = f"http://127.0.0.1:{os.environ['EXPLORER_OPEN_API']}"
    with urllib.request.urlopen(f"{node}/v1/status", timeout=10) as response:
        pinned = json.loads(response.read())["genesis_hash"]
    browser.get("about:blank")
    browser.get(f"{node}/explorer/?genesis={pinned}#/")
    wait_text(browser, "trust", "trusted genesis")
    wait_text(browser, "main", "tip height")
    badges = wait_verified(browser)
    assert badges and all(b.startswith("verified from genesis at height") for b in badges), badges
    assert "none loaded" in browser.find_element(By.ID, "key-status").text


def test_a_loaded_key_stays_out_of_storage_and_forgetting_it_stops_signing(browser):
    open_explorer(browser, route=f"bill/{BILL_ID}")
    wait_text(browser, "main", "0.00 yuan (0 fen) left")
    assert "audit-office (auditor)" in browser.find_element(By.ID, "key-status").text
    stored = browser.execute_script(
        "return JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    # A bare boolean: on failure pytest would otherwise print both operands, the seed too.
    leaked = key_seed(AUDITOR_KEY).hex() in stored.lower()
    assert not leaked, "the key's seed is in web storage"
    browser.find_element(By.ID, "key-forget").click()
    wait_text(browser, "key-status", "none loaded")
    wait_text(browser, "main", NEEDS_KEY)


def test_a_department_key_may_not_read_a_hospital_bill(browser):
    open_explorer(browser, route=f"bill/{BILL_ID}", key=None)
    load_key(browser, text=open(DEPARTMENT_KEY).read().strip())  # pasted, this time
    assert "housing-fund (licence-user)" in browser.find_element(By.ID, "key-status").text
    # The pasted line is cleared once the key is loaded, and was never a password field
    # (a browser would offer to save it).
    field = browser.find_element(By.ID, "key-text")
    assert field.get_attribute("value") == ""
    assert field.get_attribute("type") == "text"
    wait_text(browser, "main", f"{MAY_NOT_READ}: housing-fund may not read this")
    assert "verified from genesis" not in browser.find_element(By.ID, "main").text
    shot(browser, "department-key-refused")
    # Blocks and the event stream are for auditors: the chain view says so for this key.
    browser.find_element(By.LINK_TEXT, "Chain").click()
    wait_text(browser, "main", f"no live events: {MAY_NOT_READ}: only auditors read this")
    wait_text(browser, "main", f"NOT verified: {MAY_NOT_READ}: only auditors read this")


def test_a_key_the_chain_does_not_know_is_refused_when_loaded(browser):
    open_explorer(browser, key=None)
    stranger = "govchain-ed25519-seed:" + secrets.token_hex(32)
    load_key(browser, text=stranger, expect="unknown_key")
    assert "none loaded" in browser.find_element(By.ID, "key-status").text
    assert browser.find_element(By.ID, "key-forget").get_attribute("disabled")


def test_a_bill_that_does_not_exist_is_proven_absent(browser):
    open_explorer(browser, route="bill/M360120260000000000")
    wait_text(browser, "main", "NOT verified: bill M360120260000000000 is proven absent at height")


def test_operations_view_lists_every_node(browser):
    nodes = ",".join(f"https://127.0.0.1:{API_BASE + i}" for i in range(1, 4))
    open_explorer(browser, route=f"ops?nodes={nodes}")
    WebDriverWait(browser, 20).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#ops tbody tr")) == 4
        and all("up" in r.text for r in d.find_elements(By.CSS_SELECTOR, "#ops tbody tr")))
    shot(browser, "operations")


def test_evidence_signatures_are_checked_in_the_browser(browser):
    """The devnet has no equivocation to show, so the page's own modules check evidence a
    fresh Ed25519 key signs in the browser: two conflicting prevotes pass; a swapped
    signature, identical statements or a key outside the validator set do not."""
    open_explorer(browser, route="evidence")
    browser.set_script_timeout(30)
    outcome = browser.execute_async_script("""
const done = arguments[arguments.length - 1];
(async () => {
  const { decodeEvidence, encodeEvidence, statementSigningBytes } =
    await import('/explorer/js/ledger.js');
  const { Verifier } = await import('/explorer/js/verify.js');
  const { bytesToHex } = await import('/explorer/js/bytes.js');
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const key = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const body = (byte) => new Uint8Array([1, ...new Array(32).fill(byte)]);
  const sign = async (b) => new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' },
    pair.privateKey, statementSigningBytes('c', 1, 7n, 2n, b)));
  const view = {
    chainID: 'c', validator: bytesToHex(key), kind: 'prevote', height: 7, round: 2,
    firstBody: bytesToHex(body(1)), firstSignature: bytesToHex(await sign(body(1))),
    secondBody: bytesToHex(body(2)), secondSignature: bytesToHex(await sign(body(2))),
  };
  const { ValidatorSets } = await import('/explorer/js/validator-sets.js');
  const verifier = new Verifier();
  verifier.genesis = { chainID: 'c', validators: [{ name: 'v', publicKey: key }] };
  // The evidence's height is judged by its own set: here the fake genesis set, known through
  // height 100 without asking the node.
  verifier.validatorSets = new ValidatorSets(verifier.genesis.validators, null, (m) => { throw new Error(m); });
  verifier.validatorSets.knownThrough = 100n;
  const run = async (changed) => {
    try { await verifier.checkEvidence(encodeEvidence({ ...view, ...changed })); return 'ok'; }
    catch (e) { return e.message; }
  };
  // The explorer reads a node's evidence from its canonical bytes (evidence_hex).
  const decoded = async () => {
    try { await verifier.checkEvidence(decodeEvidence(encodeEvidence(view).bytes)); return 'ok'; }
    catch (e) { return e.message; }
  };
  return [await run({}), await decoded(), await run({ firstSignature: view.secondSignature }),
    await run({ secondBody: view.firstBody, secondSignature: view.firstSignature }),
    await run({ kind: 'precommit' })];
})().then(done, (e) => done(['error: ' + e.message]));
""")
    assert outcome == ["ok", "ok", "a signature in the evidence is invalid",
                       "the two statements are the same, not conflicting",
                       "a signature in the evidence is invalid"], outcome
    other = browser.execute_async_script("""
const done = arguments[arguments.length - 1];
Promise.all([import('/explorer/js/verify.js'), import('/explorer/js/validator-sets.js')])
  .then(async ([{ Verifier }, { ValidatorSets }]) => {
  const verifier = new Verifier();
  verifier.genesis = { chainID: 'c', validators: [{ name: 'v', publicKey: new Uint8Array(32).fill(9) }] };
  verifier.validatorSets = new ValidatorSets(verifier.genesis.validators, null, (m) => { throw new Error(m); });
  verifier.validatorSets.knownThrough = 100n;
  try {
    await verifier.checkEvidence({ chainID: 'c', validator: new Uint8Array(32), height: 7n,
      firstBody: new Uint8Array([1]), secondBody: new Uint8Array([2]) });
    done('ok');
  } catch (e) { done(e.message); }
});
""")
    assert other == "the accused key is not a validator at height 7"


# MARK: a node that lies

def swap_suite(genesis_hex, suite):
    """The canonical genesis with another crypto suite: version, chain id (u32 length +
    bytes), time (u64), then the suite (u32 length + bytes)."""
    raw = bytes.fromhex(genesis_hex)
    chain_end = 5 + int.from_bytes(raw[1:5], "big")
    suite_at = chain_end + 8
    suite_end = suite_at + 4 + int.from_bytes(raw[suite_at:suite_at + 4], "big")
    return raw[:suite_at] + len(suite).to_bytes(4, "big") + suite.encode() + raw[suite_end:]


class TamperingProxy(http.server.BaseHTTPRequestHandler):
    """Forwards GETs (with their Authorization header) to node 0 over HTTPS and lies in the
    answers named in `tamper`: flips one bit of the last byte of a proof (a state proof, the
    proof a record answer carries on `?prove=true`, a transaction's) or of a certified block
    (the last signature's last byte), or serves a genesis of another crypto suite.
    Everything else passes unchanged."""

    tamper = set()
    fields = {"/v1/state/proof": ("proof", "proof_hex"),
              "/v1/transactions/": ("proof", "tx_proof_hex"),
              "/v1/blocks/": ("certificate", "certified_block_hex")}

    def do_GET(self):
        # The page signed the path it asked the proxy for, which is the path forwarded: the
        # node checks the browser's own signature.
        connection = http.client.HTTPSConnection("127.0.0.1", API_BASE, timeout=10, context=TRUST)
        headers = {name: self.headers[name] for name in ("Authorization",) if self.headers[name]}
        connection.request("GET", self.path, headers=headers)
        answer = connection.getresponse()
        body = answer.read()
        if answer.status == 200:
            body = self.lie(body)
        self.send_response(answer.status)
        for name in ("Content-Type", "Content-Security-Policy"):
            if answer.getheader(name):
                self.send_header(name, answer.getheader(name))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def lie(self, body):
        if "prove=true" in self.path and "proof" in self.tamper:
            view = json.loads(body)
            if view.get("proof"):
                changed = bytearray.fromhex(view["proof"]["proof_hex"])
                changed[-1] ^= 0x01
                view["proof"]["proof_hex"] = changed.hex()
            return json.dumps(view).encode()
        for prefix, (kind, field) in self.fields.items():
            if self.path.startswith(prefix) and kind in self.tamper:
                view = json.loads(body)
                changed = bytearray.fromhex(view[field])
                changed[-1] ^= 0x01
                view[field] = changed.hex()
                return json.dumps(view).encode()
        if self.path.startswith("/v1/validator-sets") and "validator-sets" in self.tamper:
            # A set the chain never had, listed with its own correct hash from height 3:
            # only block 2's certified header could vouch for it, and it names another.
            view = json.loads(body)
            fake = [{"name": f"forged{i}", "public_key": bytes([i + 1] * 32).hex(),
                     "address": f"127.0.0.1:{40000 + i}", "network_key": bytes([i + 101] * 32).hex()}
                    for i in range(4)]
            view["items"] = view["items"][:1] + [
                {"from_height": 3, "hash": validator_set_hash(fake), "validators": fake}]
            return json.dumps(view).encode()
        if self.path == "/v1/genesis" and "suite" in self.tamper:
            view = json.loads(body)
            view["genesis_hex"] = swap_suite(view["genesis_hex"], "sm2-sm3").hex()
            return json.dumps(view).encode()
        return body

    def log_message(self, *args):
        pass


class ProxyServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True  # a rerun soon after must not fail on TIME_WAIT
    daemon_threads = True


@pytest.fixture()
def lying_node():
    """Starts the proxy, itself HTTPS with a certificate of the test CA; the test says what
    it lies about."""
    server = ProxyServer(("127.0.0.1", PROXY_PORT), TamperingProxy)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(os.path.join(TLS_DIR, "proxy.pem"), os.path.join(TLS_DIR, "proxy.key"))
    # The handshake happens in each request's thread, not in the accepting one: a connection
    # the browser opens and leaves idle must not hold up the others.
    server.socket = tls.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{PROXY_PORT}"
    TamperingProxy.tamper = set()
    server.shutdown()
    server.server_close()


def test_a_node_that_tampers_one_byte_of_a_proof_is_caught_on_screen(browser, lying_node):
    TamperingProxy.tamper = {"proof"}
    open_explorer(browser, base=lying_node, route=f"bill/{BILL_ID}")
    wait_text(browser, "main", "NOT verified")
    main = browser.find_element(By.ID, "main").text
    assert "does not match the certified state root" in main
    assert "verified from genesis" not in main
    shot(browser, "tampered-proof")
    history = json.loads(get(f"{NODE}/v1/bills/{BILL_ID}/history")[2])["items"]
    open_explorer(browser, base=lying_node, route=f"tx/{history[0]['tx_id']}")
    # A one-transaction block's proof has no siblings: the flipped byte is then the proof's
    # length prefix, refused as undecodable; either way the page must say NOT verified.
    wait_text(browser, "main", "NOT verified: ")
    assert "verified from genesis" not in browser.find_element(By.ID, "main").text


def test_a_node_that_tampers_one_byte_of_a_certificate_is_caught_on_screen(browser, lying_node):
    TamperingProxy.tamper = {"certificate"}
    open_explorer(browser, base=lying_node)
    badges = wait_verified(browser)
    odd = [b for b in badges if not (b.startswith("NOT verified: block") and "is invalid" in b)]
    assert badges and not odd, odd
    shot(browser, "tampered-certificate")


def validator_set_hash(validators):
    """ValidatorSet.hash under SHA-256: the tag, then the canonical list (u32 count; each
    name, consensus key, address and network key, strings as u32 length + UTF-8)."""
    import hashlib

    def string(text):
        data = text.encode()
        return len(data).to_bytes(4, "big") + data
    encoded = len(validators).to_bytes(4, "big") + b"".join(
        string(v["name"]) + bytes.fromhex(v["public_key"]) + string(v["address"]) + bytes.fromhex(v["network_key"])
        for v in validators)
    return hashlib.sha256(b"govchain/validator-set/v2" + encoded).hexdigest()


def test_the_real_validator_sets_hash_as_headers_name_them():
    """The Python hash above is the chain's: the node's listed genesis set hashes to what it
    says and to what block 1's header names for block 2."""
    listed = json.loads(get(f"{NODE}/v1/validator-sets")[2])["items"]
    assert [s["from_height"] for s in listed] == [1]
    assert validator_set_hash(listed[0]["validators"]) == listed[0]["hash"]
    assert json.loads(get(f"{NODE}/v1/blocks/1")[2])["next_validators_hash"] == listed[0]["hash"]


def test_a_node_that_invents_a_validator_set_is_caught_on_screen(browser, lying_node):
    TamperingProxy.tamper = {"validator-sets"}
    open_explorer(browser, base=lying_node, route="validators")
    wait_text(browser, "main", "NOT verified")
    main = browser.find_element(By.ID, "main").text
    assert "block 2 names another validator set than the one listed from height 3" in main, main
    assert "forged" not in main
    shot(browser, "invented-validator-set")


def test_a_chain_of_another_crypto_suite_is_not_shown_as_verified(browser, lying_node):
    import hashlib
    TamperingProxy.tamper = {"suite"}
    view = json.loads(get(f"{NODE}/v1/genesis")[2])
    pinned = hashlib.sha256(swap_suite(view["genesis_hex"], "sm2-sm3")).hexdigest()
    browser.get("about:blank")
    browser.get(f"{lying_node}/explorer/?genesis={pinned}#/bill/{BILL_ID}")
    reason = "NOT verified: crypto suite sm2-sm3 is not supported in the browser"
    wait_text(browser, "trust", reason)
    wait_text(browser, "main", reason)
    # The page cannot sign for it either, and says so instead of offering the key panel.
    message = browser.find_element(By.ID, "key-message").get_attribute("textContent")
    assert "the browser cannot sign its requests" in message, message
    assert browser.find_element(By.ID, "key-load").get_attribute("disabled")
    assert "verified from genesis" not in browser.find_element(By.ID, "main").text


def test_a_real_sm2_chain_is_named_as_unsupported_not_shown_green(browser):
    sm2 = f"http://127.0.0.1:{os.environ['EXPLORER_SM2_API']}"
    browser.get("about:blank")
    browser.get(f"{sm2}/explorer/#/")
    reason = "NOT verified: crypto suite sm2-sm3 is not supported in the browser"
    wait_text(browser, "trust", reason)
    wait_text(browser, "main", reason)
    message = browser.find_element(By.ID, "key-message").get_attribute("textContent")
    assert "WebCrypto has no SM2" in message, message
    assert "verified from genesis" not in browser.find_element(By.ID, "main").text
    shot(browser, "sm2-chain")


def test_a_node_with_another_genesis_is_not_trusted(browser):
    browser.get("about:blank")
    browser.get(f"{NODE}/explorer/?genesis={'00' * 32}#/bill/{BILL_ID}")
    wait_text(browser, "trust", "NOT verified: the node's genesis")
    wait_text(browser, "main", "NOT verified")


def test_zz_no_script_error_or_policy_violation_in_the_console(browser):
    """Runs last (pytest keeps file order): everything the browser logged in this module.
    Refused resources (the 404s a search tries, the lying proxy's answers) are expected."""
    entries = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    unexpected = [e["message"] for e in entries if "Failed to load resource" not in e["message"]]
    assert not unexpected, unexpected


# MARK: the static route and the metrics

def test_the_static_route_serves_only_its_files():
    status, headers, body = get(f"{NODE}/explorer/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    status, headers, _ = get(f"{NODE}/explorer/js/app.js")
    assert headers["Content-Type"].startswith("text/javascript")
    for path in ("/explorer/../v1/status", "/explorer/%2e%2e/%2e%2e/etc/passwd",
                 "/explorer/js/../../Package.swift", "/explorer/..%2f..%2fetc%2fpasswd",
                 "/explorer/.hidden", "/explorer/js", "/explorer/nope.html",
                 "/explorer/" + "a" * 5000):
        connection = http.client.HTTPSConnection(
            "127.0.0.1", API_BASE, timeout=10, context=TRUST)
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        # A client may normalise `..` itself; the node never serves a file for these.
        assert answer.status in (404, 400, 414) or (
            answer.status == 200 and path == "/explorer/../v1/status"), (path, answer.status)


def test_every_metric_has_help_and_promtool_accepts_them():
    _, _, body = get(f"{NODE}/metrics")
    check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True)
    assert check.returncode == 0 and not check.stdout and not check.stderr, check
    text = body.decode()
    families = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")]
    helped = [line.split()[2] for line in text.splitlines() if line.startswith("# HELP")]
    assert len(families) >= 16 and sorted(families) == sorted(helped)


def test_prometheus_scrapes_the_cluster_with_the_deploy_config():
    template = open("deploy/prometheus/prometheus.yml").read()
    config = template.replace("127.0.0.1:860", f"127.0.0.1:{API_BASE // 10}")
    assert f"127.0.0.1:{API_BASE}" in config, "the deploy config names 127.0.0.1:8600..8603"
    devnet_ca = "ca_file: ../../.localnet-tls/ca.pem"
    assert devnet_ca in config, "the deploy config trusts the devnet CA"
    config = config.replace(devnet_ca, f"ca_file: {CA}")
    config = config.replace("scrape_interval: 5s", "scrape_interval: 1s")
    with tempfile.TemporaryDirectory() as workdir:
        path = os.path.join(workdir, "prometheus.yml")
        with open(path, "w") as f:
            f.write(config)
        server = subprocess.Popen(
            ["prometheus", f"--config.file={path}", f"--storage.tsdb.path={workdir}/data",
             f"--web.listen-address=127.0.0.1:{PROMETHEUS_PORT}"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(SHOTS, "prometheus.log"), "w"))
        try:
            deadline = time.monotonic() + 45
            heights = []
            while time.monotonic() < deadline and len(heights) < 4:
                time.sleep(1)
                try:
                    _, _, body = get(
                        f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/query?query=govchain_height")
                except (urllib.error.URLError, ConnectionError):
                    continue
                heights = [float(r["value"][1]) for r in json.loads(body)["data"]["result"]]
            assert len(heights) == 4 and all(h >= 1 for h in heights), heights
        finally:
            server.terminate()
            server.wait(timeout=20)


def test_the_grafana_dashboard_uses_only_metrics_the_node_exports():
    import re
    _, _, body = get(f"{NODE}/metrics")
    exported = {line.split()[2] for line in body.decode().splitlines() if line.startswith("# TYPE")}
    dashboard = json.load(open("deploy/grafana/govchain-dashboard.json"))
    used = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            names = re.findall(r"govchain_[a-z_]+", target["expr"])
            used |= {re.sub(r"_bucket$", "", name) for name in names}
    assert used and used <= exported, used - exported
