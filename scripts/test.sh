#!/usr/bin/env bash
# `npm test`: set-up, then typecheck, lint and format check, build, and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "test: typecheck"
npx tsc --noEmit -p tsconfig.json
echo "test: lint and format"
npx biome ci --reporter=summary .
echo "test: build"
node scripts/build.mjs
echo "test: vitest"
npx vitest run "$@"
