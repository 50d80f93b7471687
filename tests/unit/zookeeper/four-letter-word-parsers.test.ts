import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConf, parseMntr, parseRuok, parseSrvr } from "../../../lib/zookeeper";

/** Outputs captured from ZooKeeper 3.8.0 (Debian) servers started by tests/support/zookeeper-server.ts. */
/** The Debian build prints the unexpanded Maven property literally (notes §3.9). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: this is the literal text ZooKeeper prints
const DEBIAN_VERSION = "3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC";

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("parseSrvr", () => {
  it("reads a serving leader", () => {
    const report = parseSrvr(fixture("srvr-leader.txt"));
    expect(report).toMatchObject({
      serving: true,
      mode: "leader",
      modeText: "leader",
      version: DEBIAN_VERSION,
      zxid: 0x100000003n,
      latency: { min: 3, avg: 18.75, max: 37 },
      received: 8,
      sent: 9,
      connections: 2,
      outstanding: 0,
      nodeCount: 5,
    });
    expect(report.fields["Proposal sizes last/min/max"]).toBe("282/48/282");
  });

  it.each([
    ["srvr-follower.txt", "follower"],
    // A joiner not yet in the config looks exactly like a voting follower (notes §3.9).
    ["srvr-non-voting-follower.txt", "follower"],
    ["srvr-observer.txt", "observer"],
  ])("reads %s as mode %s", (file, mode) => {
    const report = parseSrvr(fixture(file));
    expect(report.serving).toBe(true);
    expect(report.mode).toBe(mode);
  });

  it("reads 'not currently serving requests' as not serving, without a mode", () => {
    const report = parseSrvr(fixture("srvr-not-serving.txt"));
    expect(report).toMatchObject({ serving: false, mode: undefined, zxid: undefined, version: undefined });
  });

  it("keeps an unknown mode as text only", () => {
    const report = parseSrvr("Zookeeper version: x\nZxid: 0x5\nMode: read-only\n");
    expect(report).toMatchObject({ serving: true, mode: undefined, modeText: "read-only", zxid: 5n });
  });
});

describe("parseMntr", () => {
  it("reads the leader of 3 voters", () => {
    const report = parseMntr(fixture("mntr-leader-3-voters.txt"));
    expect(report).toMatchObject({
      serving: true,
      serverState: "leader",
      peerState: "leading - broadcast",
      syncedFollowers: 2,
      syncedNonVotingFollowers: 0,
      syncedObservers: 0,
      learners: 2,
      quorumSize: 3,
      pendingSyncs: 0,
      version: DEBIAN_VERSION,
    });
    expect(report.values.zk_avg_latency).toBeTypeOf("number");
    expect(report.values.zk_znode_count).toBe(5);
    expect(Object.keys(report.values).length).toBeGreaterThan(400);
  });

  it("counts a joiner as a synced non-voting follower", () => {
    const report = parseMntr(fixture("mntr-leader-with-non-voting.txt"));
    expect(report).toMatchObject({
      syncedFollowers: 1,
      syncedNonVotingFollowers: 1,
      learners: 1,
      quorumSize: 1,
    });
  });

  it("counts observers separately", () => {
    const report = parseMntr(fixture("mntr-leader-with-observer.txt"));
    expect(report).toMatchObject({
      syncedFollowers: 2,
      syncedNonVotingFollowers: 0,
      syncedObservers: 1,
      learners: 3,
    });
  });

  it("has no sync counts on a follower", () => {
    const report = parseMntr(fixture("mntr-follower.txt"));
    expect(report).toMatchObject({
      serving: true,
      serverState: "follower",
      peerState: "following - broadcast",
      syncedFollowers: undefined,
      quorumSize: 3,
    });
  });

  it("reads 'not currently serving requests' as not serving", () => {
    const report = parseMntr(fixture("mntr-not-serving.txt"));
    expect(report.serving).toBe(false);
    expect(report.values).toEqual({});
    expect(report.serverState).toBeUndefined();
  });
});

describe("parseConf", () => {
  it("splits settings from membership", () => {
    const report = parseConf(fixture("conf-follower.txt"));
    expect(report.serving).toBe(true);
    expect(report.values).toMatchObject({
      clientPort: "2181",
      tickTime: "2000",
      serverId: "2",
      peerType: "0",
    });
    expect(report.ensemble?.servers.map((s) => s.id)).toEqual([1, 2, 3]);
    expect(report.ensemble?.version).toBe(0x100000003n);
  });

  it("has no membership when not serving", () => {
    expect(parseConf("This ZooKeeper instance is not currently serving requests\n")).toEqual({
      serving: false,
      values: {},
      ensemble: undefined,
    });
  });
});

describe("parseRuok", () => {
  it("is true only for imok", () => {
    expect(parseRuok("imok")).toBe(true);
    expect(parseRuok("")).toBe(false);
    expect(parseRuok("This ZooKeeper instance is not currently serving requests\n")).toBe(false);
  });
});
