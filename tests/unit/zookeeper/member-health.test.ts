import { describe, expect, it } from "vitest";
import {
  type EnsembleConfig,
  evaluateEnsembleHealth,
  evaluateMemberHealth,
  type MemberProbe,
  type MntrReport,
  parseEnsembleConfig,
  parseMntr,
  parseSrvr,
} from "../../../lib/zookeeper";

const config3: EnsembleConfig = parseEnsembleConfig(
  [
    "server.1=10.0.0.1:2888:3888:participant;10.0.0.1:2181",
    "server.2=10.0.0.2:2888:3888:participant;10.0.0.2:2181",
    "server.3=10.0.0.3:2888:3888:participant;10.0.0.3:2181",
    "version=100000003",
  ].join("\n"),
);

const withObserver = parseEnsembleConfig(
  `${["server.1=10.0.0.1:2888:3888:participant;10.0.0.1:2181", "server.4=10.0.0.4:2888:3888:observer;10.0.0.4:2181"].join("\n")}\nversion=5`,
);

const srvr = (mode: string, zxid = "0x100000003") =>
  parseSrvr(`Zookeeper version: 3.8.0\nZxid: ${zxid}\nMode: ${mode}\n`);
const notServing = parseSrvr("This ZooKeeper instance is not currently serving requests\n");

function leaderMntr(synced: number, nonVoting = 0, observers = 0): MntrReport {
  return parseMntr(
    [
      "zk_server_state\tleader",
      "zk_peer_state\tleading - broadcast",
      `zk_synced_followers\t${synced}`,
      `zk_synced_non_voting_followers\t${nonVoting}`,
      `zk_synced_observers\t${observers}`,
    ].join("\n"),
  );
}

function probe(id: number, partial: Partial<MemberProbe>): [number, MemberProbe] {
  return [id, { endpoint: `10.0.0.${id}:2181`, alive: true, srvr: undefined, ...partial }];
}

const healthy3 = new Map([
  probe(1, { srvr: srvr("leader"), mntr: leaderMntr(2) }),
  probe(2, { srvr: srvr("follower") }),
  probe(3, { srvr: srvr("follower") }),
]);

describe("evaluateEnsembleHealth", () => {
  it("3 voters, leader sees 2 synced followers: every member is a synced member", () => {
    const health = evaluateEnsembleHealth(config3, healthy3);
    expect(health).toMatchObject({
      leaderId: 1,
      voters: 3,
      syncedVoters: 3,
      votersSynced: true,
      reasons: [],
    });
    expect(health.members.map((m) => [m.id, m.syncedMember, m.mode])).toEqual([
      [1, true, "leader"],
      [2, true, "follower"],
      [3, true, "follower"],
    ]);
  });

  it("a non-voting follower inflates zk_synced_followers but is subtracted", () => {
    // Voter 3 lags; joiner 4 is synced. synced_followers = 2 (2 and 4), non-voting = 1 → 2 of 3 voters.
    const probes = new Map(healthy3);
    probes.set(1, { ...probes.get(1)!, mntr: leaderMntr(2, 1) });
    const health = evaluateEnsembleHealth(config3, probes);
    expect(health.votersSynced).toBe(false);
    expect(health.syncedVoters).toBe(2);
    expect(health.syncedNonVotingFollowers).toBe(1);
    expect(health.reasons).toEqual(["leader server.1 reports 2 of 3 voters synced"]);
    expect(health.members.every((m) => !m.syncedMember)).toBe(true);
  });

  it("no quorum: nobody serving, no leader", () => {
    const probes = new Map([
      probe(1, { srvr: notServing }),
      probe(2, { srvr: notServing }),
      probe(3, { alive: false, srvr: undefined, error: "connect ECONNREFUSED" }),
    ]);
    const health = evaluateEnsembleHealth(config3, probes);
    expect(health.leaderId).toBeUndefined();
    expect(health.votersSynced).toBe(false);
    expect(health.members[0]!.alive).toBe(true); // ruok still says imok without quorum
    expect(health.members[0]!.reasons).toContain(
      "server.1 is not serving requests (no quorum or still joining)",
    );
    expect(health.members[2]!.reasons).toContain("server.3 does not answer ruok (connect ECONNREFUSED)");
  });

  it("two servers claim leadership: the one with the higher zxid is taken", () => {
    const probes = new Map(healthy3);
    probes.set(2, { ...probes.get(2)!, srvr: srvr("leader", "0x200000001"), mntr: leaderMntr(2) });
    expect(evaluateEnsembleHealth(config3, probes).leaderId).toBe(2);
  });

  it("an observer is healthy for the ensemble but is not a voting member", () => {
    const probes = new Map([
      probe(1, { srvr: srvr("leader"), mntr: leaderMntr(0, 0, 1) }),
      probe(4, { srvr: srvr("observer") }),
    ]);
    const health = evaluateEnsembleHealth(withObserver, probes);
    expect(health.votersSynced).toBe(true);
    expect(health.syncedObservers).toBe(1);
    expect(health.members.find((m) => m.id === 4)).toMatchObject({
      role: "observer",
      syncedMember: false,
      reasons: ["server.4 is an observer, not a voter"],
    });
  });

  it("a leader without mntr counts cannot vouch for the ensemble", () => {
    const probes = new Map(healthy3);
    probes.set(1, { ...probes.get(1)!, mntr: undefined });
    expect(evaluateEnsembleHealth(config3, probes).reasons).toEqual([
      "leader server.1 gave no mntr sync counts",
    ]);
  });
});

describe("evaluateMemberHealth", () => {
  it("a joiner reporting Mode: follower is not a member until it is in the config", () => {
    const ensemble = evaluateEnsembleHealth(config3, healthy3);
    const joiner = evaluateMemberHealth(config3, ensemble, 4, {
      endpoint: "10.0.0.4:2181",
      alive: true,
      srvr: srvr("follower"),
    });
    expect(joiner).toMatchObject({
      id: 4,
      role: undefined,
      serving: true,
      mode: "follower",
      syncedMember: false,
      reasons: ["server.4 is not in the committed config (version 100000003)"],
    });
  });
});
