#!/usr/bin/env bash
# `npm run demo`: installs what it needs, packs the charm, deploys 3 units on the Juju emulator with
# real ZooKeeper servers, writes and reads a znode, scales to 5 and back to 3, relates a client
# application, turns TLS on through a certificates provider, and leaves the model running for you
# to explore. Needs root (the emulator gives each unit its own mount namespace).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: the Juju emulator needs root (each unit gets its own mount namespace); run it as root" >&2
  exit 1
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
sim() { node build/sim/cli.mjs "$@"; }

step "Installing what the demo needs (npm packages, Debian's zookeeper)"
bash scripts/setup.sh
step "Building and packing the charm"
node scripts/pack.mjs
node scripts/build.mjs --sim

export JUJU_SIM_MODEL_DIR="${JUJU_SIM_MODEL_DIR:-$PWD/.sim}"
sim destroy-model >/dev/null 2>&1 || true

# Shows the unit table every few seconds until the model settles.
converge() {
  local started=$SECONDS
  until sim wait-for --timeout 4 >/dev/null 2>&1; do
    printf '  [%3ss] ' "$((SECONDS - started))"
    sim status --format=json | node -e '
      const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const units = Object.entries(s.applications.zookeeper?.units ?? {});
      console.log(units.map(([name, u]) => `${name}${u.leader ? "*" : ""} ${u["workload-status"].current}` +
        (u["workload-status"].message ? ` (${u["workload-status"].message})` : "")).join(" | "));'
  done
  printf '  settled after %ss\n' "$((SECONDS - started))"
}

hosts() {
  sim status --format=json | node -e '
    const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
    console.log(Object.values(s.applications.zookeeper.units).map((u) => `${u["public-address"]}:2181`).join(","));'
}

step "Deploying 3 units: zookeeper/0 bootstraps, the others join by dynamic reconfig"
sim deploy build/zookeeper_ubuntu-24.04-amd64.charm -n 3 --config heap-size-mb=256
converge
sim status

# The super password lives in an app-owned Juju secret; read it through the hook tools, as a unit does.
ZK_PASSWORD=$(sim exec --unit zookeeper/0 -- \
  'secret-get "$(relation-get -r "$(relation-ids cluster)" --app passwords-secret zookeeper)" super-password')
export ZK_PASSWORD

step "Writing a znode, then reading it back from every member"
node build/sim/zk-client.cjs "$(hosts)" write /demo/greeting "hello from the demo"
for host in $(hosts | tr ',' ' '); do node build/sim/zk-client.cjs "$host" read /demo/greeting; done
step "Who leads, and who is a member (ZooKeeper's own view)"
node build/sim/zk-client.cjs "$(hosts)" ensemble

step "Live metrics: every unit serves Prometheus metrics on :7000 (names as ZooKeeper's own provider)"
for host in $(hosts | tr ',' ' '); do
  echo "  ${host%:*}:7000/metrics"
  node -e 'fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t))' \
    "http://${host%:*}:7000/metrics" |
    grep -E '^(zookeeper_server_info\{[^}]*\}|zookeeper_ensemble_voters|znode_count|num_alive_connections|avg_latency|jvm_memory_bytes_used\{area="heap"\}) ' |
    sed 's/^/    /'
done

step "Scaling to 5 units"
sim add-unit zookeeper -n 2
converge
node build/sim/zk-client.cjs "$(hosts)" ensemble

step "Scaling back to 3: the leaving units are removed by reconfig before they stop"
sim scale-application zookeeper 3
converge
node build/sim/zk-client.cjs "$(hosts)" ensemble
for host in $(hosts | tr ',' ' '); do node build/sim/zk-client.cjs "$host" read /demo/greeting; done

step "A client application relates: it gets its own chroot, user and ACL (credentials as a Juju secret)"
node scripts/build.mjs --test-charm zk-client
sim deploy build/charms/zk-client myapp --config database=/myapp
sim integrate myapp zookeeper
converge
sim run myapp/0 check                                # writes in /myapp, is denied outside it
sim status | sed -n '/^App/,/^$/p'

step "TLS: a certificates provider relates; the ensemble moves to TLS in three rolling restarts, no downtime"
node scripts/build.mjs --test-charm tls-provider
sim deploy build/charms/tls-provider
sim integrate zookeeper:certificates tls-provider
converge
ca_file=$(mktemp)
sim exec --unit tls-provider/0 -- cat /var/lib/tls-provider/generation-1/root.pem > "$ca_file"
echo "  a real TLS handshake with each server's client port 2182, checked against the provider's CA:"
for host in $(hosts | tr ',' ' '); do
  printf '    %s:2182  ' "${host%:*}"
  openssl s_client -connect "${host%:*}:2182" -CAfile "$ca_file" -no-CApath -no-CAstore </dev/null 2>/dev/null |
    grep "Verify return code" || echo "no TLS"
done
rm -f "$ca_file"
echo "  what the client application now reads (tls, the CA it must trust, endpoints on 2182):"
sim exec --unit myapp/0 -- 'relation-get -r "$(relation-ids zookeeper)" --app - zookeeper' |
  grep -E '^(tls|endpoints|version):|BEGIN CERTIFICATE' | sed 's/^/    /'

step "Done. The model keeps running; explore it with:"
cat <<EOT
  npm run --silent sim -- status
  npm run --silent sim -- debug-log --include zookeeper/0
  npm run --silent sim -- exec --unit zookeeper/1 -- systemctl status zookeeper
  npm run --silent sim -- config zookeeper tick-time=3000     # a rolling restart, leader last
  npm run --silent sim -- add-unit zookeeper                  # or: remove-unit zookeeper/1
  npm run --silent sim -- run zookeeper/leader set-password username=sync   # rolls without downtime
  npm run --silent sim -- run myapp/0 credentials             # what the client received
  npm run --silent sim -- remove-relation zookeeper tls-provider   # TLS off again, same three steps back
and stop every process it started with:
  npm run --silent sim -- destroy-model
EOT
