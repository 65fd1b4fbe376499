"""SM2 and SM3 cross-checked against an independent implementation (gmssl, pure Python).

Signatures made by `govchain key sign` verify in gmssl, signatures made by gmssl verify in
`govchain key verify` (and tampered ones do not), keys written by `govchain keygen --suite
sm2` derive the public key gmssl derives, and SM3 / HMAC-SM3 digests agree. Nothing here
imports project code: the binary is the only bridge, as for a team in another language.
"""

import hmac
import os
import subprocess
import tempfile

import pytest
from gmssl import func, sm2, sm3

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("GOVCHAIN_BIN_DIR", os.path.join(ROOT, ".build", "debug"))
GOVCHAIN = os.path.join(BIN, "govchain")
CURVE = sm2.default_ecc_table


def govchain(*args, check=True):
    result = subprocess.run([GOVCHAIN, *args], capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise AssertionError(f"govchain {' '.join(args)} exited {result.returncode}: {result.stderr}")
    return result


def gmssl_sm3(data: bytes) -> str:
    return sm3.sm3_hash(func.bytes_to_list(data))


def gmssl_signer(private_hex: str) -> sm2.CryptSM2:
    signer = sm2.CryptSM2(private_key=private_hex, public_key="00" * 64)
    # gmssl's constructor strips a leading "04" with str.lstrip, which also eats leading 0/4
    # digits of x: set the uncompressed x || y directly.
    signer.public_key = signer._kg(int(private_hex, 16), CURVE["g"])
    return signer


def compressed(xy_hex: str) -> str:
    x, y = xy_hex[:64], xy_hex[64:]
    return ("03" if int(y, 16) & 1 else "02") + x


@pytest.fixture(scope="module")
def sm2_key():
    """A key made by `govchain keygen --suite sm2`: (file, printed public key, secret hex)."""
    if not os.path.exists(GOVCHAIN):
        pytest.fail(f"{GOVCHAIN} is not built (make test builds it first)")
    directory = tempfile.mkdtemp(prefix="govchain-gmssl-")
    path = os.path.join(directory, "sm2.key")
    public = govchain("keygen", "--suite", "sm2", "--out", path).stdout.strip()
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    text = open(path).read().strip()
    assert text.startswith("govchain-sm2-secret:")
    return path, public, text.split(":", 1)[1]


def test_sm3_vectors_and_random_messages_agree():
    assert gmssl_sm3(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    for message in [b"", b"abc", b"abcd" * 16, os.urandom(1000)]:
        ours = govchain("key", "digest", "--hash", "sm3", "--message-hex", message.hex()).stdout.strip()
        assert ours == gmssl_sm3(message)


def test_hmac_sm3_agrees_with_rfc2104_over_gmssl_sm3():
    # HMAC-SM3 from the RFC 2104 definition over gmssl's SM3 (block size 64 bytes).
    key, message = os.urandom(20), os.urandom(100)
    block = key.ljust(64, b"\0")
    inner = bytes.fromhex(gmssl_sm3(bytes(b ^ 0x36 for b in block) + message))
    expected = gmssl_sm3(bytes(b ^ 0x5C for b in block) + inner)
    ours = govchain("key", "digest", "--hash", "sm3", "--hmac-key-hex", key.hex(),
                    "--message-hex", message.hex()).stdout.strip()
    assert ours == expected
    # and HMAC-SHA-256 against Python's own
    ours256 = govchain("key", "digest", "--hash", "sha-256", "--hmac-key-hex", key.hex(),
                       "--message-hex", message.hex()).stdout.strip()
    assert ours256 == hmac.new(key, message, "sha256").hexdigest()


def test_keygen_public_key_matches_gmssl_derivation(sm2_key):
    _, public, secret = sm2_key
    assert public == compressed(gmssl_signer(secret).public_key)


def test_govchain_signatures_verify_in_gmssl(sm2_key):
    path, _, secret = sm2_key
    verifier = gmssl_signer(secret)
    for message in [b"govchain", b"", os.urandom(300)]:
        signature = govchain("key", "sign", "--key-file", path, "--message-hex", message.hex()).stdout.strip()
        assert len(signature) == 128
        assert verifier.verify_with_sm3(signature, message)
        assert not verifier.verify_with_sm3(signature, message + b"!")


def test_gmssl_signatures_verify_in_govchain(sm2_key):
    _, public, secret = sm2_key
    signer = gmssl_signer(secret)
    for message in [b"govchain", os.urandom(200)]:
        signature = signer.sign_with_sm3(message)
        ok = govchain("key", "verify", "--public-key", public, "--signature", signature,
                      "--message-hex", message.hex(), check=False)
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.strip() == "valid"
        tampered = signature[:-1] + ("0" if signature[-1] != "0" else "1")
        bad = govchain("key", "verify", "--public-key", public, "--signature", tampered,
                       "--message-hex", message.hex(), check=False)
        assert bad.returncode == 1 and bad.stdout.strip() == "invalid"


def test_standard_example_verifies_in_both():
    # GB/T 32918.2-2016 Annex A on the recommended curve.
    d = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
    r = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    s = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
    message = b"message digest"
    signer = gmssl_signer(d.lower())
    assert signer.verify_with_sm3((r + s).lower(), message)
    ok = govchain("key", "verify", "--public-key", compressed(signer.public_key),
                  "--signature", r + s, "--message-hex", message.hex(), check=False)
    assert ok.returncode == 0, ok.stderr
