#!/usr/bin/env bash
# Makes the data directories of a 4-validator network whose nodes run on separate hosts
# (compose services, Kubernetes pods): `genesis devnet` with every validator's address
# rewritten to HOST_PATTERN ({i} is the node index) and every node listening on all
# interfaces. Run it before any node starts: the addresses are part of the genesis hash.
#   deploy/make-network.sh OUT 'node{i}'                       # deploy/compose
#   deploy/make-network.sh OUT 'govchain-{i}.govchain-peers'   # deploy/kubernetes
# A real network of departments makes its genesis by ceremony instead (docs/operations.md).
set -euo pipefail
out=${1:?usage: make-network.sh OUT HOST_PATTERN [VALIDATORS]}
pattern=${2:?usage: make-network.sh OUT HOST_PATTERN [VALIDATORS]}
count=${3:-4}
root=$(cd "$(dirname "$0")/.." && pwd)
node=${GOVCHAIN_BIN_DIR:-$root/.build/debug}/govchain-node
p2p_port=26600
api_port=8600

"$node" genesis devnet --validators "$count" --out "$out" \
  --template "$root/genesis/devnet.template.json" >/dev/null
genesis="$out/genesis.json"
for ((i = 0; i < count; i++)); do
  host=${pattern//\{i\}/$i}
  jq --argjson i "$i" --arg address "$host:$p2p_port" \
    '.validators[$i].address = $address' "$genesis" >"$genesis.new"
  mv "$genesis.new" "$genesis"
  # Every node listens on the same ports, on all interfaces, inside its own host.
  sed -i -e "/^\[api\]/,/^\[/ s|^listen = .*|listen = '0.0.0.0:$api_port'|" \
    -e "/^\[p2p\]/,/^\[/ s|^listen = .*|listen = '0.0.0.0:$p2p_port'|" \
    "$out/node$i/config.toml"
done
for ((i = 0; i < count; i++)); do cp "$genesis" "$out/node$i/genesis.json"; done
echo "network of $count validators in $out; genesis hash:"
"$node" genesis hash --genesis "$genesis"
