#!/usr/bin/env bash
# Makes a local CA and one TLS certificate per node for the API (127.0.0.1 and localhost),
# with the openssl command: `deploy/tls-certs.sh DIR node0 node1 ...` writes DIR/ca.pem and
# DIR/<name>.pem + DIR/<name>.key (mode 0600), node certificates valid 30 days. An existing
# DIR/ca.pem valid for another 31 days is reused, so a browser told to trust it keeps
# trusting the certificates of later runs. The CA
# may sign for no host name but localhost (a critical name constraint), so a browser trusting
# it cannot be shown a forged certificate for any named site. (Its certificates also name
# IP 127.0.0.1, left unconstrained: under an iPAddress constraint for 127.0.0.1/32 the Swift
# client's BoringSSL failed to verify the nodes' chains.) For `make run` and the tests; a
# real network uses its own CA (docs/operations.md).
set -euo pipefail
DIR=$1
shift
mkdir -p "$DIR"
cd "$DIR"
# The CA is kept while it outlives the node certificates made below (30 days each).
if ! { [ -f ca.pem ] && openssl x509 -checkend $((31 * 86400)) -noout -in ca.pem >/dev/null; }; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
    -subj /CN=govchain-local-ca -keyout ca.key -out ca.pem \
    -addext "nameConstraints=critical,permitted;DNS:localhost" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  chmod 600 ca.key
fi
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > san.ext
for name in "$@"; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
    -keyout "$name.key" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
    -extfile san.ext -out "$name.pem" 2>/dev/null
  chmod 600 "$name.key"
  rm -f "$name.csr"
done
rm -f san.ext
