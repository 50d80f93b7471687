import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../lib/juju/config";
import type { Credentials } from "../../../src/cluster/credentials";
import { serverFiles } from "../../../src/cluster/server-files";
import { CHARM_CONFIG_SPEC, type CharmConfig } from "../../../src/workload";

const defaults = (changes: Record<string, unknown> = {}): CharmConfig => {
  const parsed = parseConfig(CHARM_CONFIG_SPEC, changes);
  if (!parsed.ok) throw new Error("bad test config");
  return parsed.values;
};
const credentials: Credentials = {
  super: "S".repeat(32),
  superPrevious: undefined,
  sync: { username: "sync", password: "Y".repeat(32) },
  syncNext: undefined,
  clients: new Map(),
};

const tls = (phase: "unify" | "quorum" | "on", address = "10.0.0.1") => ({
  phase,
  address,
  keyStore: "/etc/zookeeper/charm/tls/server.pem",
  trustStore: "/etc/zookeeper/charm/tls/ca.pem",
});

describe("serverFiles", () => {
  it("hashes TLS steps apart (each is a restart), but not the unit's own secure-port address", () => {
    const hashes = [undefined, tls("unify"), tls("quorum"), tls("on")].map(
      (step) => serverFiles(defaults(), credentials, undefined, step).hash,
    );
    expect(new Set(hashes).size).toBe(4);
    // The leader compares every unit's hash with its own (nextRestartGrant).
    expect(serverFiles(defaults(), credentials, undefined, tls("on", "10.0.0.2")).hash).toBe(hashes[3]);
    expect(serverFiles(defaults(), credentials, undefined, tls("quorum")).tls).toBe("quorum");
    expect(serverFiles(defaults(), credentials, undefined).tls).toBe("off");
  });

  it("is deterministic: the same inputs give the same files and hash", () => {
    expect(serverFiles(defaults(), credentials, undefined)).toEqual(
      serverFiles(defaults(), credentials, undefined),
    );
  });

  it.each([
    ["a config value the server reads at start", defaults({ "tick-time": 3000 }), credentials, undefined],
    ["a new client user", defaults(), { ...credentials, clients: new Map([[3, "C".repeat(32)]]) }, undefined],
    [
      "a sync rotation's accept step",
      defaults(),
      { ...credentials, syncNext: { username: "sync2", password: "N".repeat(32) } },
      "accept" as const,
    ],
    ["a new super password", defaults(), { ...credentials, super: "T".repeat(32) }, undefined],
  ])("changes the hash for %s (a restart is needed)", (_what, config, creds, phase) => {
    expect(serverFiles(config, creds, phase).hash).not.toBe(
      serverFiles(defaults(), credentials, undefined).hash,
    );
  });

  it("keeps secrets out of the unit file (the command line `ps` shows)", () => {
    const files = serverFiles(defaults(), credentials, undefined);
    expect(files.unit).not.toContain(credentials.super);
    expect(files.jaas).toContain(credentials.super);
  });
});
