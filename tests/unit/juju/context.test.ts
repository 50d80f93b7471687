import { describe, expect, it } from "vitest";
import { ContextError, contextFromEnv } from "../../../lib/juju";

const base = {
  JUJU_UNIT_NAME: "zookeeper/12",
  JUJU_MODEL_NAME: "dev",
  JUJU_MODEL_UUID: "cdac5656-2423-4a4c-8a5e-5ed5cd5e8d37",
  JUJU_VERSION: "3.6.4",
  JUJU_CHARM_DIR: "/var/lib/juju/agents/unit-zookeeper-12/charm",
  JUJU_CONTEXT_ID: "zookeeper/12-install-1",
  JUJU_AGENT_SOCKET_ADDRESS: "@/var/lib/juju/agents/unit-zookeeper-12/agent.socket",
  JUJU_AGENT_SOCKET_NETWORK: "unix",
  JUJU_API_ADDRESSES: "10.0.0.1:17070 10.0.0.2:17070",
  JUJU_MACHINE_ID: "4",
  JUJU_PRINCIPAL_UNIT: "",
  JUJU_AVAILABILITY_ZONE: "",
};

const hook = (name: string, extra: Record<string, string> = {}) => ({
  ...base,
  JUJU_DISPATCH_PATH: `hooks/${name}`,
  JUJU_HOOK_NAME: name,
  ...extra,
});

const relationEnv = (name: string, remoteUnit: string, extra: Record<string, string> = {}) =>
  hook(name, {
    JUJU_RELATION: name.replace(/-relation-.*/, ""),
    JUJU_RELATION_ID: "cluster:3",
    JUJU_REMOTE_APP: "zookeeper",
    JUJU_REMOTE_UNIT: remoteUnit,
    ...extra,
  });

describe("contextFromEnv", () => {
  it("parses the common variables of every hook", () => {
    const context = contextFromEnv(hook("install"));
    expect(context).toMatchObject({
      kind: "install",
      eventName: "install",
      unitName: "zookeeper/12",
      appName: "zookeeper",
      unitNumber: 12,
      modelName: "dev",
      jujuVersion: "3.6.4",
      machineId: "4",
      apiAddresses: ["10.0.0.1:17070", "10.0.0.2:17070"],
      relation: undefined,
      action: undefined,
    });
    expect(Object.isFrozen(context)).toBe(true);
  });

  it.each([
    "start",
    "stop",
    "remove",
    "config-changed",
    "upgrade-charm",
    "update-status",
    "leader-elected",
    "leader-settings-changed",
  ])("classifies %s", (name) => {
    expect(contextFromEnv(hook(name)).kind).toBe(name);
  });

  it("relation-created and relation-broken have no remote unit", () => {
    for (const name of ["cluster-relation-created", "cluster-relation-broken"]) {
      const context = contextFromEnv(relationEnv(name, ""));
      expect(context.relation).toEqual({
        endpoint: "cluster",
        id: 3,
        remoteApp: "zookeeper",
        remoteUnit: undefined,
        departingUnit: undefined,
      });
    }
  });

  it("relation-broken tolerates an empty JUJU_REMOTE_APP (LP 1960934); other relation hooks do not", () => {
    const broken = { ...relationEnv("cluster-relation-broken", ""), JUJU_REMOTE_APP: "" };
    expect(contextFromEnv(broken).relation?.remoteApp).toBeUndefined();
    const changed = { ...relationEnv("cluster-relation-changed", ""), JUJU_REMOTE_APP: "" };
    expect(() => contextFromEnv(changed)).toThrow(/JUJU_REMOTE_APP is not set/);
  });

  it("relation-joined and unit-level relation-changed name the remote unit", () => {
    expect(contextFromEnv(relationEnv("cluster-relation-joined", "zookeeper/1")).relation?.remoteUnit).toBe(
      "zookeeper/1",
    );
    const changed = contextFromEnv(relationEnv("cluster-relation-changed", "zookeeper/2"));
    expect(changed.kind).toBe("relation-changed");
    expect(changed.relation?.remoteUnit).toBe("zookeeper/2");
  });

  it("application-level relation-changed exports an empty JUJU_REMOTE_UNIT", () => {
    expect(contextFromEnv(relationEnv("cluster-relation-changed", "")).relation?.remoteUnit).toBeUndefined();
    const missing = relationEnv("cluster-relation-changed", "");
    delete (missing as Record<string, string | undefined>).JUJU_REMOTE_UNIT;
    expect(() => contextFromEnv(missing)).toThrow(/JUJU_REMOTE_UNIT is not exported/);
  });

  it("relation-departed carries the departing unit", () => {
    const context = contextFromEnv(
      relationEnv("cluster-relation-departed", "zookeeper/2", { JUJU_DEPARTING_UNIT: "zookeeper/12" }),
    );
    expect(context.relation?.departingUnit).toBe("zookeeper/12");
    expect(() => contextFromEnv(relationEnv("cluster-relation-departed", "zookeeper/2"))).toThrow(
      /JUJU_DEPARTING_UNIT/,
    );
  });

  it("takes the relation id after the last colon, and a bare id", () => {
    expect(
      contextFromEnv(relationEnv("cluster-relation-joined", "zookeeper/1", { JUJU_RELATION_ID: "7" }))
        .relation?.id,
    ).toBe(7);
    expect(() =>
      contextFromEnv(
        relationEnv("cluster-relation-joined", "zookeeper/1", { JUJU_RELATION_ID: "cluster:x" }),
      ),
    ).toThrow(/no relation number/);
  });

  it("rejects a relation hook whose JUJU_RELATION does not match", () => {
    expect(() =>
      contextFromEnv(relationEnv("cluster-relation-joined", "zookeeper/1", { JUJU_RELATION: "zookeeper" })),
    ).toThrow(/does not match/);
  });

  it("storage hooks", () => {
    const context = contextFromEnv(
      hook("data-storage-attached", {
        JUJU_STORAGE_ID: "data/3",
        JUJU_STORAGE_LOCATION: "/var/lib/zookeeper",
        JUJU_STORAGE_KIND: "filesystem",
      }),
    );
    expect(context.kind).toBe("storage-attached");
    expect(context.storage).toEqual({
      id: "data/3",
      name: "data",
      index: 3,
      location: "/var/lib/zookeeper",
      kind: "filesystem",
    });
  });

  it("secret hooks; remove and expired need a revision", () => {
    const changed = contextFromEnv(
      hook("secret-changed", { JUJU_SECRET_ID: "secret:abc", JUJU_SECRET_LABEL: "" }),
    );
    expect(changed.secret).toEqual({ id: "secret:abc", label: undefined, revision: undefined });
    expect(() => contextFromEnv(hook("secret-remove", { JUJU_SECRET_ID: "secret:abc" }))).toThrow(
      /JUJU_SECRET_REVISION/,
    );
    expect(
      contextFromEnv(hook("secret-expired", { JUJU_SECRET_ID: "secret:abc", JUJU_SECRET_REVISION: "4" }))
        .secret?.revision,
    ).toBe(4);
  });

  it("actions: empty JUJU_HOOK_NAME, name and id", () => {
    const context = contextFromEnv({
      ...base,
      JUJU_DISPATCH_PATH: "actions/set-password",
      JUJU_HOOK_NAME: "",
      JUJU_ACTION_NAME: "set-password",
      JUJU_ACTION_UUID: "7",
      JUJU_ACTION_TAG: "action-7",
    });
    expect(context.kind).toBe("action");
    expect(context.action).toEqual({ name: "set-password", id: "7" });
  });

  it("a missing required variable is a clear error", () => {
    const env: Record<string, string | undefined> = hook("install");
    delete env.JUJU_MODEL_UUID;
    expect(() => contextFromEnv(env)).toThrow(new ContextError("JUJU_MODEL_UUID is not set"));
    expect(() => contextFromEnv({})).toThrow(/JUJU_DISPATCH_PATH is not set/);
  });

  it("takes a charm's own event dispatched by juju-exec (JUJU_HOOK_NAME exported empty)", () => {
    const context = contextFromEnv(hook("zookeeper-health-changed", { JUJU_HOOK_NAME: "" }));
    expect(context.kind).toBe("custom");
    expect(context.eventName).toBe("zookeeper-health-changed");
    expect(() => contextFromEnv(hook("install", { JUJU_HOOK_NAME: "" }))).toThrow(/does not match/);
  });

  it("rejects an unknown hook, a bad unit name, and a mismatched hook name", () => {
    expect(() => contextFromEnv(hook("frobnicate"))).toThrow(/unknown hook/);
    expect(() => contextFromEnv(hook("install", { JUJU_UNIT_NAME: "zookeeper" }))).toThrow(/<app>\/<number>/);
    expect(() => contextFromEnv(hook("install", { JUJU_HOOK_NAME: "start" }))).toThrow(/does not match/);
  });
});
