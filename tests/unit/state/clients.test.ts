/** Client relations, state in → state out: chroot, ACLs and connection data; removal revokes. */
import { describe, expect, it } from "vitest";
import { digestAcl } from "../../../lib/zookeeper";
import { CharmWorld } from "../../state/charm-world";

describe("a client relation", () => {
  it("gets its chroot with ACLs for its own user, and its connection data once every server runs that user", async () => {
    const world = await CharmWorld.deployed(3);
    const relation = await world.relateClient({ database: "/kafka" });
    await world.settle();
    const data = relation.appBags.zookeeper!.data;
    expect(data.username).toBe(`relation-${relation.id}`);
    expect(data.endpoints?.split(",")).toHaveLength(3);
    expect(data.database).toBe("/kafka");
    const password = data.password;
    expect(password).toBeTruthy();
    const acl = await world.zookeeper.withSession(
      {
        hosts: [`${world.machine("zookeeper/0").address}:2181`],
        auth: [{ username: data.username!, password: password! }],
      },
      async (zk) => {
        await zk.create("/kafka/brokers", "x");
        return (await zk.getACL("/kafka")).acl;
      },
    );
    expect(acl).toContainEqual(expect.objectContaining({ scheme: "sasl", id: data.username }));
    expect(acl).toContainEqual(digestAcl(data.username!, password!, "cdrwa"));
    for (const unit of world.unitNames) {
      const jaas = world.machine(unit).read("/etc/zookeeper/charm/jaas.conf") ?? "";
      expect(jaas, unit).toContain(`user_${data.username}=`);
    }
  });

  it("removed: its user is revoked and its chroot left to the super user only", async () => {
    const world = await CharmWorld.deployed(3);
    const relation = await world.relateClient({ database: "/kafka" });
    await world.settle();
    const { username, password } = relation.appBags.zookeeper!.data;
    await world.unrelateClient(relation);
    await world.settle();
    await expect(
      world.zookeeper.withSession(
        {
          hosts: [`${world.machine("zookeeper/0").address}:2181`],
          auth: [{ username: username!, password: password! }],
        },
        (zk) => zk.getData("/kafka"),
      ),
    ).rejects.toThrow(/NO_AUTH/);
    for (const unit of world.unitNames) {
      expect(world.machine(unit).read("/etc/zookeeper/charm/jaas.conf") ?? "", unit).not.toContain(
        `user_${username}=`,
      );
    }
  });
});

describe("a refused client request", () => {
  it("blocks the leader and the application naming the relation and why; nothing is granted", async () => {
    const world = await CharmWorld.deployed(3);
    const relation = await world.relateClient({ database: "/zookeeper/mine" });
    await world.settle();
    expect(world.status("zookeeper/0")).toMatchObject({ status: "blocked" });
    expect(world.status("zookeeper/0").message).toMatch(/^client kafka refused: /);
    expect(world.appStatus()).toMatchObject({ status: "blocked" });
    expect(world.appStatus()!.message).toMatch(new RegExp(`^relation ${relation.id} \\(kafka\\): `));
    expect(relation.appBags.zookeeper!.data.password).toBeUndefined();
    for (const unit of ["zookeeper/1", "zookeeper/2"])
      expect(world.status(unit)).toMatchObject({ status: "active" });
  });
});
