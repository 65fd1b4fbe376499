"""schemathesis hook for deploy/api-fuzz.sh: signs every request as the auditor (docs/api.md
"Signed requests"), so the fuzzer reaches every route of a node with `reads = "signed"`."""
import hashlib
import os
import secrets
import time

import requests
import schemathesis
from nacl.signing import SigningKey

with open(os.environ["GOVCHAIN_FUZZ_KEY_FILE"]) as handle:
    KEY = SigningKey(bytes.fromhex(handle.read().strip().split(":", 1)[1]))
CHAIN_ID = os.environ.get("GOVCHAIN_FUZZ_CHAIN_ID", "govchain-devnet")


class GovChainSignature(requests.auth.AuthBase):
    def __call__(self, request):
        path, _, query = request.path_url.partition("?")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        time_ms = int(time.time() * 1000)
        nonce = secrets.token_hex(16)
        message = "\n".join(["govchain/request/v1", CHAIN_ID, request.method, path, query,
                             hashlib.sha256(body).hexdigest(), str(time_ms), nonce]).encode()
        signature = KEY.sign(message).signature.hex()
        request.headers["Authorization"] = (
            f"GovChain key={KEY.verify_key.encode().hex()}, time={time_ms}, nonce={nonce}, signature={signature}")
        return request


@schemathesis.hook
def before_call(ctx, case, kwargs):
    kwargs["auth"] = GovChainSignature()
