/**
 * The `Ensemble` port's contract: one suite run against the real adapter with real ZooKeeper
 * servers (tests/integration/ensemble-contract.test.ts) and against the in-memory fake
 * (tests/unit/ports/fake-ensemble.test.ts), so the fake the state tests rely on cannot drift from
 * ZooKeeper (unjs/unstorage's `testDriver` is the model). The steps run in order on one ensemble:
 * bootstrap, a joiner syncing as observer, versioned reconfig, refusals (stale version, no quorum,
 * no auth), ACL checks on znodes, and a removal.
 */
import { describe, expect, it } from "vitest";
import {
  BadVersionError,
  type DigestAuth,
  digestAcl,
  type EnsembleConfig,
  NewConfigNoQuorumError,
  NoAuthError,
  NodeExistsError,
  NotEmptyError,
  parseServerLine,
  type ServerSpec,
} from "../../lib/zookeeper";
import type { Admin, Ensemble, ServerProbe } from "../../src/ports/ensemble";

export interface EnsembleDriver {
  readonly ensemble: Ensemble;
  /** The address server `id` listens on. */
  address(id: number): string;
  /** The super user's identity (its digest is in every server's configuration). */
  readonly superAuth: DigestAuth;
  /** Starts server `id` from `servers`, the membership of its initial dynamic file. */
  start(id: number, servers: readonly ServerSpec[]): Promise<void>;
  stop(id: number): Promise<void>;
  /** How long real servers may take to elect or sync (0 for the fake). */
  readonly settleMs: number;
}

export function ensembleContract(name: string, driver: () => EnsembleDriver): void {
  describe(`Ensemble contract: ${name}`, () => {
    let d: EnsembleDriver;
    const spec = (id: number, role: "participant" | "observer" = "participant"): ServerSpec =>
      parseServerLine(`server.${id}=${d.address(id)}:2888:3888:${role};${d.address(id)}:2181`) as ServerSpec;
    const admin = (...auth: DigestAuth[]): Admin => ({
      hosts: [`${d.address(1)}:2181`],
      auth: auth.length > 0 ? auth : [d.superAuth],
    });
    const committed = (): Promise<EnsembleConfig> =>
      d.ensemble.withSession(admin(), (zk) => zk.getConfig({ sync: true }));
    const roles = (config: EnsembleConfig | undefined) =>
      config?.servers.map((server) => `${server.id}:${server.role}`).join(" ");

    /** Polls until `check` holds (real servers elect and sync in their own time). */
    async function until(check: () => Promise<boolean>, what: string): Promise<void> {
      const deadline = Date.now() + Math.max(d.settleMs, 1);
      for (;;) {
        if (await check()) return;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const serving = (id: number, modes: readonly ServerProbe["mode"][]) =>
      until(
        async () => {
          const probe = await d.ensemble.probe(d.address(id));
          return probe.serving && modes.includes(probe.mode);
        },
        `server ${id} serving as ${modes.join("/")}`,
      );

    it("answers for an address where nothing runs: unreachable, no membership", async () => {
      d = driver();
      expect(await d.ensemble.probe(d.address(1))).toEqual({
        reachable: false,
        serving: false,
        mode: undefined,
      });
      expect(await d.ensemble.localMembership(d.address(1))).toBeUndefined();
    });

    it("a server alone as the only participant bootstraps the ensemble and leads it", async () => {
      await d.start(1, [spec(1)]);
      await serving(1, ["leader"]);
      expect(roles(await d.ensemble.localMembership(d.address(1)))).toBe("1:participant");
      const config = await committed();
      expect(roles(config)).toBe("1:participant");
      expect(config.version).toBeGreaterThan(0n);
    });

    it("a joiner started from the committed voters plus itself as observer syncs and serves, without a vote", async () => {
      const before = await committed();
      await d.start(2, [spec(1), spec(2, "observer")]);
      await serving(2, ["observer", "follower"]);
      expect(await committed()).toEqual(before);
    });

    it("reconfig refuses a stale fromConfig, then adds the joiner as a voter with a newer version", async () => {
      const before = await committed();
      const add = (fromConfig: bigint) =>
        d.ensemble.withSession(admin(), (zk) => zk.reconfig({ joining: [spec(2)], fromConfig }));
      await expect(add(before.version - 1n)).rejects.toBeInstanceOf(BadVersionError);
      const after = await add(before.version);
      expect(roles(after)).toBe("1:participant 2:participant");
      expect(after.version).toBeGreaterThan(before.version);
      expect(await committed()).toEqual(after);
      await serving(2, ["follower", "leader"]);
    });

    it("reconfig refuses voters that could not form a quorum (two of four not running)", async () => {
      const before = await committed();
      await expect(
        d.ensemble.withSession(admin(), (zk) =>
          zk.reconfig({ joining: [spec(3), spec(4)], fromConfig: before.version }),
        ),
      ).rejects.toBeInstanceOf(NewConfigNoQuorumError);
      expect(await committed()).toEqual(before);
    });

    it("reconfig without the super user is refused (NoAuth)", async () => {
      const before = await committed();
      const stranger = { username: "stranger", password: "not-the-super-password" };
      await expect(
        d.ensemble.withSession(admin(stranger), (zk) =>
          zk.reconfig({ leaving: [2], fromConfig: before.version }),
        ),
      ).rejects.toBeInstanceOf(NoAuthError);
    });

    it("checks znode ACLs: the owner reads and writes, another identity is refused, super passes", async () => {
      const alice = { username: "alice", password: "alice-password" };
      const bob = { username: "bob", password: "bob-password" };
      await d.ensemble.withSession(admin(), async (zk) => {
        await zk.create("/contract", "", { acl: [digestAcl("alice", alice.password, "cdrwa")] });
        await expect(zk.create("/contract", "")).rejects.toBeInstanceOf(NodeExistsError);
      });
      await d.ensemble.withSession(admin(alice), async (zk) => {
        await zk.setData("/contract", "by alice");
        expect((await zk.getData("/contract")).data.toString()).toBe("by alice");
        await zk.create("/contract/child", "x", { acl: [digestAcl("alice", alice.password, "cdrwa")] });
      });
      await d.ensemble.withSession(admin(bob), async (zk) => {
        await expect(zk.getData("/contract")).rejects.toBeInstanceOf(NoAuthError);
        await expect(zk.setData("/contract", "by bob")).rejects.toBeInstanceOf(NoAuthError);
        await expect(zk.create("/contract/bob", "")).rejects.toBeInstanceOf(NoAuthError);
        expect(await zk.exists("/contract")).toBeDefined();
      });
      await d.ensemble.withSession(admin(), async (zk) => {
        expect((await zk.getACL("/contract")).acl).toEqual([digestAcl("alice", alice.password, "cdrwa")]);
        await expect(zk.delete("/contract")).rejects.toBeInstanceOf(NotEmptyError);
        expect(await zk.getChildren("/contract")).toEqual(["child"]);
        await zk.setACLRecursive("/contract", [digestAcl("bob", bob.password, "cdrwa")]);
      });
      await d.ensemble.withSession(admin(bob), async (zk) => {
        expect((await zk.getData("/contract/child")).data.toString()).toBe("x");
        await zk.delete("/contract/child");
        await zk.delete("/contract");
        expect(await zk.exists("/contract")).toBeUndefined();
      });
    });

    it("a removed member leaves the committed membership; stopped, it no longer answers", async () => {
      const before = await committed();
      const after = await d.ensemble.withSession(admin(), (zk) =>
        zk.reconfig({ leaving: [2], fromConfig: before.version }),
      );
      expect(roles(after)).toBe("1:participant");
      await d.stop(2);
      await until(async () => !(await d.ensemble.probe(d.address(2))).reachable, "server 2 to stop");
      await serving(1, ["leader"]);
    });
  });
}
