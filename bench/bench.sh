#!/usr/bin/env bash
# `npm run bench`: installs what it needs (scripts/setup.sh), packs the charm, bundles the benchmark
# and runs it: rounds of floor measurements on bare ZooKeeper servers interleaved with the charm on
# the Juju emulator. Writes bench/results.json and bench/RESULTS.md. 6 to 10 minutes on 2 cores; needs root
# (the emulator gives each unit its own mount namespace). BENCH_ROUNDS, BENCH_HOOK_RUNS and
# BENCH_ELECTIONS shorten or lengthen it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "bench: the Juju emulator needs root (each unit gets its own mount namespace); run it as root" >&2
  exit 1
fi

bash scripts/setup.sh
echo "bench: packing the charm and bundling the benchmark"
node scripts/pack.mjs >/dev/null
node bench/build.mjs
exec node build/bench/run.mjs
