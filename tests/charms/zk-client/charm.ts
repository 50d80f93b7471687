/**
 * The test client charm: asks zookeeper for a chroot, reads the connection data it publishes (plain or
 * from the granted Juju secret), and proves access with a real ZooKeeper session.
 */
import { active, blocked, field, type Hook, runHook, waiting } from "../../../lib/juju";
import { NoAuthError, ZooKeeperManager } from "../../../lib/zookeeper";

const REQUEST_SCHEMA = {
  database: field.string(),
  "extra-user-roles": field.string(),
  "requested-secrets": field.string(),
} as const;

interface Connection {
  readonly username: string;
  readonly password: string;
  readonly hosts: string[];
  readonly chroot: string;
}

function connection(hook: Hook): Connection | undefined {
  const relation = hook.model.relation("zookeeper");
  const app = relation?.remoteApp;
  if (!relation || !app) return undefined;
  const data = relation.rawAppData(app);
  const fromSecret = data["secret-user"]
    ? (hook.model.secrets.get({ id: data["secret-user"], refresh: true }) ?? {})
    : {};
  const username = fromSecret.username ?? data.username;
  const password = fromSecret.password ?? data.password;
  const uris = fromSecret.uris ?? data.uris;
  const chroot = data.database;
  if (!username || !password || !uris || !chroot) return undefined;
  // node-zookeeper-client speaks no TLS: given the secure port (2182), this test client uses the
  // plaintext one, which the ensemble keeps open (SASL still required on it).
  const hosts = uris
    .slice(0, uris.length - chroot.length)
    .split(",")
    .map((host) => host.replace(/:2182$/, ":2181"));
  return { username, password, hosts, chroot };
}

async function check(conn: Connection, unit: string): Promise<{ inside: string; outside: string }> {
  const zk = await ZooKeeperManager.connect({
    hosts: conn.hosts,
    auth: { username: conn.username, password: conn.password },
    connectTimeoutMs: 8_000,
  });
  try {
    const path = `${conn.chroot}/check-${unit.replace("/", "-")}`;
    if (await zk.exists(path)) await zk.setData(path, unit);
    else await zk.create(path, unit, { acl: [{ scheme: "auth", id: "", perms: "cdrwa" }] });
    const read = (await zk.getData(path)).data.toString();
    // Outside its chroot a client may neither list the other tenants nor write to `/` (it may only
    // create children of its chroot's parent, which Kafka needs to check its chroot exists).
    let outside = "allowed";
    try {
      await zk.getChildren("/");
    } catch (error) {
      outside = error instanceof NoAuthError ? "denied" : `error: ${String(error)}`;
    }
    if (outside === "denied") {
      await zk.setData("/", "x").then(
        () => {
          outside = "allowed";
        },
        (error: unknown) => {
          if (!(error instanceof NoAuthError)) outside = `error: ${String(error)}`;
        },
      );
    }
    return { inside: read === unit ? "ok" : `read ${read}`, outside };
  } finally {
    await zk.close();
  }
}

async function handle(hook: Hook): Promise<void> {
  const relation = hook.model.relation("zookeeper");
  if (hook.action) {
    const conn = connection(hook);
    if (!conn) return hook.action.fail("no credentials from zookeeper yet");
    if (hook.action.name === "credentials") {
      hook.action.setResults({
        username: conn.username,
        password: conn.password,
        hosts: conn.hosts.join(","),
        chroot: conn.chroot,
      });
      return;
    }
    hook.action.setResults(await check(conn, hook.model.unitName));
    return;
  }
  if (!relation) return hook.report(blocked("needs a zookeeper relation"));
  if (hook.model.isLeader) {
    const config = hook.tools.configGet();
    relation.setLocalAppData(REQUEST_SCHEMA, {
      database: String(config.database || `/${hook.model.appName}`),
      "extra-user-roles": String(config["extra-user-roles"] ?? "") || null,
      "requested-secrets": String(config["requested-secrets"] ?? "") || null,
    });
  }
  const conn = connection(hook);
  if (!conn) return hook.report(waiting("waiting for zookeeper to publish credentials"));
  try {
    const result = await check(conn, hook.model.unitName);
    hook.report(
      result.inside === "ok"
        ? active(`${conn.username} on ${conn.chroot}`)
        : blocked(`chroot check: ${result.inside}`),
    );
  } catch (error) {
    hook.report(waiting(`cannot use the credentials yet: ${String(error)}`));
  }
}

runHook(handle).then((code) => process.exit(code));
