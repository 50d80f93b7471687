#!/usr/bin/env bash
# `npm test`: set-up, then typecheck, lint and format check, build, and every test (in a network
# namespace of the run's own: scripts/in-netns.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "test: typecheck"
npx tsc --noEmit -p tsconfig.json
echo "test: lint and format"
npx biome ci --reporter=summary .
echo "test: build"
node scripts/build.mjs
echo "test: machine image (Debian 13, fetched while the network is at hand)"
node scripts/build.mjs --sim
node build/sim/cli.mjs image
echo "test: vitest (in a network namespace of its own)"
bash scripts/in-netns.sh npx vitest run "$@"
