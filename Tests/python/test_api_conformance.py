"""Every JSON route of a live node answers what /openapi.json declares.

A one-validator node on its own ports runs the demo workload (licence, grant, use, bill,
claims), then every GET route of the served document is called with ids taken from the
chain's own events, and each answer is validated against the route's declared schema
(additionalProperties false: an undeclared field fails too). The test fails if a route of
the document was not reached with a 200, so a new route cannot go unchecked.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from openapi_schema_validator import OAS31Validator

BIN = os.environ.get("GOVCHAIN_BIN_DIR", os.path.join(os.path.dirname(__file__), "../../.build/debug"))
P2P_PORT = 31830
API_PORT = 31840
BASE = f"http://127.0.0.1:{API_PORT}"


def get(path):
    try:
        with urllib.request.urlopen(BASE + path, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def node():
    if not os.path.exists(os.path.join(BIN, "govchain-node")):
        pytest.skip(f"no govchain-node in {BIN}: build first (make test does)")
    directory = tempfile.mkdtemp(prefix="govchain-conformance-")
    subprocess.run([f"{BIN}/govchain-node", "genesis", "devnet", "--validators", "1", "--out", directory,
                    "--p2p-base-port", str(P2P_PORT), "--api-base-port", str(API_PORT)],
                   check=True, capture_output=True)
    log = open(os.path.join(directory, "node.log"), "w")
    process = subprocess.Popen([f"{BIN}/govchain-node", "start", "--data-dir", f"{directory}/node0"],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(150):
            try:
                if get("/v1/status")[1]["height"] >= 1:
                    break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        demo = subprocess.run([f"{BIN}/govchain", "demo", "--localnet", directory, "--node", BASE, "--node", BASE],
                              capture_output=True, text=True, timeout=180)
        assert demo.returncode == 0, demo.stdout + demo.stderr
        yield directory
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def document(node):
    status, body = get("/openapi.json")
    assert status == 200
    return body


def inline(schema, components):
    """The schema with every $ref replaced by its target (our schemas are not recursive)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return inline(components[schema["$ref"].split("/")[-1]], components)
        return {key: inline(value, components) for key, value in schema.items()}
    if isinstance(schema, list):
        return [inline(item, components) for item in schema]
    return schema


def chain_values(height):
    """Ids the chain's own events name (licence, grant, bill, claim...), by attribute key."""
    values = {}
    for h in range(1, height + 1):
        status, block = get(f"/v1/blocks/{h}")
        assert status == 200
        for tx in block["transactions"]:
            status, answer = get(f"/v1/transactions/{tx}")
            assert status == 200
            values.setdefault("tx", tx)
            for event in answer["events"]:
                for attribute in event["attributes"]:
                    if attribute["value"]:
                        values.setdefault(f"{event['type']}.{attribute['key']}", attribute["value"])
    return values


def test_every_route_answers_its_declared_schema(node, document):
    components = document["components"]["schemas"]
    height = get("/v1/status")[1]["height"]
    found = chain_values(height)
    licence = found["issued.licence"]
    holder = found["issued.holder"]
    bill = found["issued.bill"]
    status, claims = get(f"/v1/bills/{bill}/claims")
    assert status == 200 and claims["claims"], claims
    claim = claims["claims"][0]
    status, licence_record = get(f"/v1/licences/{urllib.parse.quote(licence)}")
    assert status == 200
    proposals = get("/v1/proposals")[1]["items"]
    assert proposals, "the demo's governance changes are proposals"
    values = {
        "id": None, "height": str(height), "code": None, "commitment": holder,
        "organisation": claim["reimburser_organisation"],
    }
    by_path = {
        "/v1/organisations/{id}": {"id": "public-security"},
        "/v1/proposals/{id}": {"id": proposals[0]["id"]},
        "/v1/duty-items/{code}": {"code": found["registered.itemCode"] if "registered.itemCode" in found
                                  else get("/v1/duty-items")[1]["items"][0]["item_code"]},
        "/v1/licence-types/{code}": {"code": get("/v1/licence-types")[1]["items"][0]["code"]},
        "/v1/licences/{id}": {"id": licence}, "/v1/licences/{id}/uses": {"id": licence},
        "/v1/licences/{id}/history": {"id": licence},
        "/v1/licences/{id}/verify": {"id": licence, "?": {"digest": licence_record["record"]["file_digest"]}},
        "/v1/grants/{id}": {"id": found["granted.grant"]}, "/v1/grants/{id}/uses": {"id": found["granted.grant"]},
        "/v1/mandates/{id}": None,  # the demo makes no mandate: checked below through the list
        "/v1/bills/{id}": {"id": bill}, "/v1/bills/{id}/claims": {"id": bill}, "/v1/bills/{id}/history": {"id": bill},
        "/v1/reimbursers/{organisation}/claims/{id}": {"organisation": claim["reimburser_organisation"],
                                                       "id": claim["claim_id"]},
        "/v1/reimbursers/{organisation}/claims": {"organisation": claim["reimburser_organisation"]},
        "/v1/organisations/{id}/uses": {"id": "housing-fund"},
        "/v1/transactions/{id}": {"id": found["tx"]},
        "/v1/state/proof": {"?": {"key": f"licence/{licence}"}},
    }
    reached = set()
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        content = operation["responses"]["200"].get("content", {})
        if "application/json" not in content:
            continue
        spec = by_path.get(path, {})
        if spec is None:
            continue
        concrete = path
        for name in [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]:
            value = spec.get(name, values.get(name))
            assert value is not None, f"no value for {name} in {path}"
            concrete = concrete.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
        query = dict(spec.get("?", {}))
        names = {p["name"] for p in operation.get("parameters", [])}
        if "prove" in names:
            query["prove"] = "true"
        url = concrete + ("?" + urllib.parse.urlencode(query) if query else "")
        status, body = get(url)
        assert status == 200, f"GET {url}: {status} {body}"
        schema = inline(content["application/json"]["schema"], components)
        OAS31Validator(schema).validate(body)
        if "prove" in names:
            assert body["proof"] is not None and body["proof"]["value_hex"], f"{url}: no proof"
        reached.add(path)
    declared = {p for p, ops in document["paths"].items()
                if "get" in ops and "application/json" in ops["get"]["responses"]["200"].get("content", {})}
    assert declared - reached - {"/v1/mandates/{id}"} == set()


def test_pages_walk_the_whole_list_in_order(node):
    status, whole = get("/v1/organisations?limit=500")
    assert status == 200 and whole["next_cursor"] is None
    walked, cursor = [], None
    while True:
        status, page = get("/v1/organisations?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200 and len(page["items"]) <= 2
        walked += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == whole["items"] and len(walked) > 2


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=x", "cursor=zz", "height=-1", "prove=maybe"])
def test_malformed_query_parameters_are_refused(node, query):
    status, body = get(f"/v1/organisations/public-security?{query}" if "prove" in query
                       else f"/v1/organisations?{query}")
    assert status == 400 and body["error"]["code"] == "bad_request", body


def test_document_is_valid_and_relative(document):
    from openapi_spec_validator import validate
    validate(document)
    assert document["servers"] == [{"url": "/", "description": "The node that served this document"}]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                for media, content in response.get("content", {}).items():
                    schema = content["schema"]
                    if media == "application/json":
                        assert "$ref" in schema, f"{method} {path} {code} answers an unnamed schema"


def test_answers_as_of_an_earlier_height(node):
    height = get("/v1/status")[1]["height"]
    licence = urllib.parse.quote(chain_values(height)["issued.licence"], safe="")
    answers = {h: get(f"/v1/licences/{licence}?height={h}")[0] for h in range(0, height + 1)}
    assert answers[0] == 404 and answers[height] == 200, answers
    issued = min(h for h, status in answers.items() if status == 200)
    # Absent before the block that issued it, present from that block on.
    assert all(status == (200 if h >= issued else 404) for h, status in answers.items()), answers
    status, old = get(f"/v1/licences/{licence}?height={issued}&prove=true")
    assert status == 200 and old["as_of_height"] == issued and old["proof"]["height"] == issued
    status, page = get(f"/v1/licences/{licence}/uses?height={issued}")
    assert status == 200 and page["as_of_height"] == issued and page["items"] == []
    status, page = get(f"/v1/licences/{licence}/uses")
    assert status == 200 and len(page["items"]) == 1
    assert get(f"/v1/organisations?height={height + 1000}")[0] == 404
