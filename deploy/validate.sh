#!/usr/bin/env bash
# Checks the deployment files in `make test`: every YAML file under deploy/ with yamllint
# (deploy/yamllint.yaml), and the systemd unit with `systemd-analyze verify` where systemd's
# tools are installed. Docker and a Kubernetes cluster are not available on the build
# machines, so the compose file and the manifests are checked as YAML only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
status=0

if command -v yamllint >/dev/null; then
  if yamllint --strict -c "$here/yamllint.yaml" "$here/compose" "$here/kubernetes" \
    "$here/prometheus"; then
    echo "deploy: yaml ok"
  else
    status=1
  fi
else
  echo "deploy: yaml FAILED: yamllint is not installed (make test-deps installs it)"
  status=1
fi

unit="$here/systemd/govchain-node.service"
if ! command -v systemd-analyze >/dev/null; then
  echo "deploy: systemd unit skipped: systemd-analyze is not installed"
else
  # verify checks that ExecStart's program exists: point the copy at the built binary (or
  # at /bin/true when it is not built) instead of /usr/local/bin, nothing else changes.
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  node=${GOVCHAIN_BIN_DIR:-$root/.build/debug}/govchain-node
  [ -x "$node" ] || node=/bin/true
  sed "s|^ExecStart=/usr/local/bin/govchain-node|ExecStart=$node|" "$unit" \
    >"$scratch/govchain-node.service"
  if output=$(systemd-analyze verify "$scratch/govchain-node.service" 2>&1) && [ -z "$output" ]
  then
    echo "deploy: systemd unit ok"
  else
    echo "deploy: systemd unit FAILED:"
    echo "$output"
    status=1
  fi
fi
exit "$status"
