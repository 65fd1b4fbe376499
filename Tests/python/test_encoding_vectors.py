"""The Python encoder (govchain_wire.py, written from docs/encoding.md) against the vectors.

For every vector of Tests/vectors/transactions.json the encoder must produce the same
argument bytes, signing bytes, transaction bytes (the POST body), signature and tx id as
the Swift types that wrote the file; signatures verify with PyNaCl (Ed25519) or gmssl
(SM2, whose signatures are randomised and so are verified, not compared). Nothing here runs
project code: the file and the page are the only bridge, as for a team in another language.
"""

import json
import os

import pytest

import govchain_wire as wire

VECTORS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "vectors", "transactions.json")
with open(VECTORS, encoding="utf-8") as handle:
    ROOT = json.load(handle)
ED = ROOT
SM2 = ROOT["sm2_sm3"]
SM2_USER_ID = SM2["sm2_user_id"].encode()


def sm2_signer(scalar: bytes) -> wire.Signer:
    return wire.sm2_signer(scalar, SM2_USER_ID)


def build(vector, chain_id, suite=wire.Suite.ED25519_SHA256, make_signer=wire.ed25519_signer,
          given_signatures=None):
    return wire.build_transaction(
        chain_id, make_signer(bytes.fromhex(vector["signer_seed_hex"])),
        bytes.fromhex(vector["unique_id_hex"]), vector["valid_until_height"],
        vector["contract"], vector["method"], vector["args"], suite, make_signer,
        given_signatures)


def by_name(section):
    return [pytest.param(v, id=v["name"]) for v in section["vectors"]]


@pytest.mark.parametrize("vector", by_name(ED))
def test_ed25519_vector_byte_for_byte(vector):
    tx = build(vector, ED["chain_id"])
    assert wire.ed25519_signer(bytes.fromhex(vector["signer_seed_hex"])).public_key.hex() \
        == vector["public_key_hex"]
    assert tx.arguments.hex() == vector["arguments_hex"]
    assert tx.signing_bytes.hex() == vector["signing_bytes_hex"]
    assert tx.signature.hex() == vector["signature_hex"]
    assert tx.transaction.hex() == vector["transaction_hex"]
    assert tx.tx_id.hex() == vector["tx_id_hex"]
    assert tx.inner_signatures == vector["inner_signatures"]
    public_key = bytes.fromhex(vector["public_key_hex"])
    assert wire.ed25519_verify(public_key, tx.signature, tx.signing_bytes)
    assert not wire.ed25519_verify(public_key, tx.signature, tx.signing_bytes + b"!")
    assert tx.json_body() == {"transaction": vector["transaction_hex"]}


@pytest.mark.parametrize("vector", by_name(SM2))
def test_sm2_vector_matches_and_verifies(vector):
    given = [bytes.fromhex(entry["signature_hex"]) for entry in vector["inner_signatures"]]
    tx = build(vector, SM2["chain_id"], wire.Suite.SM2_SM3, sm2_signer, given)
    public_key = bytes.fromhex(vector["public_key_hex"])
    assert sm2_signer(bytes.fromhex(vector["signer_seed_hex"])).public_key == public_key
    assert tx.arguments.hex() == vector["arguments_hex"]
    assert tx.signing_bytes.hex() == vector["signing_bytes_hex"]
    assert tx.tx_id.hex() == vector["tx_id_hex"]
    stored = bytes.fromhex(vector["transaction_hex"])
    assert stored[:-64] == tx.transaction[:-64]
    assert stored[-64:].hex() == vector["signature_hex"]
    # The file's signature (made by the Swift side through OpenSSL) verifies here, ours
    # verifies too, and neither verifies other bytes.
    signature = bytes.fromhex(vector["signature_hex"])
    assert wire.sm2_verify(public_key, signature, tx.signing_bytes, SM2_USER_ID)
    assert wire.sm2_verify(public_key, tx.signature, tx.signing_bytes, SM2_USER_ID)
    assert not wire.sm2_verify(public_key, signature, tx.signing_bytes + b"!", SM2_USER_ID)
    assert tx.inner_signatures == vector["inner_signatures"]
    for entry in vector["inner_signatures"]:
        assert wire.sm2_verify(bytes.fromhex(entry["public_key_hex"]),
                               bytes.fromhex(entry["signature_hex"]),
                               bytes.fromhex(entry["signed_hex"]), SM2_USER_ID)
    # Signed afresh by the Python signer, every inner signature verifies as well.
    fresh = build(vector, SM2["chain_id"], wire.Suite.SM2_SM3, sm2_signer)
    for entry in fresh.inner_signatures:
        assert wire.sm2_verify(bytes.fromhex(entry["public_key_hex"]),
                               bytes.fromhex(entry["signature_hex"]),
                               bytes.fromhex(entry["signed_hex"]), SM2_USER_ID)



@pytest.mark.parametrize("section,suite,make_signer", [
    (ED, wire.Suite.ED25519_SHA256, wire.ed25519_signer),
    (SM2, wire.Suite.SM2_SM3, sm2_signer),
], ids=["ed25519-sha256", "sm2-sm3"])
def test_derivations(section, suite, make_signer):
    for key in section["keys"]:
        assert make_signer(bytes.fromhex(key["seed_hex"])).public_key.hex() \
            == key["public_key_hex"], key["name"]
    for entry in section["commitments"]:
        commitment = wire.holder_commitment(bytes.fromhex(entry["pepper_hex"]),
                                            entry["id_number"], entry["context"], suite)
        assert commitment.hex() == entry["commitment_hex"], entry["id_number"]
    for entry in section["bill_check_digests"]:
        digest = wire.bill_check_digest(entry["bill_id"], entry["check_code"], suite)
        assert digest.hex() == entry["digest_hex"], entry["bill_id"]
    for entry in section.get("licence_ids", []):
        made = wire.licence_id(entry["type_code"], entry["issuer_credit_code"], entry["serial"],
                               entry["version"])
        assert made == entry["licence_id"]


def test_commitment_normalises_spaces_and_case():
    pepper = bytes(32)
    for context in wire.COMMITMENT_CONTEXTS:
        assert wire.holder_commitment(pepper, " 11010519491231002x ", context) \
            == wire.holder_commitment(pepper, "11010519491231002X", context)
        assert wire.holder_commitment(pepper, "\t11010519491231002X", context) \
            != wire.holder_commitment(pepper, "11010519491231002X", context)  # spaces only


def test_one_person_has_one_commitment_per_context():
    pepper = bytes(32)
    assert wire.holder_commitment(pepper, "11010519491231002X", "authorisation") \
        != wire.holder_commitment(pepper, "11010519491231002X", "bills")


@pytest.mark.parametrize("section,suite", [
    (ED, wire.Suite.ED25519_SHA256), (SM2, wire.Suite.SM2_SM3),
], ids=["ed25519-sha256", "sm2-sm3"])
def test_bill_check_digest_is_argon2id_of_the_vectors(section, suite):
    """docs/encoding.md section 7 with PyNaCl's argon2id directly, against the vector file."""
    from nacl.pwhash import argon2id
    for entry in section["bill_check_digests"]:
        salt = suite.hash(b"govchain/bill-check/v2\x00" + entry["bill_id"].encode())[:16]
        digest = argon2id.kdf(32, entry["check_code"].upper().encode(), salt,
                              opslimit=2, memlimit=64 * 1024 * 1024)
        assert digest.hex() == entry["digest_hex"], entry["bill_id"]
    # The vectors' bill.issue calls carry the digest of the same bill and code.
    digests = {entry["bill_id"]: entry["digest_hex"] for entry in section["bill_check_digests"]}
    for vector in section["vectors"]:
        if vector["contract"] == "bill" and vector["method"] == "issue":
            args = vector["args"]
            assert args["check_digest_hex"] == digests[wire.bill_id(args["number"])]


def test_bill_check_digest_normalises_case_and_refuses_malformed_codes():
    bill = "M360101240000012345"
    assert wire.bill_check_digest(bill, "a1b2c3") == wire.bill_check_digest(bill, "A1B2C3")
    assert wire.bill_check_digest(bill, "A1B2C3") \
        != wire.bill_check_digest("M360101240000012346", "A1B2C3")  # salted per bill
    for bad in ["A1B2C", "A1B2C3D", "A1B2C!", "Ａ1B2C3"]:
        with pytest.raises(ValueError):
            wire.bill_check_digest(bill, bad)


def test_bill_ids_of_both_kinds():
    assert wire.bill_id({"kind": "medical", "code": "36010124", "number": "0000012345"}) \
        == "M360101240000012345"
    assert wire.bill_id({"kind": "tax-invoice", "number": "24362000000000000123"}) \
        == "T24362000000000000123"


def test_unsorted_scope_is_refused_before_it_reaches_a_node():
    vector = next(v for v in ED["vectors"] if v["name"] == "authorisation.grant.identityProvider")
    args = json.loads(json.dumps(vector["args"]))
    args["terms"]["scope"]["data_categories"].reverse()
    with pytest.raises(ValueError):
        wire.CallEncoder(ED["chain_id"]).arguments("authorisation", "grant", args)
