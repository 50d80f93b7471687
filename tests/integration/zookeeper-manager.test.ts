/**
 * ZooKeeperManager and the 4lw probes against real ZooKeeper 3.8 servers (tests/support/zookeeper-server.ts),
 * configured as the charm configures them: reconfigEnabled, standaloneEnabled=false, quorum SASL,
 * enforce.auth (sasl,digest) and a digest super user whose digest lives in zoo.cfg.
 *
 * One ensemble is grown and shrunk through the file, so the steps run in order:
 * 1 → 2 → 3 voters (joiners start with the committed config + themselves as observer, then are
 * added as participants with fromConfig, notes §3.4), remove a follower, remove the leader, then
 * freeze the last server with SIGSTOP. A second, single server without quorum serves the
 * "not serving" probes.
 */
import { readFileSync, statSync } from "node:fs";
import { createClient } from "node-zookeeper-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BadVersionError,
  ClientClosedError,
  checkEnsembleHealth,
  checkMemberHealth,
  digestAcl,
  digestCredential,
  type EnsembleConfig,
  findLeader,
  formatServer,
  isOutcomeUnknown,
  NewConfigNoQuorumError,
  NoAuthError,
  NodeExistsError,
  NoNodeError,
  NotEmptyError,
  probeConf,
  probeMntr,
  probeRuok,
  probeSrvr,
  SessionClosedRequireAuthError,
  sameMembers,
  TimeoutError,
  worldAcl,
  type ZooKeeperError,
  ZooKeeperManager,
} from "../../lib/zookeeper";
import { liveZooKeeperPids, type ZooKeeperServer, ZooKeeperTestCluster } from "../support/zookeeper-server";

let cluster: ZooKeeperTestCluster;
let noQuorum: ZooKeeperServer;
const managers: ZooKeeperManager[] = [];
const reconfigLatencies: number[] = [];
const startToServing: number[] = [];
let leaderRemovalOutcome = "reply";

function superAuth(): { username: string; password: string } {
  return { username: "super", password: cluster.secrets.superPassword };
}

async function connect(
  hosts: string[],
  options: Partial<Parameters<typeof ZooKeeperManager.connect>[0]> = {},
) {
  const manager = await ZooKeeperManager.connect({
    hosts,
    auth: superAuth(),
    connectTimeoutMs: 5_000,
    requestTimeoutMs: 5_000,
    ...options,
  });
  managers.push(manager);
  return manager;
}

/** Starts server `id` as a joiner: the committed config plus itself as observer (notes §3.4). */
async function startJoiner(id: number, committed: EnsembleConfig): Promise<ZooKeeperServer> {
  const started = Date.now();
  const server = await cluster.start(id, [
    ...committed.servers.map(formatServer),
    cluster.line(id, "observer"),
  ]);
  await server.waitForServing();
  startToServing.push(Date.now() - started);
  return server;
}

async function timedReconfig(
  manager: ZooKeeperManager,
  options: Parameters<ZooKeeperManager["reconfig"]>[0],
): Promise<EnsembleConfig> {
  const started = performance.now();
  const config = await manager.reconfig(options);
  reconfigLatencies.push(Math.round(performance.now() - started));
  return config;
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  cluster = await ZooKeeperTestCluster.create();
  const started = Date.now();
  const [s1, lonely] = await Promise.all([
    cluster.start(1, [cluster.line(1)]),
    // Server 8's config names server 7, which never runs: 8 can never form a quorum.
    cluster.start(8, [cluster.line(7), cluster.line(8)]),
  ]);
  noQuorum = lonely;
  await s1.waitForServing();
  startToServing.push(Date.now() - started);
});

afterAll(async () => {
  await Promise.all(managers.map((m) => m.close()));
  await cluster?.cleanup();
  expect(liveZooKeeperPids()).toEqual([]);
  console.info(
    `zookeeper-manager: start→serving ${startToServing.join("/")} ms; reconfig latency ${reconfigLatencies.join("/")} ms; leader removal answered with ${leaderRemovalOutcome}`,
  );
});

describe("ZooKeeperManager against real ZooKeeper 3.8", () => {
  let admin: ZooKeeperManager;
  let committed: EnsembleConfig;

  it("keeps the super digest out of the JVM command line (it is in the 0600 zoo.cfg)", () => {
    const s1 = cluster.server(1);
    const commandLine = s1.commandLine();
    expect(commandLine).toContain("QuorumPeerMain");
    expect(commandLine).not.toContain(cluster.secrets.superPassword);
    expect(commandLine).not.toContain("superDigest");
    const zooCfg = `${s1.dir}/zoo.cfg`;
    expect(readFileSync(zooCfg, "utf8")).toContain(
      `DigestAuthenticationProvider.superDigest=${digestCredential("super", cluster.secrets.superPassword)}`,
    );
    // ZooKeeper has already rewritten zoo.cfg (dynamic file renamed to zoo.cfg.dynamic.<version>):
    // the file keeps its secret, and only the process umask kept it private.
    expect(readFileSync(zooCfg, "utf8")).toMatch(/^dynamicConfigFile=.*zoo\.cfg\.dynamic\.[0-9a-f]+$/m);
    expect(statSync(zooCfg).mode & 0o777).toBe(0o600);
  });

  it("connects as the digest super user and reads the config (after a sync)", async () => {
    admin = await connect([cluster.endpoint(1)]);
    expect(admin.isConnected).toBe(true);
    expect(admin.connectedServer).toBe(cluster.endpoint(1));
    committed = await admin.getConfig({ sync: true });
    expect(committed.servers).toEqual([
      {
        id: 1,
        address: cluster.ip(1),
        quorumPort: 2888,
        electionPort: 3888,
        role: "participant",
        clientAddress: cluster.ip(1),
        clientPort: 2181,
      },
    ]);
    expect(committed.version).toBeGreaterThan(0n);
    // 4lw conf shows the same membership without a session.
    const conf = await probeConf(cluster.endpoint(1));
    expect(conf.ensemble && sameMembers(conf.ensemble, committed)).toBe(true);
    expect(conf.ensemble?.version).toBe(committed.version);
  });

  it("does data operations with ACLs, modes, versions and typed errors", async () => {
    const appPassword = cluster.secrets.appPassword;
    await admin.ensurePath("/charm/a/b", { acl: [worldAcl("cdrwa")] });
    await admin.ensurePath("/charm/a/b"); // idempotent
    expect(await admin.exists("/charm/a/b")).toBeDefined();
    expect(await admin.exists("/charm/missing")).toBeUndefined();

    const appAcl = [
      digestAcl("app", appPassword, "cdrwa"),
      digestAcl("super", cluster.secrets.superPassword, "r"),
    ];
    expect(await admin.create("/charm/app", "v1", { acl: appAcl })).toBe("/charm/app");
    await expect(admin.create("/charm/app", "again")).rejects.toBeInstanceOf(NodeExistsError);
    const seq = await admin.create("/charm/a/item-", undefined, { mode: "persistent-sequential" });
    expect(seq).toMatch(/^\/charm\/a\/item-\d{10}$/);
    const eph = await admin.create("/charm/a/session", Buffer.from([1, 2, 3]), { mode: "ephemeral" });
    expect((await admin.exists(eph))?.ephemeralOwner).toBe(admin.sessionId);

    const { data, stat } = await admin.getData("/charm/app");
    expect(data.toString()).toBe("v1");
    expect(stat.version).toBe(0);
    const updated = await admin.setData("/charm/app", "v2", { version: 0 });
    expect(updated.version).toBe(1);
    const stale = await admin.setData("/charm/app", "v3", { version: 0 }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(BadVersionError);
    expect((stale as ZooKeeperError).message).toBe("zookeeper setData /charm/app: BAD_VERSION (-103)");

    expect(await admin.getChildren("/charm/a")).toEqual(["b", seq.split("/").pop(), "session"].sort());
    await expect(admin.getData("/charm/nope")).rejects.toBeInstanceOf(NoNodeError);
    await expect(admin.delete("/charm/a")).rejects.toBeInstanceOf(NotEmptyError);

    const acl = await admin.getACL("/charm/app");
    expect(acl.acl).toEqual(appAcl);
    expect(acl.stat.aversion).toBe(0);

    // super bypasses ACLs; the app identity has exactly what its ACL grants.
    const app = await connect([cluster.endpoint(1)], { auth: { username: "app", password: appPassword } });
    expect((await app.getData("/charm/app")).data.toString()).toBe("v2");
    await admin.setACL("/charm/app", [digestAcl("super", cluster.secrets.superPassword, "cdrwa")], {
      version: 0,
    });
    await expect(app.getData("/charm/app")).rejects.toBeInstanceOf(NoAuthError);

    await admin.setACLRecursive("/charm/a", [worldAcl("r"), digestAcl("super", "x", "cdrwa")]);
    expect((await admin.getACL("/charm/a/b")).acl).toEqual([worldAcl("r"), digestAcl("super", "x", "cdrwa")]);
    await expect(app.create("/charm/a/b/c")).rejects.toBeInstanceOf(NoAuthError);

    await admin.deleteRecursive("/charm");
    expect(await admin.exists("/charm")).toBeUndefined();
    await admin.deleteRecursive("/charm"); // already gone: fine
    await app.close();
  });

  it("close() leaves no socket or timer that would keep a hook process alive", async () => {
    const count = (kind: string): number => process.getActiveResourcesInfo().filter((r) => r === kind).length;
    const sockets = count("TCPSocketWrap");
    const timers = count("Timeout");
    const manager = await connect([cluster.endpoint(1)]);
    await manager.getConfig({ sync: true });
    await manager.close();
    // A manager that never connected (the connect attempt times out) must not leave anything either.
    await ZooKeeperManager.connect({
      hosts: [noQuorum.endpoint],
      auth: superAuth(),
      connectTimeoutMs: 300,
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(count("TCPSocketWrap")).toBe(sockets);
    expect(count("Timeout")).toBeLessThanOrEqual(timers);
  });

  it("refuses reconfig to a non-super digest identity with NO_AUTH", async () => {
    const app = await connect([cluster.endpoint(1)], {
      auth: { username: "app", password: cluster.secrets.appPassword },
    });
    await expect(app.getConfig()).resolves.toMatchObject({ version: committed.version });
    // The server validates and checks quorum before the ACL: removing the last voter gives BAD_ARGUMENTS
    // and adding a dead participant NEW_CONFIG_NO_QUORUM even without permission. An observer passes both.
    const error = await app
      .reconfig({ joining: [cluster.line(9, "observer")], fromConfig: committed.version })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoAuthError);
    expect((error as ZooKeeperError).code).toBe(-102);
    await app.close();
  });

  it("a session without auth is closed by the server (enforce.auth) with a typed error", async () => {
    const anonymous = await connect([cluster.endpoint(1)], { auth: undefined });
    await expect(anonymous.getConfig()).rejects.toBeInstanceOf(SessionClosedRequireAuthError);
    await anonymous.close();
    await expect(anonymous.getConfig()).rejects.toBeInstanceOf(ClientClosedError);
  });

  it("NEW_CONFIG_NO_QUORUM when adding a server that is not running — no crash, session still usable", async () => {
    const error = await admin
      .reconfig({ joining: [cluster.line(9)], fromConfig: committed.version })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NewConfigNoQuorumError);
    expect((error as ZooKeeperError).code).toBe(-13);
    expect(isOutcomeUnknown(error)).toBe(false);
    expect(sameMembers(await admin.getConfig({ sync: true }), committed)).toBe(true);
  });

  it("grows 1 → 2: the joiner syncs as a non-voting follower, then is added as participant", async () => {
    const s2 = await startJoiner(2, committed);
    // Mode: follower, yet not a member: membership comes from the config.
    expect((await probeSrvr(s2.endpoint)).mode).toBe("follower");
    const joiner = await checkMemberHealth(committed, 2, { endpoint: s2.endpoint });
    expect(joiner.syncedMember).toBe(false);
    expect(joiner.reasons[0]).toMatch(/not in the committed config/);
    const leaderMntr = await eventually(async () => {
      const m = await probeMntr(cluster.endpoint(1));
      return m.syncedNonVotingFollowers === 1 ? m : undefined;
    });
    expect(leaderMntr.quorumSize).toBe(1);

    const next = await timedReconfig(admin, { joining: [cluster.line(2)], fromConfig: committed.version });
    expect(next.servers.map((s) => [s.id, s.role])).toEqual([
      [1, "participant"],
      [2, "participant"],
    ]);
    expect(next.version).toBeGreaterThan(committed.version);

    // The old version is now stale.
    const stale = await admin
      .reconfig({ leaving: [2], fromConfig: committed.version })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(BadVersionError);

    committed = next;
    const reread = await admin.getConfig({ sync: true });
    expect(reread).toEqual(committed);
  });

  it("grows 2 → 3 and reports every voter as a synced member", async () => {
    await startJoiner(3, committed);
    committed = await timedReconfig(admin, { joining: [cluster.line(3)], fromConfig: committed.version });
    expect(committed.servers.filter((s) => s.role === "participant")).toHaveLength(3);

    const leader = await findLeader([1, 2, 3].map((id) => cluster.endpoint(id)));
    expect(leader?.endpoint).toBe(cluster.endpoint(1));
    expect(leader?.srvr.mode).toBe("leader");

    const health = await eventually(async () => {
      const h = await checkEnsembleHealth(committed);
      return h.votersSynced ? h : undefined;
    });
    expect(health).toMatchObject({ leaderId: 1, voters: 3, syncedVoters: 3, syncedNonVotingFollowers: 0 });
    expect(health.members.map((m) => [m.id, m.mode, m.syncedMember])).toEqual([
      [1, "leader", true],
      [2, "follower", true],
      [3, "follower", true],
    ]);
    const mntr = await probeMntr(cluster.endpoint(1));
    expect(mntr).toMatchObject({ serverState: "leader", syncedFollowers: 2, quorumSize: 3 });
  });

  it("removes a follower; it keeps running as a non-voting follower, no longer a member", async () => {
    committed = await timedReconfig(admin, { leaving: [3], fromConfig: committed.version });
    expect(committed.servers.map((s) => s.id)).toEqual([1, 2]);
    expect((await probeSrvr(cluster.endpoint(3))).mode).toBe("follower");
    const removed = await checkMemberHealth(committed, 3, { endpoint: cluster.endpoint(3) });
    expect(removed.syncedMember).toBe(false);
    const leaderMntr = await eventually(async () => {
      const m = await probeMntr(cluster.endpoint(1));
      return m.syncedNonVotingFollowers === 1 ? m : undefined;
    });
    expect(leaderMntr.syncedFollowers).toBe(2);
    expect((await checkEnsembleHealth(committed)).votersSynced).toBe(true);
  });

  it("requests issued while the connection is down wait for the new session and its auth", async () => {
    // Control: the bare library sends a request queued before `connected` ahead of the auth packet,
    // and with enforce.auth the server rejects it (notes §1.1, §1.5 item 9).
    const raw = createClient(cluster.endpoint(3), { sessionTimeout: 4000 });
    raw.addAuthInfo("digest", Buffer.from(`super:${cluster.secrets.superPassword}`));
    raw.connect();
    const rawError = await new Promise<unknown>((resolve) =>
      raw.getData("/zookeeper/config", (e) => resolve(e)),
    );
    raw.close();
    expect((rawError as { code?: number }).code).toBe(-124);

    // A manager that can fail over from server 3 to server 2.
    let manager: ZooKeeperManager | undefined;
    for (let attempt = 0; attempt < 20 && manager === undefined; attempt++) {
      const candidate = await connect([cluster.endpoint(3), cluster.endpoint(2)]);
      if (candidate.connectedServer === cluster.endpoint(3)) manager = candidate;
      else await candidate.close();
    }
    if (!manager) throw new Error("never connected to server 3");
    const onServer3 = manager;
    const states: string[] = [];
    // Issued from the `disconnected` notification itself, i.e. certainly while no connection exists:
    // held back, then sent on server 2 after the library has re-sent the auth packet.
    const issuedWhileDown = new Promise<EnsembleConfig>((resolve, reject) => {
      onServer3.onConnectionStateChange((state) => {
        states.push(state);
        if (state === "disconnected" && states.length === 1) {
          onServer3.getConfig({ timeoutMs: 8_000 }).then(resolve, reject);
        }
      });
    });
    await cluster.server(3).kill();
    const config = await issuedWhileDown;
    expect(states[0]).toBe("disconnected");
    expect(states).toContain("connected");
    expect(onServer3.connectedServer).toBe(cluster.endpoint(2));
    expect(config).toEqual(committed);
    await onServer3.create("/after-reconnect", "x", {
      acl: [digestAcl("super", cluster.secrets.superPassword, "cdrwa")],
    });
    await onServer3.delete("/after-reconnect");
    await onServer3.close();
  });

  it("removes the leader: CONNECTION_LOSS (if any) means outcome unknown → re-read the config", async () => {
    const viaFollower = await connect([cluster.endpoint(2)]);
    let result: EnsembleConfig | undefined;
    try {
      result = await timedReconfig(viaFollower, { leaving: [1], fromConfig: committed.version });
    } catch (error) {
      // Server 2 drops its clients while it becomes leader (notes §1.5 item 8).
      if (!isOutcomeUnknown(error)) throw error;
      leaderRemovalOutcome = (error as Error).name;
    }
    const after = await eventually(async () => {
      const fresh = await connect([cluster.endpoint(2)]);
      try {
        return await fresh.getConfig({ sync: true });
      } finally {
        await fresh.close();
      }
    });
    if (result) expect(after).toEqual(result);
    expect(after.servers.map((s) => s.id)).toEqual([2]);
    committed = after;
    const leader = await eventually(async () => findLeader([cluster.endpoint(1), cluster.endpoint(2)]));
    expect(leader.endpoint).toBe(cluster.endpoint(2));
    // The old leader is still running; it steps down to a non-voting follower.
    const exLeader = await eventually(async () => {
      const srvr = await probeSrvr(cluster.endpoint(1));
      return srvr.mode === "follower" ? srvr : undefined;
    });
    expect(exLeader.serving).toBe(true);
    await viaFollower.close();
    await admin.close();
    await cluster.server(1).stop();
  });

  it("srvr/mntr/ruok/conf on a server without quorum: alive (imok) but not serving; connect times out", async () => {
    expect(await probeRuok(noQuorum.endpoint)).toBe(true);
    expect(await probeSrvr(noQuorum.endpoint)).toMatchObject({ serving: false, mode: undefined });
    expect((await probeMntr(noQuorum.endpoint)).serving).toBe(false);
    expect((await probeConf(noQuorum.endpoint)).ensemble).toBeUndefined();
    // Serving, for contrast:
    expect(await probeSrvr(cluster.endpoint(2))).toMatchObject({ serving: true, mode: "leader" });

    const started = Date.now();
    const error = await ZooKeeperManager.connect({
      hosts: [noQuorum.endpoint],
      auth: superAuth(),
      connectTimeoutMs: 800,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).requestSent).toBe(false);
    expect((error as Error).message).toMatch(/^zookeeper connect: no session with/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("every call times out against a SIGSTOPped server instead of hanging", async () => {
    const last = cluster.server(2);
    const manager = await connect([last.endpoint], { requestTimeoutMs: 600 });
    await manager.create("/frozen", "x");
    last.pause();
    try {
      const started = Date.now();
      const calls: [string, Promise<unknown>][] = [
        ["getConfig", manager.getConfig()],
        ["getConfig+sync", manager.getConfig({ sync: true })],
        ["sync", manager.sync("/")],
        ["reconfig", manager.reconfig({ leaving: [9], fromConfig: committed.version })],
        ["exists", manager.exists("/frozen")],
        ["getData", manager.getData("/frozen")],
        ["setData", manager.setData("/frozen", "y")],
        ["create", manager.create("/frozen2")],
        ["ensurePath", manager.ensurePath("/x/y")],
        ["delete", manager.delete("/frozen")],
        ["deleteRecursive", manager.deleteRecursive("/frozen")],
        ["getChildren", manager.getChildren("/")],
        ["getACL", manager.getACL("/frozen")],
        ["setACL", manager.setACL("/frozen", [worldAcl("r")])],
        ["setACLRecursive", manager.setACLRecursive("/frozen", [worldAcl("r")])],
        ["4lw srvr", probeSrvr(last.endpoint, { timeoutMs: 600 })],
        ["4lw ruok", probeRuok(last.endpoint, { timeoutMs: 600 })],
        [
          "connect",
          ZooKeeperManager.connect({ hosts: [last.endpoint], auth: superAuth(), connectTimeoutMs: 600 }),
        ],
      ];
      const noLeader = findLeader([last.endpoint], { timeoutMs: 600 });
      const outcomes = await Promise.all(
        calls.map(async ([name, call]) => {
          try {
            const value = await call;
            return [name, value instanceof TimeoutError ? "TimeoutError" : "resolved"];
          } catch (error) {
            return [name, (error as Error).name];
          }
        }),
      );
      expect(await noLeader).toBeUndefined();
      const elapsed = Date.now() - started;
      expect(Object.fromEntries(outcomes)).toEqual(
        Object.fromEntries(calls.map(([name]) => [name, "TimeoutError"])),
      );
      // getConfig+sync and ensurePath are two steps, each with its own deadline.
      expect(elapsed).toBeLessThan(2_500);
    } finally {
      last.resume();
    }
    // Back to normal once the server runs again. The writes sent before the freeze may or may not
    // have been applied (their outcome is unknown), so only clean up.
    expect((await manager.getConfig({ timeoutMs: 5_000 })).servers.map((s) => s.id)).toEqual([2]);
    for (const path of ["/frozen", "/frozen2", "/x"])
      await manager.deleteRecursive(path, { timeoutMs: 5_000 });
    await manager.close();
  });

  it("leaves no ZooKeeper process behind (kill -9 and stop by PID)", async () => {
    await noQuorum.kill();
    expect(noQuorum.running).toBe(false);
    await cluster.server(2).stop();
    expect(liveZooKeeperPids()).toEqual([]);
  });
});
