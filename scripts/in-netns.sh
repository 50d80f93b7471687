#!/usr/bin/env bash
# Runs a command in a network namespace of its own that holds only a loopback, so that the Juju
# emulator's per-machine networks (a bridge and veths with 10.x.y.z addresses, tests/sim/network.ts)
# never touch this machine's real network. Every test runs in it (scripts/test.sh); what needs the
# outside world (npm, apt, the machine image's packages) is fetched before.
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: scripts/in-netns.sh <command> [args…]" >&2
  exit 2
fi
exec unshare --net -- bash -c 'ip link set lo up && exec "$@"' in-netns "$@"
