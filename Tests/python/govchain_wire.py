"""GovChain's wire format in Python, written from docs/encoding.md alone.

Builds the canonical bytes of every contract call and of the transaction that carries it,
signs with Ed25519 (PyNaCl) and computes transaction ids, holder commitments, bill ids, bill
check digests and licence identifiers. A client in another language can follow the same
page; `test_encoding_vectors.py` holds this module to Tests/vectors/transactions.json.

Calls are given in the readable form of the vector file (docs/encoding.md section 10): a
contract name, a method name and a dict of snake_case arguments.

Only the standard library and PyNaCl are needed for an `ed25519-sha256` chain. For an
`sm2-sm3` chain pass `Suite.SM2_SM3`: hashes and HMACs become SM3 (gmssl), keys are 33-byte
compressed points, and a `signer` callable must make the SM2 signature (see
`sm2_signer` below, which uses gmssl).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass
from typing import Callable, Optional

TX_DOMAIN = b"govchain/tx/v1"
TX_VERSION = 1
ARGUMENTS_VERSION = 1
HOLDER_DOMAIN = b"govchain/holder/v2\x00"
COMMITMENT_CONTEXTS = ("authorisation", "bills")
BILL_CHECK_SALT_DOMAIN = b"govchain/bill-check/v2\x00"
# Argon2id constants of the bill check digest (docs/encoding.md section 7).
BILL_CHECK_OPSLIMIT = 2
BILL_CHECK_MEMLIMIT = 64 * 1024 * 1024
GRANT_DOMAIN = b"govchain/grant/v1"
GRANT_REVOKE_DOMAIN = b"govchain/grant-revoke/v1"
MANDATE_DOMAIN = b"govchain/mandate/v1"
MANDATE_REVOKE_DOMAIN = b"govchain/mandate-revoke/v1"
CONSENSUS_DOMAIN = b"govchain/consensus/v1"
DEFAULT_SM2_USER_ID = b"1234567812345678"

ROLES = ["admin", "licence-issuer", "licence-user", "identity-provider", "bill-issuer",
         "reimburser", "auditor"]
CONSENT_MODES = {"face-to-face": 0, "remote": 1}
AGENT_KINDS = {"legal-representative": 0, "entrusted-agent": 1}
BILL_CATEGORIES = {"pooled-fund": 0, "personal-account": 1, "self-paid": 2}
STATEMENT_KINDS = {"proposal": 0, "prevote": 1, "precommit": 2}
GOVERNANCE_CHANGES = ["registerOrganisation", "addKey", "removeKey", "rotateKey", "grantRole",
                      "revokeRole", "addValidator", "removeValidator", "registerDutyItem",
                      "removeDutyItem", "registerLicenceType", "addFollower", "removeFollower",
                      "rotateValidatorKeys"]


# MARK: - hashes of the two suites

def sm3(data: bytes) -> bytes:
    from gmssl import func, sm3 as gm_sm3
    return bytes.fromhex(gm_sm3.sm3_hash(func.bytes_to_list(data)))


def hmac_sm3(key: bytes, message: bytes) -> bytes:
    """RFC 2104 over SM3 (64-byte blocks)."""
    if len(key) > 64:
        key = sm3(key)
    block = key.ljust(64, b"\x00")
    inner = sm3(bytes(b ^ 0x36 for b in block) + message)
    return sm3(bytes(b ^ 0x5C for b in block) + inner)


@dataclass(frozen=True)
class Suite:
    name: str
    public_key_bytes: int

    def hash(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest() if self.name == "ed25519-sha256" else sm3(data)

    def hmac(self, key: bytes, message: bytes) -> bytes:
        if self.name == "ed25519-sha256":
            return hmac.new(key, message, hashlib.sha256).digest()
        return hmac_sm3(key, message)


Suite.ED25519_SHA256 = Suite("ed25519-sha256", 32)
Suite.SM2_SM3 = Suite("sm2-sm3", 33)


# MARK: - primitive encodings (section 1)

def u8(value: int) -> bytes:
    return struct.pack(">B", value)


def u32(value: int) -> bytes:
    return struct.pack(">I", value)


def u64(value: int) -> bytes:
    return struct.pack(">Q", value)


def boolean(value: bool) -> bytes:
    return b"\x01" if value else b"\x00"


def byte_string(value: bytes) -> bytes:
    return u32(len(value)) + value


def string(value: str) -> bytes:
    return byte_string(value.encode("utf-8"))


def strings(values: list[str]) -> bytes:
    return u32(len(values)) + b"".join(string(v) for v in values)


def sorted_strings(values: list[str]) -> bytes:
    """A set-like list: must already be sorted by UTF-8 bytes and unique (the chain refuses
    any other order), so a wrong input fails here rather than at the node."""
    keys = [v.encode("utf-8") for v in values]
    if keys != sorted(set(keys)):
        raise ValueError(f"list must be sorted and unique: {values}")
    return strings(values)


def fixed(value: bytes, count: int) -> bytes:
    if len(value) != count:
        raise ValueError(f"expected {count} bytes, got {len(value)}")
    return value


def hash32(hex_text: str) -> bytes:
    return fixed(bytes.fromhex(hex_text), 32)


def optional(value, encode) -> bytes:
    return b"\x00" if value is None else b"\x01" + encode(value)


# MARK: - signers

@dataclass
class Signer:
    """A private key: its public key on the wire and a function that signs bytes."""
    public_key: bytes
    sign: Callable[[bytes], bytes]


def ed25519_signer(seed: bytes) -> Signer:
    from nacl.signing import SigningKey
    key = SigningKey(seed)
    return Signer(key.verify_key.encode(), lambda message: key.sign(message).signature)


def sm2_signer(private_scalar: bytes, user_id: bytes = DEFAULT_SM2_USER_ID) -> Signer:
    """SM2 with SM3 and Z_A over `user_id` (gmssl); the public key compressed (02/03 || x)."""
    from gmssl import sm2
    d = private_scalar.hex()
    gm = sm2.CryptSM2(private_key=d, public_key="00" * 64)
    gm.public_key = gm._kg(int(d, 16), sm2.default_ecc_table["g"])  # uncompressed x || y
    x, y = gm.public_key[:64], gm.public_key[64:]
    compressed = bytes.fromhex(("03" if int(y, 16) & 1 else "02") + x)

    def sign(message: bytes) -> bytes:
        while True:  # gmssl answers None for the rare k that gives r = 0 or r + k = n
            signature = gm.sign(sm2_digest(compressed, message, user_id), _random_k())
            if signature:
                return bytes.fromhex(signature)

    return Signer(compressed, sign)


def _random_k() -> str:
    import secrets
    return secrets.token_hex(32)


SM2_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
SM2_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
SM2_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
SM2_GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
SM2_GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0


def sm2_point(compressed: bytes) -> tuple[int, int]:
    """The (x, y) of a 33-byte compressed SM2 point (p = 3 mod 4, so y = c^((p+1)/4))."""
    if len(compressed) != 33 or compressed[0] not in (2, 3):
        raise ValueError("not a compressed SM2 point")
    x = int.from_bytes(compressed[1:], "big")
    y = pow((x * x * x + SM2_A * x + SM2_B) % SM2_P, (SM2_P + 1) // 4, SM2_P)
    if (y * y - (x * x * x + SM2_A * x + SM2_B)) % SM2_P != 0:
        raise ValueError("x is not on the curve")
    if y & 1 != compressed[0] & 1:
        y = SM2_P - y
    return x, y


def sm2_digest(public_key: bytes, message: bytes, user_id: bytes = DEFAULT_SM2_USER_ID) -> bytes:
    """e = SM3(Z_A || message) as hex, Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA)."""
    x, y = sm2_point(public_key)
    z = sm3(struct.pack(">H", len(user_id) * 8) + user_id + b"".join(
        v.to_bytes(32, "big") for v in (SM2_A, SM2_B, SM2_GX, SM2_GY, x, y)))
    return sm3(z + message)


def sm2_verify(public_key: bytes, signature: bytes, message: bytes,
               user_id: bytes = DEFAULT_SM2_USER_ID) -> bool:
    from gmssl import sm2
    x, y = sm2_point(public_key)
    gm = sm2.CryptSM2(private_key=None, public_key="00" * 64)
    gm.public_key = f"{x:064x}{y:064x}"
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    n = int(sm2.default_ecc_table["n"], 16)
    if len(signature) != 64 or not (1 <= r < n and 1 <= s < n):
        return False  # the chain's pinned range rule (docs/crypto.md)
    return bool(gm.verify(signature.hex(), sm2_digest(public_key, message, user_id)))


def ed25519_verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey
    try:
        VerifyKey(public_key).verify(message, signature)
        return True
    except BadSignatureError:
        return False


# MARK: - derivations (sections 6 and 7)

def holder_commitment(pepper: bytes, id_number: str, context: str,
                      suite: Suite = Suite.ED25519_SHA256) -> bytes:
    if context not in COMMITMENT_CONTEXTS:
        raise ValueError(f"unknown commitment context {context}")
    normalised = id_number.strip(" ").upper()
    return suite.hmac(pepper, HOLDER_DOMAIN + context.encode() + b"\x00"
                      + normalised.encode("utf-8"))


def bill_id(number: dict) -> str:
    if number["kind"] == "medical":
        return "M" + number["code"] + number["number"]
    return "T" + number["number"]


def bill_check_digest(bill: str, check_code: str, suite: Suite = Suite.ED25519_SHA256) -> bytes:
    """Argon2id (PyNaCl's libsodium) of the upper-cased 6-character code, salted per bill."""
    if len(check_code) != 6 or not check_code.isascii() or not check_code.isalnum():
        raise ValueError("a check code has 6 letters or digits")
    from nacl.pwhash import argon2id
    salt = suite.hash(BILL_CHECK_SALT_DOMAIN + bill.encode())[:16]
    return argon2id.kdf(32, check_code.upper().encode(), salt,
                        opslimit=BILL_CHECK_OPSLIMIT, memlimit=BILL_CHECK_MEMLIMIT)


_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def mod37_36(text: str) -> str:
    product = 36
    for character in text:
        total = (product + _ALPHANUMERIC.index(character)) % 36 or 36
        product = (2 * total) % 37
    return _ALPHANUMERIC[(37 - product) % 36]


def credit_code_check(first17: str) -> str:
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def licence_id(type_code: str, issuer_credit_code: str, serial: str, version: int) -> str:
    if credit_code_check(issuer_credit_code[:17]) != issuer_credit_code[17:]:
        raise ValueError(f"{issuer_credit_code} fails the GB 32100 check")
    body = f"{type_code}{issuer_credit_code}{serial}{version}"
    return f"{type_code}.{issuer_credit_code}.{serial}.{version}.{mod37_36(body)}"


# MARK: - structs and enums (section 5)

class CallEncoder:
    """Encodes readable calls; signatures made inside arguments are kept in `inner`
    (dicts of public_key_hex, signed_hex, signature_hex, in the order they are made)."""

    def __init__(self, chain_id: str, suite: Suite = Suite.ED25519_SHA256,
                 make_signer: Callable[[bytes], Signer] = ed25519_signer,
                 given_signatures: Optional[list[bytes]] = None):
        self.chain_id = chain_id
        self.suite = suite
        self.make_signer = make_signer
        self.inner: list[dict] = []
        # SM2 signatures are randomised: to reproduce a vector, reuse its inner signatures.
        self.given = list(given_signatures or [])

    def pubkey(self, hex_text: str) -> bytes:
        return fixed(bytes.fromhex(hex_text), self.suite.public_key_bytes)

    def sign(self, signer: Signer, message: bytes) -> bytes:
        signature = fixed(self.given.pop(0) if self.given else signer.sign(message), 64)
        self.inner.append({"public_key_hex": signer.public_key.hex(),
                           "signed_hex": message.hex(), "signature_hex": signature.hex()})
        return signature

    # governance

    def change(self, c: dict) -> bytes:
        kind = c["kind"]
        out = u8(GOVERNANCE_CHANGES.index(kind))
        if kind == "registerOrganisation":
            return out + string(c["id"]) + string(c["name"]) + string(c["credit_code"])
        if kind == "addKey":
            for role in c["roles"]:
                if role not in ROLES:
                    raise ValueError(f"unknown role {role}")
            return (out + string(c["organisation_id"]) + self.pubkey(c["public_key_hex"])
                    + strings(c["roles"]) + strings(c["licence_types"]))
        if kind in ("removeKey", "removeValidator", "removeFollower"):
            return out + self.pubkey(c["public_key_hex"])
        if kind == "rotateKey":
            return out + self.pubkey(c["old_hex"]) + self.pubkey(c["new_hex"])
        if kind == "grantRole":
            return (out + self.pubkey(c["public_key_hex"]) + string(c["role"])
                    + strings(c["licence_types"]))
        if kind == "revokeRole":
            return out + self.pubkey(c["public_key_hex"]) + string(c["role"])
        if kind == "addValidator":
            return (out + string(c["name"]) + self.pubkey(c["public_key_hex"])
                    + string(c["address"]) + self.pubkey(c["network_key_hex"]))
        if kind == "rotateValidatorKeys":
            return (out + self.pubkey(c["validator_hex"]) + self.pubkey(c["consensus_key_hex"])
                    + self.pubkey(c["network_key_hex"]))
        if kind == "addFollower":
            return out + string(c["name"]) + self.pubkey(c["public_key_hex"])
        if kind == "registerDutyItem":
            return (out + string(c["item_code"]) + string(c["name"]) + string(c["purpose"])
                    + sorted_strings(c["organisations"]) + sorted_strings(c["licence_types"])
                    + sorted_strings(c["data_categories"]))
        if kind == "removeDutyItem":
            return out + string(c["item_code"])
        if kind == "registerLicenceType":
            return (out + string(c["code"]) + string(c["name"]) + sorted_strings(c["issuers"])
                    + u32(c["max_validity_days"]) + u32(c["reminder_days"]))
        raise ValueError(f"unknown governance change {kind}")

    # licence

    def licence_issue(self, a: dict) -> bytes:
        return (string(a["licence_id"]) + string(a["licence_type"]) + hash32(a["holder_hex"])
                + hash32(a["file_digest_hex"]) + u64(a["valid_from_ms"]) + u64(a["valid_until_ms"]))

    # authorisation

    def scope(self, s: dict) -> bytes:
        return (sorted_strings(s["licence_ids"]) + sorted_strings(s["licence_types"])
                + sorted_strings(s["data_categories"]))

    def consent(self, c: dict) -> bytes:
        return u8(CONSENT_MODES[c["mode"]]) + string(c["channel"])

    def grant_terms(self, t: dict) -> bytes:
        return (string(t["grant_id"]) + hash32(t["holder_hex"]) + string(t["grantee_organisation"])
                + self.scope(t["scope"]) + string(t["purpose"]) + self.consent(t["consent"])
                + u64(t["valid_from_ms"]) + u64(t["valid_until_ms"]) + boolean(t["delegable"]))

    def mandate(self, m: dict) -> bytes:
        return (string(m["mandate_id"]) + hash32(m["principal_hex"]) + hash32(m["agent_hex"])
                + u8(AGENT_KINDS[m["kind"]]) + self.scope(m["scope"])
                + sorted_strings(m["purposes"]) + u64(m["valid_from_ms"])
                + u64(m["valid_until_ms"]) + self.consent(m["consent"]))

    def attestation(self, a: dict, signed: bytes) -> bytes:
        kind = a["kind"]
        if kind == "identity-provider":
            return u8(1)
        signer = self.make_signer(bytes.fromhex(a["signer_seed_hex"]))
        if kind == "holder-signature":
            return u8(0) + signer.public_key + self.sign(signer, signed)
        if kind == "agent-signature":
            return (u8(2) + string(a["mandate_id"]) + signer.public_key
                    + self.sign(signer, signed))
        raise ValueError(f"unknown attestation {kind}")

    def signed_with_chain(self, domain: bytes, payload: bytes) -> bytes:
        return domain + string(self.chain_id) + payload

    # licence-use

    def basis(self, b: dict) -> bytes:
        if b["kind"] == "grant":
            return u8(0) + string(b["grant_id"])
        if b["kind"] == "statutory-duty":
            return u8(1)
        raise ValueError(f"unknown use basis {b['kind']}")

    # bill and reimbursement

    def bill_number(self, n: dict) -> bytes:
        if n["kind"] == "medical":
            return u8(0) + string(n["code"]) + string(n["number"])
        if n["kind"] == "tax-invoice":
            return u8(1) + string(n["number"])
        raise ValueError(f"unknown bill kind {n['kind']}")

    @staticmethod
    def categories(c: Optional[dict]) -> bytes:
        return optional(c, lambda v: u64(v["pooled_fund"]) + u64(v["personal_account"])
                        + u64(v["self_paid"]))

    def bill_issue(self, b: dict) -> bytes:
        return (self.bill_number(b["number"]) + hash32(b["check_digest_hex"])
                + u64(b["issued_at_ms"])
                + u64(b["total_fen"]) + self.categories(b["categories"]) + hash32(b["payer_hex"]))

    def claim(self, c: dict) -> bytes:
        return (string(c["claim_id"]) + string(c["bill_id"])
                + optional(c["category"], lambda name: u8(BILL_CATEGORIES[name]))
                + u64(c["amount_fen"]))

    # evidence

    def evidence(self, e: dict) -> bytes:
        validator = self.make_signer(bytes.fromhex(e["validator_seed_hex"]))
        kind = STATEMENT_KINDS[e["kind"]]
        statements = []
        for body in (bytes.fromhex(e["body_a_hex"]), bytes.fromhex(e["body_b_hex"])):
            signed = (CONSENSUS_DOMAIN + string(e["chain_id"]) + u8(kind) + u64(e["height"])
                      + u64(e["round"]) + byte_string(body))
            statements.append((body, self.sign(validator, signed)))
        statements.sort(key=lambda statement: statement[0])  # byte order, a prefix first
        (first, first_sig), (second, second_sig) = statements
        return (u8(1) + string(e["chain_id"]) + validator.public_key + u8(kind) + u64(e["height"])
                + u64(e["round"]) + byte_string(first) + first_sig + byte_string(second)
                + second_sig)

    # every call (section 4)

    def method_fields(self, contract: str, method: str, a: dict) -> bytes:
        key = f"{contract}.{method}"
        if key == "governance.propose":
            return string(a["proposal_id"]) + self.change(a["change"])
        if key == "governance.approve":
            return string(a["proposal_id"])
        if key == "licence.issue":
            return self.licence_issue(a)
        if key == "licence.issueBatch":
            return u32(len(a["licences"])) + b"".join(self.licence_issue(i) for i in a["licences"])
        if key == "licence.renew":
            return (string(a["licence_id"]) + string(a["new_licence_id"])
                    + hash32(a["file_digest_hex"]) + u64(a["valid_from_ms"])
                    + u64(a["valid_until_ms"]))
        if key in ("licence.suspend", "licence.revoke"):
            return string(a["licence_id"]) + string(a["reason"])
        if key == "licence.resume":
            return string(a["licence_id"])
        if key in ("authorisation.bindHolderKey", "authorisation.unbindHolderKey"):
            return hash32(a["holder_hex"]) + self.pubkey(a["holder_key_hex"])
        if key == "authorisation.grant":
            terms = self.grant_terms(a["terms"])
            return terms + self.attestation(a["attestation"],
                                            self.signed_with_chain(GRANT_DOMAIN, terms))
        if key == "authorisation.revoke":
            grant = string(a["grant_id"])
            return grant + self.attestation(a["attestation"],
                                            self.signed_with_chain(GRANT_REVOKE_DOMAIN, grant))
        if key == "authorisation.delegate":
            return (string(a["grant_id"]) + string(a["new_grant_id"])
                    + string(a["agent_organisation"]) + u64(a["valid_until_ms"]))
        if key == "authorisation.mandate":
            if a["attestation"]["kind"] == "agent-signature":
                raise ValueError("a mandate is given by the principal, never by an agent")
            mandate = self.mandate(a["mandate"])
            return mandate + self.attestation(a["attestation"],
                                              self.signed_with_chain(MANDATE_DOMAIN, mandate))
        if key == "authorisation.revokeMandate":
            mandate = string(a["mandate_id"])
            return mandate + self.attestation(
                a["attestation"], self.signed_with_chain(MANDATE_REVOKE_DOMAIN, mandate))
        if key == "licence-use.use":
            return (string(a["use_id"]) + string(a["licence_id"]) + string(a["purpose"])
                    + string(a["item_code"]) + self.basis(a["basis"]))
        if key == "licence-use.useData":
            return (string(a["use_id"]) + hash32(a["holder_hex"]) + string(a["data_category"])
                    + string(a["purpose"]) + string(a["item_code"]) + self.basis(a["basis"]))
        if key == "bill.issue":
            return self.bill_issue(a)
        if key == "bill.issueBatch":
            return u32(len(a["bills"])) + b"".join(self.bill_issue(b) for b in a["bills"])
        if key == "bill.reverse":
            return (string(a["bill_id"]) + self.bill_number(a["red_number"])
                    + u64(a["amount_fen"]) + self.categories(a["categories"]))
        if key == "reimbursement.claim":
            return u32(len(a["claims"])) + b"".join(self.claim(c) for c in a["claims"])
        if key in ("reimbursement.settle", "reimbursement.release"):
            return strings(a["claim_ids"])
        if key == "evidence.record":
            return self.evidence(a)
        raise ValueError(f"unknown call {key}")

    def arguments(self, contract: str, method: str, args: dict) -> bytes:
        return u8(ARGUMENTS_VERSION) + self.method_fields(contract, method, args)


# MARK: - the transaction (section 2)

@dataclass
class SignedTransaction:
    arguments: bytes
    signing_bytes: bytes
    signature: bytes
    transaction: bytes  # the POST /v1/transactions body (application/octet-stream)
    tx_id: bytes
    inner_signatures: list

    def json_body(self) -> dict:
        """The `application/json` form of the POST body."""
        return {"transaction": self.transaction.hex()}


def transaction_body(chain_id: str, sender: bytes, unique_id: bytes, valid_until_height: int,
                     contract: str, method: str, arguments: bytes) -> bytes:
    return (u8(TX_VERSION) + string(chain_id) + sender + fixed(unique_id, 16)
            + u64(valid_until_height) + string(contract) + string(method) + byte_string(arguments))


def build_transaction(chain_id: str, signer: Signer, unique_id: bytes, valid_until_height: int,
                      contract: str, method: str, args: dict,
                      suite: Suite = Suite.ED25519_SHA256,
                      make_signer: Callable[[bytes], Signer] = ed25519_signer,
                      given_signatures: Optional[list[bytes]] = None) -> SignedTransaction:
    """Encodes the readable call, signs it and computes its id. `given_signatures` replace
    the signatures made inside the arguments, in order (to reproduce an SM2 vector)."""
    encoder = CallEncoder(chain_id, suite, make_signer, given_signatures)
    arguments = encoder.arguments(contract, method, args)
    body = transaction_body(chain_id, fixed(signer.public_key, suite.public_key_bytes),
                            unique_id, valid_until_height, contract, method, arguments)
    signing_bytes = TX_DOMAIN + body
    signature = fixed(signer.sign(signing_bytes), 64)
    return SignedTransaction(arguments, signing_bytes, signature, body + signature,
                             suite.hash(signing_bytes), encoder.inner)
