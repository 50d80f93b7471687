#!/usr/bin/env bash
# Installs everything the tests and the demo need on a fresh machine: npm packages from the
# lockfile and the Debian packages below. Safe to run again; does nothing when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(zookeeper zip unzip gcc libc6-dev util-linux mmdebstrap iproute2 nftables prometheus xz-utils)

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The package-upgrade tests build a local apt repository from the installed ZooKeeper packages
# (tests/integration/support/apt-repo.ts): keep their .deb files, fetched while the network is at hand.
zookeeper_version=$(dpkg-query -W -f='${Version}' zookeeper)
mkdir -p build/debs
for package in zookeeper libzookeeper-java; do
  file="build/debs/${package}_${zookeeper_version//:/%3a}_all.deb"
  [ -f "$file" ] && continue
  cached="/var/cache/apt/archives/$(basename "$file")"
  if [ -f "$cached" ]; then
    cp "$cached" "$file"
  else
    echo "setup: apt-get download ${package}=${zookeeper_version}"
    (cd build/debs && apt-get download -qq "${package}=${zookeeper_version}" 2>/dev/null)
  fi
done
