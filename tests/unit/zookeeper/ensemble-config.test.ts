import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  clientEndpoint,
  formatEnsembleConfig,
  formatServer,
  formatServers,
  ParseError,
  parseEnsembleConfig,
  parseServerLine,
  participants,
  type ServerSpec,
  sameMembers,
} from "../../../lib/zookeeper";

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("parseEnsembleConfig", () => {
  it("parses /zookeeper/config as captured from a 3-voter + observer ensemble", () => {
    const config = parseEnsembleConfig(fixture("config-observer.txt"));
    expect(config.version).toBe(0x100000004n);
    expect(config.servers.map((s) => [s.id, s.role])).toEqual([
      [1, "participant"],
      [2, "participant"],
      [3, "participant"],
      [4, "observer"],
    ]);
    expect(config.servers[3]).toEqual({
      id: 4,
      address: "127.164.241.4",
      quorumPort: 2888,
      electionPort: 3888,
      role: "observer",
      clientAddress: "127.164.241.4",
      clientPort: 2181,
    });
    expect(participants(config).map((s) => s.id)).toEqual([1, 2, 3]);
  });

  it("does not depend on line order (it is not stable across reconfigs, notes §3.6)", () => {
    const a = parseEnsembleConfig(
      "server.3=10.0.0.3:2888:3888:participant;10.0.0.3:2181\nversion=20000000a\nserver.1=10.0.0.1:2888:3888:participant;10.0.0.1:2181\n",
    );
    const b = parseEnsembleConfig(
      "server.1=10.0.0.1:2888:3888:participant;10.0.0.1:2181\nserver.3=10.0.0.3:2888:3888:participant;10.0.0.3:2181\nversion=20000000a",
    );
    expect(a).toEqual(b);
    expect(a.servers.map((s) => s.id)).toEqual([1, 3]);
    expect(a.version).toBe(0x20000000an);
    expect(sameMembers(a, b)).toBe(true);
  });

  it("sorts multi-digit ids numerically", () => {
    const config = parseEnsembleConfig(
      [
        "server.10=10.0.0.10:2888:3888:participant;10.0.0.10:2181",
        "server.2=10.0.0.2:2888:3888:participant;10.0.0.2:2181",
        "server.123=10.0.0.123:2888:3888:observer;10.0.0.123:2181",
        "version=1",
      ].join("\n"),
    );
    expect(config.servers.map((s) => s.id)).toEqual([2, 10, 123]);
  });

  it("accepts a missing client part, a bare client port, a missing role and spaces around '='", () => {
    const config = parseEnsembleConfig(
      ["server.1 = 10.0.0.1:2888:3888", "server.2=10.0.0.2:2888:3888:observer;2181", "version=ff"].join("\n"),
    );
    expect(config.servers).toEqual([
      { id: 1, address: "10.0.0.1", quorumPort: 2888, electionPort: 3888, role: "participant" },
      {
        id: 2,
        address: "10.0.0.2",
        quorumPort: 2888,
        electionPort: 3888,
        role: "observer",
        clientPort: 2181,
      },
    ]);
    expect(config.version).toBe(255n);
  });

  it("ignores unrelated lines (hierarchical quorum keys, comments)", () => {
    const config = parseEnsembleConfig("# dynamic\nserver.1=h:1:2;3\ngroup.1=1\nweight.1=1\nversion=1\n");
    expect(config.servers).toHaveLength(1);
  });

  it("requires version= unless told otherwise (a dynamic config file has none)", () => {
    expect(() => parseEnsembleConfig("server.1=h:1:2;3")).toThrow(ParseError);
    expect(parseEnsembleConfig("server.1=h:1:2;3", { requireVersion: false }).version).toBe(-1n);
  });

  it.each([
    ["server.1=h:1:2:voter;3", /unknown role/],
    ["server.1=h:1;3", /expected addr/],
    ["server.1=h:1:99999;3", /out of range/],
    ["server.1=h:1:2;x:y:3", /bad client address/],
    ["server.x=h:1:2;3", /not a server key/],
    ["server.1=h:1:2;3\nserver.1=h:1:2;3", /appears twice/],
  ])("rejects %j", (text, message) => {
    expect(() => parseEnsembleConfig(`${text}\nversion=1`)).toThrow(message);
  });

  it("names the source in parse errors", () => {
    expect(() => parseEnsembleConfig("server.1=h:1:2:voter\nversion=1")).toThrow(/^zookeeper parse config: /);
  });
});

describe("formatServer", () => {
  const full: ServerSpec = {
    id: 12,
    address: "10.1.2.3",
    quorumPort: 2888,
    electionPort: 3888,
    role: "participant",
    clientAddress: "10.1.2.3",
    clientPort: 2181,
  };

  it("writes the form ZooKeeper prints", () => {
    expect(formatServer(full)).toBe("server.12=10.1.2.3:2888:3888:participant;10.1.2.3:2181");
    expect(formatServer({ ...full, role: "observer", clientAddress: undefined })).toBe(
      "server.12=10.1.2.3:2888:3888:observer;2181",
    );
    const { clientAddress: _a, clientPort: _p, ...noClient } = full;
    expect(formatServer(noClient)).toBe("server.12=10.1.2.3:2888:3888:participant");
  });

  it.each([
    "server.1=10.0.0.1:2888:3888:participant;10.0.0.1:2181",
    "server.2=10.0.0.2:2888:3888:observer;10.0.0.2:2181",
    "server.3=10.0.0.3:2888:3888:participant",
    "server.4=10.0.0.4:2888:3888:participant;2181",
    "server.255=[fd00::1]:2888:3888:participant;[fd00::1]:2181",
    "server.5=a:2888:3888|b:2889:3889:observer;2188",
  ])("round-trips %s", (line) => {
    expect(formatServer(parseServerLine(line))).toBe(line);
  });

  it("round-trips a whole config, including its version", () => {
    const text = fixture("config-observer.txt");
    const config = parseEnsembleConfig(text);
    expect(formatEnsembleConfig(config).trim()).toBe(text.trim());
    expect(parseEnsembleConfig(formatEnsembleConfig(config))).toEqual(config);
    expect(formatServers(config.servers).split("\n").filter(Boolean)).toHaveLength(4);
  });
});

describe("clientEndpoint", () => {
  it("uses the client address, or the quorum address for a wildcard or missing one", () => {
    const spec = parseServerLine("server.1=10.0.0.1:2888:3888:participant;10.9.9.9:2181");
    expect(clientEndpoint(spec)).toBe("10.9.9.9:2181");
    expect(clientEndpoint(parseServerLine("server.1=10.0.0.1:2888:3888;0.0.0.0:2181"))).toBe("10.0.0.1:2181");
    expect(clientEndpoint(parseServerLine("server.1=10.0.0.1:2888:3888;2181"))).toBe("10.0.0.1:2181");
    expect(clientEndpoint(parseServerLine("server.1=10.0.0.1:2888:3888"))).toBeUndefined();
  });
});
