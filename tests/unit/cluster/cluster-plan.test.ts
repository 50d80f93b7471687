/**
 * Table tests for the cluster protocol's pure decisions (ARCHITECTURE.md "The cluster protocol";
 * STYLE.md "Table-driven tests for decisions"): given this snapshot, the decision is that.
 *
 * Unit n is `zookeeper/n`, its server id is n + 1, its address 10.0.0.(n + 10). Committed
 * memberships are written by unit number: "0 1 2 3:observer".
 */
import { describe, expect, it } from "vitest";
import type { EnsembleConfig, ServerRole, ServerSpec } from "../../../lib/zookeeper";
import {
  type AddressChoice,
  type ClusterSnapshot,
  chooseBootstrapUnit,
  chooseUnitAddress,
  ensembleHealthy,
  nextReconfig,
  nextRestartGrant,
  type PeerUnit,
  planRunning,
  planServer,
  planStart,
  type ReconfigStep,
  type RestartGrant,
  type RunningPlan,
  type ServerProbe,
  type StartPlan,
  serverIdOf,
} from "../../../src/cluster/cluster-plan";

// ---------------------------------------------------------------------------------------------
// Snapshot builders
// ---------------------------------------------------------------------------------------------

/** The version of every committed config built here (a reconfig zxid, notes §3.3). */
const V = 0x100000004n;

const name = (n: number): string => `zookeeper/${n}`;
const ip = (n: number): string => `10.0.0.${n + 10}`;

interface UnitOptions {
  readonly started?: boolean;
  readonly address?: string | undefined;
  readonly restartRequest?: string;
}

function unit(n: number, options: UnitOptions): PeerUnit {
  return {
    name: name(n),
    number: n,
    address: "address" in options ? options.address : ip(n),
    started: options.started ?? false,
    dying: false,
    restartRequest: options.restartRequest,
  };
}

/** A unit whose server has never started (it published no `started`). */
const fresh = (n: number): PeerUnit => unit(n, {});
/** A unit whose server has started at least once. */
const started = (n: number): PeerUnit => unit(n, { started: true });
/** A unit that has not published its address yet. */
const noAddress = (n: number): PeerUnit => unit(n, { address: undefined });
/** Juju is removing this unit. */
const dying = (u: PeerUnit): PeerUnit => ({ ...u, dying: true });
/** Its server runs configuration "old" (the desired one is "new" where a test says so). */
const runningOld = (u: PeerUnit): PeerUnit => ({ ...u, runningConfig: "old" });
/** This unit asks for a rolling-restart turn. */
const requesting = (u: PeerUnit): PeerUnit => ({ ...u, restartRequest: "configuration changed" });

/** The ServerSpec the plan derives for unit n. */
function spec(n: number, role: ServerRole): ServerSpec {
  return {
    id: n + 1,
    address: ip(n),
    quorumPort: 2888,
    electionPort: 3888,
    role,
    clientAddress: ip(n),
    clientPort: 2181,
  };
}

/** "0 1 2 3:observer" → the committed config with those units' servers. */
function ensemble(members: string, version = V): EnsembleConfig {
  const servers = members
    .split(/\s+/)
    .filter((word) => word !== "")
    .map((word) => {
      const [n, role] = word.split(":");
      return spec(Number(n), (role ?? "participant") as ServerRole);
    })
    .sort((a, b) => a.id - b.id);
  return { version, servers };
}

type ProbeState = NonNullable<ServerProbe["mode"]>;
type Probe = ProbeState | "not serving" | "unreachable";

function probe(state: Probe): ServerProbe {
  if (state === "unreachable") return { reachable: false, serving: false, mode: undefined };
  if (state === "not serving") return { reachable: true, serving: false, mode: undefined };
  return { reachable: true, serving: true, mode: state };
}

interface Given {
  readonly units: readonly PeerUnit[];
  /** Committed membership by unit number ("0 1 2"); omitted when no member answers. */
  readonly committed?: string;
  /** srvr of each unit's server, by unit number; units left out were not probed. */
  readonly probes?: Readonly<Record<number, Probe>>;
  readonly bootstrap?: number;
  readonly granted?: number;
  /**
   * The units goal-state plans (not dying), by number; by default exactly the live units given (a
   * complete view), "not asked" when goal-state was not called.
   */
  readonly planned?: readonly number[] | "not asked";
  /** Hash of the configuration every server should run. */
  readonly desired?: string;
  /** The ZooKeeper version every server should run. */
  readonly target?: string;
}

function given(state: Given): ClusterSnapshot {
  const planned =
    state.planned === "not asked"
      ? undefined
      : new Set(state.planned ?? state.units.filter((u) => !u.dying).map((u) => u.number));
  return {
    units: state.units,
    bootstrapUnit: state.bootstrap === undefined ? undefined : name(state.bootstrap),
    restartGranted: state.granted === undefined ? undefined : name(state.granted),
    committed: state.committed === undefined ? undefined : ensemble(state.committed),
    probes: new Map(Object.entries(state.probes ?? {}).map(([n, p]) => [name(Number(n)), probe(p)])),
    planned,
    desiredConfig: state.desired,
    targetVersion: state.target,
  };
}

// Expected decisions.
const bootstrap = (n: number): StartPlan => ({ kind: "bootstrap", servers: [spec(n, "participant")] });
const join = (...servers: ServerSpec[]): StartPlan => ({ kind: "join", servers });
const resume: StartPlan = { kind: "resume" };
const wait = (reason: RegExp): StartPlan => ({ kind: "wait", reason: expect.stringMatching(reason) });
const p = (n: number): ServerSpec => spec(n, "participant");
const o = (n: number): ServerSpec => spec(n, "observer");

const add = (n: number): ReconfigStep => ({ kind: "add", unit: name(n), server: p(n), fromConfig: V });
const remove = (n: number): ReconfigStep => ({
  kind: "remove",
  unit: name(n),
  serverId: n + 1,
  fromConfig: V,
});
/** Removing the server of a unit that has already left the peer relation. */
const removeGone = (n: number): ReconfigStep => ({
  kind: "remove",
  unit: undefined,
  serverId: n + 1,
  fromConfig: V,
});
const noStep = (reason: RegExp): ReconfigStep => ({ kind: "none", reason: expect.stringMatching(reason) });

/** The leader waits for the workload (which causes no hook): it observes again within the hook. */
const waitingToAdd = (reason: RegExp): ReconfigStep =>
  ({ ...noStep(reason), transient: true }) as ReconfigStep;
const grant = (n: number): RestartGrant => ({ kind: "grant", unit: name(n) });
const keep = (n: number): RestartGrant => ({ kind: "keep", unit: name(n) });
const clear: RestartGrant = { kind: "clear" };
const noGrant = (reason: RegExp): RestartGrant => ({ kind: "none", reason: expect.stringMatching(reason) });

const waitingToGrant = (reason: RegExp): RestartGrant =>
  ({ ...noGrant(reason), transient: true }) as RestartGrant;

/** A healthy 3-voter ensemble with unit 0 as the ZooKeeper leader. */
const serving3 = { 0: "leader", 1: "follower", 2: "follower" } as const;

// ---------------------------------------------------------------------------------------------
// serverIdOf
// ---------------------------------------------------------------------------------------------

describe("serverIdOf", () => {
  it.each([
    { unit: "zookeeper/0", id: 1 },
    { unit: "zookeeper/7", id: 8 },
    { unit: "zookeeper-k8s/12", id: 13 },
  ])("$unit has server id $id (ids start at 1; unit numbers are never reused)", ({ unit, id }) => {
    expect(serverIdOf(unit)).toBe(id);
  });
});

// ---------------------------------------------------------------------------------------------
// chooseBootstrapUnit
// ---------------------------------------------------------------------------------------------

describe("chooseBootstrapUnit", () => {
  it.each<{ scenario: string; snapshot: ClusterSnapshot; decision: string | undefined }>([
    {
      scenario: "deploy 1→3: the lowest-numbered live unit",
      snapshot: given({ units: [fresh(0), fresh(1), fresh(2)] }),
      decision: name(0),
    },
    {
      scenario: "gaps in unit numbers (units 7, 12, 3): the lowest by number, not by name",
      snapshot: given({ units: [fresh(7), fresh(12), fresh(3)] }),
      decision: name(3),
    },
    {
      scenario: "unit 0 has not published its address yet: the lowest unit that can start",
      snapshot: given({ units: [noAddress(0), fresh(1), fresh(2)] }),
      decision: name(1),
    },
    {
      scenario: "no unit has an address yet: no choice",
      snapshot: given({ units: [noAddress(0), noAddress(1)] }),
      decision: undefined,
    },
    {
      scenario: "an earlier choice is kept when a lower unit appears (changing it could start two ensembles)",
      snapshot: given({ units: [fresh(0), fresh(1), fresh(2)], bootstrap: 2 }),
      decision: name(2),
    },
    {
      scenario: "the bootstrap unit was removed before it started: the lowest remaining unit",
      snapshot: given({ units: [fresh(1), fresh(2)], bootstrap: 0 }),
      decision: name(1),
    },
    {
      scenario: "the bootstrap unit (the Juju leader) is dying before it started: another unit",
      snapshot: given({ units: [dying(fresh(0)), fresh(1), fresh(2)], bootstrap: 0 }),
      decision: name(1),
    },
    {
      scenario: "the bootstrap unit is dying after it started: kept (the ensemble exists)",
      snapshot: given({ units: [dying(started(0)), fresh(1)], bootstrap: 0 }),
      decision: name(0),
    },
    {
      scenario: "the ensemble exists and the bootstrap unit left: the record stays, no second bootstrap",
      snapshot: given({ units: [started(1), started(2)], committed: "1 2", bootstrap: 0 }),
      decision: name(0),
    },
    {
      scenario: "the ensemble exists with no recorded bootstrap unit: none is chosen",
      snapshot: given({ units: [started(0), fresh(1)] }),
      decision: undefined,
    },
    {
      scenario: "every unit is dying: none",
      snapshot: given({ units: [dying(fresh(0)), dying(fresh(1))] }),
      decision: undefined,
    },
    // A unit that has just become leader sees peers only as their relation-joined hooks run on it
    // (the race the leadership test in juju-quirks found: unit 3 bootstrapped a second ensemble).
    {
      scenario: "a new leader that sees none of its peers yet keeps the recorded unit it cannot see",
      snapshot: given({ units: [fresh(3)], bootstrap: 0, planned: [0, 1, 2, 3] }),
      decision: name(0),
    },
    {
      scenario:
        "nothing recorded: the lowest visible unit, even with a planned unit not visible yet (nobody started)",
      snapshot: given({ units: [fresh(1), fresh(2)], planned: [0, 1, 2] }),
      decision: name(1),
    },
    {
      scenario:
        "the recorded unit is out of sight and no longer planned (removed before it started): another",
      snapshot: given({ units: [fresh(1), fresh(2)], bootstrap: 0, planned: [1, 2] }),
      decision: name(1),
    },
    {
      scenario: "goal-state not asked: no new choice",
      snapshot: given({ units: [fresh(1), fresh(2)], bootstrap: 0, planned: "not asked" }),
      decision: name(0),
    },
  ])("$scenario", ({ snapshot, decision }) => {
    expect(chooseBootstrapUnit(snapshot)).toBe(decision);
  });
});

// ---------------------------------------------------------------------------------------------
// planStart
// ---------------------------------------------------------------------------------------------

describe("planStart", () => {
  it.each<{
    scenario: string;
    snapshot: ClusterSnapshot;
    self: number;
    ranBefore: boolean;
    decision: StartPlan;
  }>([
    // Deploy 1→3.
    {
      scenario: "1→3: before the leader chose a bootstrap unit, everyone waits",
      snapshot: given({ units: [fresh(0), fresh(1), fresh(2)] }),
      self: 0,
      ranBefore: false,
      decision: wait(/leader to choose the bootstrap unit/),
    },
    {
      scenario: "1→3: the bootstrap unit starts alone as the only participant",
      snapshot: given({ units: [fresh(0), fresh(1), fresh(2)], bootstrap: 0 }),
      self: 0,
      ranBefore: false,
      decision: bootstrap(0),
    },
    {
      scenario: "1→3: the other units wait, naming the bootstrap unit",
      snapshot: given({ units: [fresh(0), fresh(1), fresh(2)], bootstrap: 0 }),
      self: 2,
      ranBefore: false,
      decision: wait(/zookeeper\/0 to start the ensemble/),
    },
    {
      scenario: "1→3: the bootstrap unit started but no member answers yet: wait, never a second bootstrap",
      snapshot: given({ units: [started(0), fresh(1), fresh(2)], bootstrap: 1 }),
      self: 1,
      ranBefore: false,
      decision: wait(/serving ZooKeeper member/),
    },
    {
      scenario: "1→3: unit 1 joins with the committed membership plus itself as observer",
      snapshot: given({ units: [started(0), fresh(1), fresh(2)], committed: "0", bootstrap: 0 }),
      self: 1,
      ranBefore: false,
      decision: join(p(0), o(1)),
    },
    {
      scenario: "1→3: unit 2 joins once unit 1 was added",
      snapshot: given({ units: [started(0), started(1), fresh(2)], committed: "0 1", bootstrap: 0 }),
      self: 2,
      ranBefore: false,
      decision: join(p(0), p(1), o(2)),
    },
    {
      scenario: "two units joining at once: each lists the committed members and only itself as observer",
      snapshot: given({ units: [started(0), fresh(1), fresh(2)], committed: "0", bootstrap: 0 }),
      self: 2,
      ranBefore: false,
      decision: join(p(0), o(2)),
    },
    {
      scenario: "3→5: unit 4 joins while unit 3 is synced but not yet added",
      snapshot: given({
        units: [started(0), started(1), started(2), started(3), fresh(4)],
        committed: "0 1 2",
      }),
      self: 4,
      ranBefore: false,
      decision: join(p(0), p(1), p(2), o(4)),
    },
    {
      scenario: "a joiner copies committed observers as they are (the leader re-adds them)",
      snapshot: given({ units: [started(0), started(3), fresh(4)], committed: "0 3:observer" }),
      self: 4,
      ranBefore: false,
      decision: join(p(0), o(3), o(4)),
    },
    {
      scenario: "1→3 again after 3→1: a new unit number joins the survivor",
      snapshot: given({ units: [started(1), fresh(3), fresh(4)], committed: "1", bootstrap: 0 }),
      self: 3,
      ranBefore: false,
      decision: join(p(1), o(3)),
    },
    {
      scenario: "gaps in unit numbers (0, 3, 7): unit 7 joins as server 8",
      snapshot: given({ units: [started(0), started(3), fresh(7)], committed: "0 3", bootstrap: 0 }),
      self: 7,
      ranBefore: false,
      decision: join(p(0), p(3), o(7)),
    },
    {
      scenario: "the bootstrap unit was removed before it started: the newly chosen unit bootstraps",
      snapshot: given({ units: [fresh(1), fresh(2)], bootstrap: 1 }),
      self: 1,
      ranBefore: false,
      decision: bootstrap(1),
    },
    // Restarts of a unit whose server stopped.
    {
      scenario: "ran before and still a member: resume with what ZooKeeper last wrote",
      snapshot: given({ units: [started(0), started(1), started(2)], committed: "0 1 2" }),
      self: 1,
      ranBefore: true,
      decision: resume,
    },
    {
      scenario: "ran before and still a member as observer: resume",
      snapshot: given({ units: [started(0), started(1)], committed: "0 1:observer" }),
      self: 1,
      ranBefore: true,
      decision: resume,
    },
    {
      scenario: "ran before but no longer in the committed config: join again (a removed server cannot boot)",
      snapshot: given({ units: [started(0), started(1), started(2)], committed: "0 1" }),
      self: 2,
      ranBefore: true,
      decision: join(p(0), p(1), o(2)),
    },
    {
      scenario: "ran before and membership unknown (full outage): resume",
      snapshot: given({ units: [started(0), started(1), started(2)] }),
      self: 1,
      ranBefore: true,
      decision: resume,
    },
    {
      scenario: "ran before, peer data lost and no member answers: resume, never bootstrap",
      snapshot: given({ units: [fresh(0), fresh(1)], bootstrap: 0 }),
      self: 0,
      ranBefore: true,
      decision: resume,
    },
    {
      scenario: "a new unit while the ensemble exists but no member answers: wait",
      snapshot: given({ units: [started(0), started(1), fresh(3)], bootstrap: 0 }),
      self: 3,
      ranBefore: false,
      decision: wait(/serving ZooKeeper member/),
    },
    // Units that must not start.
    {
      scenario: "a dying unit does not start",
      snapshot: given({ units: [started(0), dying(fresh(1))], committed: "0" }),
      self: 1,
      ranBefore: false,
      decision: wait(/being removed/),
    },
    {
      scenario: "the Juju leader is dying while it is the bootstrap choice: it does not start",
      snapshot: given({ units: [dying(fresh(0)), fresh(1)], bootstrap: 0 }),
      self: 0,
      ranBefore: false,
      decision: wait(/being removed/),
    },
    {
      scenario: "no address published yet: wait for it",
      snapshot: given({ units: [noAddress(0)], bootstrap: 0 }),
      self: 0,
      ranBefore: false,
      decision: wait(/address/),
    },
  ])("$scenario", ({ snapshot, self, ranBefore, decision }) => {
    expect(planStart(snapshot, name(self), ranBefore)).toEqual(decision);
  });
});

// ---------------------------------------------------------------------------------------------
// nextReconfig
// ---------------------------------------------------------------------------------------------

describe("nextReconfig", () => {
  it.each<{ scenario: string; snapshot: ClusterSnapshot; decision: ReconfigStep }>([
    {
      scenario: "no committed membership could be read: no step",
      snapshot: given({ units: [started(0), started(1)], probes: { 1: "follower" } }),
      decision: noStep(/no committed membership/),
    },
    // Deploy 1→3: one voter per step, in unit order, only once synced.
    {
      scenario: "1→3: unit 1 serves as a non-voting follower: add it as participant",
      snapshot: given({
        units: [started(0), started(1), fresh(2)],
        committed: "0",
        probes: { 0: "leader", 1: "follower" },
      }),
      decision: add(1),
    },
    {
      scenario: "1→3: unit 1 started but is not serving yet: wait, naming it",
      snapshot: given({
        units: [started(0), started(1), fresh(2)],
        committed: "0",
        probes: { 0: "leader", 1: "not serving" },
      }),
      decision: waitingToAdd(/zookeeper\/1 to sync/),
    },
    {
      scenario: "1→3: unit 1 does not answer srvr: wait",
      snapshot: given({
        units: [started(0), started(1)],
        committed: "0",
        probes: { 0: "leader", 1: "unreachable" },
      }),
      decision: waitingToAdd(/zookeeper\/1 to sync/),
    },
    {
      scenario: "1→3: unit 1 was not probed: wait",
      snapshot: given({ units: [started(0), started(1)], committed: "0", probes: { 0: "leader" } }),
      decision: waitingToAdd(/zookeeper\/1 to sync/),
    },
    {
      scenario: "1→3: a joiner whose srvr says observer is synced too",
      snapshot: given({
        units: [started(0), started(1)],
        committed: "0",
        probes: { 0: "leader", 1: "observer" },
      }),
      decision: add(1),
    },
    {
      scenario: "1→3: a unit serving standalone is not a synced joiner",
      snapshot: given({
        units: [started(0), started(1)],
        committed: "0",
        probes: { 0: "leader", 1: "standalone" },
      }),
      decision: waitingToAdd(/zookeeper\/1 to sync/),
    },
    {
      scenario: "1→3: a unit that has not started is waited for (its `started` wakes the leader)",
      snapshot: given({ units: [started(0), fresh(1)], committed: "0", probes: { 0: "leader" } }),
      decision: noStep(/zookeeper\/1 to start its server/),
    },
    {
      scenario: "1→3: unit 2 is added after unit 1",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0 1",
        probes: { 0: "leader", 1: "follower", 2: "follower" },
      }),
      decision: add(2),
    },
    {
      scenario: "1→3 done: membership matches the units",
      snapshot: given({ units: [started(0), started(1), started(2)], committed: "0 1 2", probes: serving3 }),
      decision: noStep(/membership matches/),
    },
    // Scale 3→5 and two joiners at once.
    {
      scenario: "3→5: two joiners synced at once: the lower-numbered is added first",
      snapshot: given({
        units: [started(0), started(1), started(2), started(4), started(3)],
        committed: "0 1 2",
        probes: { ...serving3, 3: "follower", 4: "follower" },
      }),
      decision: add(3),
    },
    {
      scenario: "3→5: then the other",
      snapshot: given({
        units: [started(0), started(1), started(2), started(3), started(4)],
        committed: "0 1 2 3",
        probes: { ...serving3, 3: "follower", 4: "follower" },
      }),
      decision: add(4),
    },
    {
      scenario:
        "3→5: the lower joiner is not synced yet: the higher one waits (a joiner below a voter's id is stranded)",
      snapshot: given({
        units: [started(0), started(1), started(2), started(3), started(4)],
        committed: "0 1 2",
        probes: { ...serving3, 3: "not serving", 4: "follower" },
      }),
      decision: waitingToAdd(/zookeeper\/3 to sync/),
    },
    {
      scenario:
        "deploy 3 + relate (issue 9): unit 2 serves first, unit 1 has not started: unit 2 is not added",
      snapshot: given({
        units: [started(0), fresh(1), started(2)],
        committed: "0",
        probes: { 0: "leader", 2: "follower" },
      }),
      decision: noStep(/zookeeper\/1 to start its server/),
    },
    {
      scenario: "gaps in unit numbers (0, 3, 7): unit 7 is added as server 8",
      snapshot: given({
        units: [started(0), started(3), started(7)],
        committed: "0 3",
        probes: { 0: "leader", 3: "follower", 7: "follower" },
      }),
      decision: add(7),
    },
    {
      scenario: "1→3 again after 3→1: the new unit joins the survivor",
      snapshot: given({
        units: [started(1), started(3), fresh(4)],
        committed: "1",
        probes: { 1: "leader", 3: "follower" },
      }),
      decision: add(3),
    },
    // A unit gone mid-step.
    {
      scenario: "unit gone mid-step: a joiner that left before being added does not block the next",
      snapshot: given({
        units: [started(0), started(1), started(2), started(4)],
        committed: "0 1 2",
        probes: { ...serving3, 4: "follower" },
      }),
      decision: add(4),
    },
    {
      scenario: "unit gone mid-step: a dying joiner is not added",
      snapshot: given({
        units: [started(0), started(1), started(2), dying(started(3))],
        committed: "0 1 2",
        probes: { ...serving3, 3: "follower" },
      }),
      decision: noStep(/membership matches/),
    },
    {
      scenario: "repairs come first: an absent member is removed before a synced joiner is added",
      snapshot: given({
        units: [started(0), started(1), started(3)],
        committed: "0 1 2",
        probes: { 0: "leader", 1: "follower", 3: "follower" },
      }),
      decision: removeGone(2),
    },
    // A unit that has just become leader sees peers only as their relation-joined hooks run on it
    // (the juju-quirks leadership race: unit 3, leader before it saw anyone, removed live members).
    {
      scenario:
        "a new leader that cannot see the voters yet removes none of them; it adds itself once synced",
      snapshot: given({
        units: [started(3)],
        committed: "0 1 2",
        probes: { 3: "observer" },
        planned: [0, 1, 2, 3],
      }),
      decision: add(3),
    },
    {
      scenario: "a member whose unit is not visible and goal-state was not asked: kept",
      snapshot: given({
        units: [started(0), started(1)],
        committed: "0 1 2",
        probes: { 0: "leader", 1: "follower" },
        planned: "not asked",
      }),
      decision: noStep(/membership matches/),
    },
    {
      scenario: "a lower planned joiner not visible yet: a higher one waits for it (strict unit order)",
      snapshot: given({
        units: [started(0), started(1), started(4)],
        committed: "0 1",
        probes: { 0: "leader", 1: "follower", 4: "follower" },
        planned: [0, 1, 3, 4],
      }),
      decision: noStep(/unit 3 to join the peer relation/),
    },
    // Scale down: one removal per step, followers before the ZooKeeper leader.
    {
      scenario: "5→3: two absent members: the lower server id is removed first",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0 1 2 3 4",
        probes: serving3,
      }),
      decision: removeGone(3),
    },
    {
      scenario: "5→3: then the other",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0 1 2 4",
        probes: serving3,
      }),
      decision: removeGone(4),
    },
    {
      scenario: "5→3: two dying members, the higher is the ZooKeeper leader: the follower first",
      snapshot: given({
        units: [started(0), started(1), started(2), dying(started(3)), dying(started(4))],
        committed: "0 1 2 3 4",
        probes: { 0: "follower", 1: "follower", 2: "follower", 3: "follower", 4: "leader" },
      }),
      decision: remove(3),
    },
    {
      scenario: "5→3: the ZooKeeper leader is removed last",
      snapshot: given({
        units: [started(0), started(1), started(2), dying(started(4))],
        committed: "0 1 2 4",
        probes: { 0: "follower", 1: "follower", 2: "follower", 4: "leader" },
      }),
      decision: remove(4),
    },
    {
      scenario: "5→3 while no member reports leader (mid-election): removed in server-id order",
      snapshot: given({
        units: [started(0), started(1), started(2), dying(started(4))],
        committed: "0 1 2 3 4",
        probes: { 0: "not serving", 1: "not serving", 2: "not serving", 4: "not serving" },
      }),
      decision: removeGone(3),
    },
    {
      scenario: "3→1: the dying follower before the dying ZooKeeper leader",
      snapshot: given({
        units: [started(0), dying(started(1)), dying(started(2))],
        committed: "0 1 2",
        probes: { 0: "follower", 1: "leader", 2: "follower" },
      }),
      decision: remove(2),
    },
    {
      scenario: "3→1: then the ZooKeeper leader (ZooKeeper elects the survivor)",
      snapshot: given({
        units: [started(0), dying(started(1))],
        committed: "0 1",
        probes: { 0: "follower", 1: "leader" },
      }),
      decision: remove(1),
    },
    {
      scenario: "the ZooKeeper leader removed on its own",
      snapshot: given({
        units: [started(0), started(1), dying(started(2))],
        committed: "0 1 2",
        probes: { 0: "follower", 1: "follower", 2: "leader" },
      }),
      decision: remove(2),
    },
    {
      scenario: "the Juju leader removed: the leader unit is dying and removes its own server",
      snapshot: given({
        units: [dying(started(0)), started(1), started(2)],
        committed: "0 1 2",
        probes: { 0: "follower", 1: "leader", 2: "follower" },
      }),
      decision: remove(0),
    },
    {
      scenario: "ZooKeeper leader, Juju leader and a third unit removed at once: a follower first",
      snapshot: given({
        units: [dying(started(0)), dying(started(1)), dying(started(2)), started(3), started(4)],
        committed: "0 1 2 3 4",
        probes: { 0: "leader", 1: "follower", 2: "follower", 3: "follower", 4: "follower" },
      }),
      decision: remove(1),
    },
    // The last voter and observers.
    {
      scenario: "the last voter is never removed (the whole application is going)",
      snapshot: given({ units: [dying(started(0))], committed: "0", probes: { 0: "leader" } }),
      decision: noStep(/membership matches/),
    },
    {
      scenario: "the last voter is dying and a replacement is synced: the replacement is added first",
      snapshot: given({
        units: [dying(started(0)), started(1)],
        committed: "0",
        probes: { 0: "leader", 1: "follower" },
      }),
      decision: add(1),
    },
    {
      scenario: "two voters, both dying: the follower goes, the last voter stays",
      snapshot: given({
        units: [dying(started(0)), dying(started(1))],
        committed: "0 1",
        probes: { 0: "leader", 1: "follower" },
      }),
      decision: remove(1),
    },
    {
      scenario: "an observer in the committed config is removed first, so it can be re-added as participant",
      snapshot: given({
        units: [started(0), started(1), started(2), started(3)],
        committed: "0 1 2 3:observer",
        probes: { ...serving3, 3: "observer" },
      }),
      decision: remove(3),
    },
    {
      scenario: "an observer whose unit is gone is removed",
      snapshot: given({ units: [started(0)], committed: "0 3:observer", probes: { 0: "leader" } }),
      decision: removeGone(3),
    },
  ])("$scenario", ({ snapshot, decision }) => {
    expect(nextReconfig(snapshot)).toEqual(decision);
  });

  /**
   * Applies the planned steps one at a time, as ZooKeeper would (notes §3.4: a removed server keeps
   * running as a non-voting follower; removing the leader elects another), until no step is left.
   */
  function converge(start: ClusterSnapshot): { steps: string[]; members: string } {
    let snapshot = start;
    const steps: string[] = [];
    for (let round = 0; round < 20; round++) {
      const step = nextReconfig(snapshot);
      if (step.kind === "none") break;
      const committed = snapshot.committed!;
      const probes = new Map(snapshot.probes);
      let servers: ServerSpec[];
      if (step.kind === "add") {
        steps.push(`add ${step.unit}`);
        servers = [...committed.servers.filter((s) => s.id !== step.server.id), step.server];
      } else {
        steps.push(`remove ${step.unit ?? `server.${step.serverId}`}`);
        servers = committed.servers.filter((s) => s.id !== step.serverId);
        if (step.unit !== undefined) {
          const wasLeader = probes.get(step.unit)?.mode === "leader";
          probes.set(step.unit, probe("follower"));
          const successor = servers.find((s) => s.role === "participant");
          if (wasLeader && successor) probes.set(name(successor.id - 1), probe("leader"));
        }
      }
      servers.sort((a, b) => a.id - b.id);
      snapshot = { ...snapshot, probes, committed: { version: committed.version + 1n, servers } };
    }
    const members = snapshot
      .committed!.servers.map((s) => `${s.id - 1}${s.role === "observer" ? ":observer" : ""}`)
      .join(" ");
    return { steps, members };
  }

  it.each<{ scenario: string; snapshot: ClusterSnapshot; steps: string[]; members: string }>([
    {
      scenario: "1→3",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0",
        probes: { 0: "leader", 1: "follower", 2: "follower" },
      }),
      steps: ["add zookeeper/1", "add zookeeper/2"],
      members: "0 1 2",
    },
    {
      scenario: "3→5",
      snapshot: given({
        units: [started(0), started(1), started(2), started(3), started(4)],
        committed: "0 1 2",
        probes: { ...serving3, 3: "follower", 4: "follower" },
      }),
      steps: ["add zookeeper/3", "add zookeeper/4"],
      members: "0 1 2 3 4",
    },
    {
      scenario: "5→3 with the ZooKeeper leader among the leavers",
      snapshot: given({
        units: [started(0), started(1), started(2), dying(started(3)), dying(started(4))],
        committed: "0 1 2 3 4",
        probes: { 0: "follower", 1: "follower", 2: "follower", 3: "leader", 4: "follower" },
      }),
      steps: ["remove zookeeper/4", "remove zookeeper/3"],
      members: "0 1 2",
    },
    {
      scenario: "3→1 then 1→3 again with new unit numbers",
      snapshot: given({
        units: [started(0), dying(started(1)), dying(started(2)), started(3), started(4)],
        committed: "0 1 2",
        probes: { 0: "leader", 1: "follower", 2: "follower", 3: "follower", 4: "follower" },
      }),
      steps: ["remove zookeeper/1", "remove zookeeper/2", "add zookeeper/3", "add zookeeper/4"],
      members: "0 3 4",
    },
    {
      scenario: "ZooKeeper leader, Juju leader and a third unit removed at once",
      snapshot: given({
        units: [dying(started(0)), dying(started(1)), dying(started(2)), started(3), started(4)],
        committed: "0 1 2 3 4",
        probes: { 0: "leader", 1: "follower", 2: "follower", 3: "follower", 4: "follower" },
      }),
      steps: ["remove zookeeper/1", "remove zookeeper/2", "remove zookeeper/0"],
      members: "3 4",
    },
    {
      scenario: "the only voter is replaced: its replacement is added before it leaves",
      snapshot: given({
        units: [dying(started(0)), started(1), started(2)],
        committed: "0",
        probes: { 0: "leader", 1: "follower", 2: "follower" },
      }),
      steps: ["add zookeeper/1", "remove zookeeper/0", "add zookeeper/2"],
      members: "1 2",
    },
    {
      scenario: "an observer is re-added as participant",
      snapshot: given({
        units: [started(0), started(1), started(2), started(3)],
        committed: "0 1 2 3:observer",
        probes: { ...serving3, 3: "observer" },
      }),
      steps: ["remove zookeeper/3", "add zookeeper/3"],
      members: "0 1 2 3",
    },
    {
      scenario: "unit gone mid-step: a leaver that already left and a joiner that never joined",
      snapshot: given({
        units: [started(0), started(1), started(2), started(5)],
        committed: "0 1 2 3",
        probes: { ...serving3, 5: "follower" },
      }),
      steps: ["remove server.4", "add zookeeper/5"],
      members: "0 1 2 5",
    },
  ])("converges, one membership step at a time: $scenario", ({ snapshot, steps, members }) => {
    expect(converge(snapshot)).toEqual({ steps, members });
  });
});

// ---------------------------------------------------------------------------------------------
// ensembleHealthy
// ---------------------------------------------------------------------------------------------

describe("ensembleHealthy", () => {
  it.each<{ scenario: string; snapshot: ClusterSnapshot; decision: boolean }>([
    {
      scenario: "every participant serves as leader or follower",
      snapshot: given({ units: [started(0), started(1), started(2)], committed: "0 1 2", probes: serving3 }),
      decision: true,
    },
    {
      scenario: "a participant answers but is not serving (ruok is not enough, notes §3.5)",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0 1 2",
        probes: { ...serving3, 2: "not serving" },
      }),
      decision: false,
    },
    {
      scenario: "a participant does not answer",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0 1 2",
        probes: { ...serving3, 2: "unreachable" },
      }),
      decision: false,
    },
    {
      scenario: "a participant whose unit is gone",
      snapshot: given({ units: [started(0), started(1)], committed: "0 1 2", probes: serving3 }),
      decision: false,
    },
    {
      scenario: "a participant that serves only as observer",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0 1 2",
        probes: { ...serving3, 2: "observer" },
      }),
      decision: false,
    },
    {
      scenario: "a committed observer or an unadded joiner that does not serve does not count",
      snapshot: given({
        units: [started(0), started(1), started(2), started(3), started(4)],
        committed: "0 1 2 3:observer",
        probes: { ...serving3, 3: "not serving", 4: "not serving" },
      }),
      decision: true,
    },
    {
      scenario: "membership unknown",
      snapshot: given({ units: [started(0)], probes: { 0: "leader" } }),
      decision: false,
    },
  ])("$scenario → $decision", ({ snapshot, decision }) => {
    expect(ensembleHealthy(snapshot)).toBe(decision);
  });
});

// ---------------------------------------------------------------------------------------------
// nextRestartGrant
// ---------------------------------------------------------------------------------------------

describe("nextRestartGrant", () => {
  const three = (...units: PeerUnit[]): PeerUnit[] => {
    const byNumber = new Map([started(0), started(1), started(2)].map((u) => [u.number, u]));
    for (const u of units) byNumber.set(u.number, u);
    return [...byNumber.values()];
  };

  it.each<{ scenario: string; snapshot: ClusterSnapshot; decision: RestartGrant }>([
    {
      scenario:
        "the ZooKeeper leader asked first, the others run a stale configuration but have not asked yet: one of them goes first",
      snapshot: given({
        units: [requesting(runningOld(started(0))), runningOld(started(1)), runningOld(started(2))],
        committed: "0 1 2",
        probes: serving3,
        desired: "new",
      }),
      decision: grant(1),
    },
    {
      scenario: "a granted unit keeps its turn until it runs the desired configuration, asked or not",
      snapshot: given({
        units: [requesting(runningOld(started(0))), runningOld(started(1)), started(2)],
        committed: "0 1 2",
        probes: serving3,
        desired: "new",
        granted: 1,
      }),
      decision: keep(1),
    },
    {
      scenario: "a unit that never published its running configuration counts only when it asks",
      snapshot: given({
        units: [requesting(started(0)), started(1), started(2)],
        committed: "0 1 2",
        probes: serving3,
        desired: "new",
      }),
      decision: grant(0),
    },
    {
      scenario: "nobody requests and nothing is granted: nothing to do",
      snapshot: given({ units: three(), committed: "0 1 2", probes: serving3 }),
      decision: noGrant(/no restart requested/),
    },
    {
      scenario: "nobody requests any more: the last grant is cleared",
      snapshot: given({ units: three(), committed: "0 1 2", probes: serving3, granted: 2 }),
      decision: clear,
    },
    {
      scenario: "membership could not be read while a member serves: wait, the read failed",
      snapshot: given({ units: three(requesting(started(2))), probes: serving3 }),
      decision: waitingToGrant(/every member to serve/),
    },
    {
      scenario: "nothing serves at all (the ensemble is down): a restart may go ahead",
      snapshot: given({
        units: three(requesting(started(2))),
        probes: { 0: "not serving", 1: "not serving", 2: "not serving" },
      }),
      decision: grant(2),
    },
    {
      scenario: "one request while every participant serves: granted",
      snapshot: given({ units: three(requesting(started(2))), committed: "0 1 2", probes: serving3 }),
      decision: grant(2),
    },
    {
      scenario: "several requests: one at a time, in unit order",
      snapshot: given({
        units: three(requesting(started(1)), requesting(started(2))),
        committed: "0 1 2",
        probes: serving3,
      }),
      decision: grant(1),
    },
    {
      scenario: "the granted unit still requests (it is restarting): kept, even while it does not serve",
      snapshot: given({
        units: three(requesting(started(1)), requesting(started(2))),
        committed: "0 1 2",
        probes: { ...serving3, 1: "not serving" },
        granted: 1,
      }),
      decision: keep(1),
    },
    {
      scenario: "the previous unit withdrew but does not serve again yet: nobody is granted",
      snapshot: given({
        units: three(requesting(started(2))),
        committed: "0 1 2",
        probes: { ...serving3, 1: "not serving" },
        granted: 1,
      }),
      decision: waitingToGrant(/every member to serve/),
    },
    {
      scenario: "a committed participant whose unit is gone blocks the next restart",
      snapshot: given({
        units: [started(0), requesting(started(1))],
        committed: "0 1 2",
        probes: { 0: "leader", 1: "follower" },
      }),
      decision: waitingToGrant(/every member to serve/),
    },
    {
      scenario: "the previous unit serves again: the next one is granted",
      snapshot: given({
        units: three(requesting(started(2))),
        committed: "0 1 2",
        probes: serving3,
        granted: 1,
      }),
      decision: grant(2),
    },
    {
      scenario: "the ZooKeeper leader restarts last",
      snapshot: given({
        units: three(requesting(started(0)), requesting(started(1)), requesting(started(2))),
        committed: "0 1 2",
        probes: serving3,
      }),
      decision: grant(1),
    },
    {
      scenario: "the ZooKeeper leader restarts last: its turn once the others are done",
      snapshot: given({
        units: three(requesting(started(0))),
        committed: "0 1 2",
        probes: serving3,
        granted: 2,
      }),
      decision: grant(0),
    },
    {
      scenario: "dying units are never granted",
      snapshot: given({
        units: three(dying(requesting(started(1))), requesting(started(2))),
        committed: "0 1 2",
        probes: serving3,
      }),
      decision: grant(2),
    },
    {
      scenario: "only a dying unit requests: nothing to grant",
      snapshot: given({ units: three(dying(requesting(started(1)))), committed: "0 1 2", probes: serving3 }),
      decision: noGrant(/no restart requested/),
    },
    {
      scenario: "the granted unit became dying: it loses its turn to the next",
      snapshot: given({
        units: three(dying(requesting(started(1))), requesting(started(2))),
        committed: "0 1 2",
        probes: serving3,
        granted: 1,
      }),
      decision: grant(2),
    },
    {
      scenario: "the granted unit left and nobody else requests: cleared",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0 1 2",
        probes: serving3,
        granted: 3,
      }),
      decision: clear,
    },
    {
      scenario: "a joiner that does not serve yet does not block a member's restart",
      snapshot: given({
        units: [...three(requesting(started(1))), started(3)],
        committed: "0 1 2",
        probes: { ...serving3, 3: "not serving" },
      }),
      decision: grant(1),
    },
    {
      scenario:
        "a new ZooKeeper version: units on the old one need a turn before they ask, the ZooKeeper leader's last",
      snapshot: given({
        units: [0, 1, 2].map((n) => ({ ...started(n), runningVersion: "3.8.0-1" })),
        committed: "0 1 2",
        probes: { 0: "follower", 1: "leader", 2: "follower" },
        target: "3.8.0-2",
      }),
      decision: grant(0),
    },
    {
      scenario: "a unit whose upgrade failed its check keeps the turn: the roll stops there",
      snapshot: given({
        units: [
          { ...started(0), runningVersion: "3.8.0-2" },
          { ...started(1), runningVersion: "3.8.0-1", upgradeFailed: "3.8.0-2" },
          { ...started(2), runningVersion: "3.8.0-1" },
        ],
        committed: "0 1 2",
        probes: { 0: "leader", 1: "not serving", 2: "follower" },
        granted: 1,
        target: "3.8.0-2",
      }),
      decision: { kind: "keep", unit: name(1) },
    },
    {
      scenario:
        "a failed unit that recorded the new version anyway (its server was started again): no next turn, and no waiting for the workload",
      snapshot: given({
        units: [
          { ...started(0), runningVersion: "3.8.0-1" },
          { ...started(1), runningVersion: "3.8.0-2", upgradeFailed: "3.8.0-2" },
          { ...started(2), runningVersion: "3.8.0-1" },
        ],
        committed: "0 1 2",
        probes: { 0: "leader", 1: "not serving", 2: "follower" },
        target: "3.8.0-2",
      }),
      decision: { kind: "none", reason: "the ZooKeeper upgrade stopped at zookeeper/1" },
    },
    {
      scenario:
        "units that run the target version, or have not published one (earlier revisions), need no turn",
      snapshot: given({
        units: [{ ...started(0), runningVersion: "3.8.0-2" }, started(1), started(2)],
        committed: "0 1 2",
        probes: serving3,
        target: "3.8.0-2",
      }),
      decision: { kind: "none", reason: "no restart requested" },
    },
    {
      scenario:
        "membership unknown (no member answers): a turn is still granted, so a broken ensemble can restart",
      snapshot: given({
        units: three(requesting(started(0)), requesting(started(1))),
        probes: { 0: "not serving", 1: "not serving", 2: "not serving" },
      }),
      decision: grant(0),
    },
  ])("$scenario", ({ snapshot, decision }) => {
    expect(nextRestartGrant(snapshot)).toEqual(decision);
  });
});

// ---------------------------------------------------------------------------------------------
// planRunning: a running server that is not a voter — the stranding cases (issue 9)
// ---------------------------------------------------------------------------------------------

describe("planServer", () => {
  const voters3 = [started(0), started(1), started(2)];
  it.each<{
    scenario: string;
    self: number;
    snapshot: ClusterSnapshot;
    server: Parameters<typeof planServer>[2];
    decision: unknown;
  }>([
    {
      scenario: "not running, never ran, the bootstrap unit: start by bootstrapping",
      self: 0,
      snapshot: given({ units: [fresh(0), fresh(1)], bootstrap: 0 }),
      server: { running: false, hasRunBefore: () => false, restartNeeded: false, config: undefined },
      decision: { kind: "start", start: bootstrap(0) },
    },
    {
      scenario: "not running, ran before and still a member: resume",
      self: 1,
      snapshot: given({ units: voters3, committed: "0 1 2", probes: { 0: "leader", 2: "follower" } }),
      server: { running: false, hasRunBefore: () => true, restartNeeded: false, config: undefined },
      decision: { kind: "start", start: resume },
    },
    {
      scenario: "a serving voter with nothing new: keep",
      self: 1,
      snapshot: given({ units: voters3, committed: "0 1 2", probes: serving3 }),
      server: { running: true, hasRunBefore: () => true, restartNeeded: false, config: ensemble("0 1 2") },
      decision: { kind: "keep" },
    },
    {
      scenario: "a voter with new files and the turn: restart",
      self: 1,
      snapshot: given({ units: voters3, committed: "0 1 2", probes: serving3, granted: 1 }),
      server: { running: true, hasRunBefore: () => true, restartNeeded: true, config: ensemble("0 1 2") },
      decision: { kind: "restart" },
    },
    {
      scenario: "a voter with new files, another unit's turn: wait, naming it",
      self: 1,
      snapshot: given({ units: voters3, committed: "0 1 2", probes: serving3, granted: 2 }),
      server: { running: true, hasRunBefore: () => true, restartNeeded: true, config: ensemble("0 1 2") },
      decision: { kind: "await-turn", reason: "restart pending: waiting for zookeeper/2 to restart first" },
    },
    {
      scenario: "a non-voter with new files: rejoins at once, no turn, nothing to confirm",
      self: 3,
      snapshot: given({
        units: [...voters3, started(3)],
        committed: "0 1 2",
        probes: { ...serving3, 3: "observer" },
      }),
      server: {
        running: true,
        hasRunBefore: () => true,
        restartNeeded: true,
        config: ensemble("0 1 2 3:observer"),
      },
      decision: { kind: "rejoin", reason: expect.stringMatching(/new files/), confirm: false },
    },
    {
      scenario: "a stranded joiner: rejoins once it is confirmed out",
      self: 3,
      snapshot: given({
        units: [...voters3, started(3)],
        committed: "0 1 2",
        probes: { ...serving3, 3: "not serving" },
      }),
      server: { running: true, hasRunBefore: () => true, restartNeeded: false, config: ensemble("0 1 2") },
      decision: { kind: "rejoin", reason: expect.stringMatching(/left out/), confirm: true },
    },
  ])("$scenario", ({ self, snapshot, server, decision }) => {
    expect(planServer(snapshot, name(self), server)).toEqual(decision);
  });
});

describe("planRunning", () => {
  const rejoin = (reason: RegExp): RunningPlan => ({ kind: "rejoin", reason: expect.stringMatching(reason) });
  const keepRunning: RunningPlan = { kind: "keep" };

  it.each<{
    scenario: string;
    snapshot: ClusterSnapshot;
    self: number;
    /** The membership the unit's own server runs with (its dynamic file), by unit number. */
    runs: string | undefined;
    restartNeeded?: boolean;
    decision: RunningPlan;
  }>([
    {
      scenario: "a voter keeps running (its restarts take a turn)",
      snapshot: given({ units: [started(0), started(1), started(2)], committed: "0 1 2", probes: serving3 }),
      self: 1,
      runs: "0 1 2",
      restartNeeded: true,
      decision: keepRunning,
    },
    {
      scenario: "a synced joiner serves (as ZooKeeper does, its file lists only the committed members)",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0 1",
        probes: { 0: "leader", 1: "follower", 2: "follower" },
      }),
      self: 2,
      runs: "0 1",
      decision: keepRunning,
    },
    {
      scenario:
        "stale read: unit 2 started from {0} while the leader added unit 1; its server learned {0,1} without itself",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0 1",
        probes: { 0: "leader", 1: "follower", 2: "not serving" },
      }),
      self: 2,
      runs: "0 1",
      decision: rejoin(/left out of a newer membership/),
    },
    {
      scenario: "a member removed behind the charm's back (its server learned the removal) rejoins",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0 1",
        probes: { 0: "leader", 1: "follower", 2: "not serving" },
      }),
      self: 2,
      runs: "0 1",
      decision: rejoin(/left out of a newer membership/),
    },
    {
      scenario: "a joiner whose starting voters were removed while it started cannot find a leader: rejoin",
      snapshot: given({
        units: [started(0), started(2), started(3)],
        committed: "0 2",
        probes: { 0: "leader", 2: "follower", 3: "not serving" },
      }),
      self: 3,
      runs: "0 1 3:observer",
      decision: rejoin(/no longer the committed ones/),
    },
    {
      scenario: "a joiner still starting with the committed voters is left to come up",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0 1",
        probes: { 0: "leader", 1: "follower", 2: "not serving" },
      }),
      self: 2,
      runs: "0 1 2:observer",
      decision: keepRunning,
    },
    {
      scenario: "a joiner that must restart (new files) rejoins from the fresh membership, without a turn",
      snapshot: given({
        units: [started(0), started(1), started(2)],
        committed: "0 1",
        probes: { 0: "leader", 1: "follower", 2: "observer" },
      }),
      self: 2,
      runs: "0 1 2:observer",
      restartNeeded: true,
      decision: rejoin(/new files/),
    },
    {
      scenario: "with the committed membership unknown nothing is decided",
      snapshot: given({ units: [started(0), started(1), started(2)], probes: { 2: "not serving" } }),
      self: 2,
      runs: "0 1",
      decision: keepRunning,
    },
  ])("$scenario", ({ snapshot, self, runs, restartNeeded, decision }) => {
    const server = {
      config: runs === undefined ? undefined : ensemble(runs),
      restartNeeded: restartNeeded ?? false,
    };
    expect(planRunning(snapshot, name(self), server)).toEqual(decision);
  });
});

// ---------------------------------------------------------------------------------------------
// chooseUnitAddress: network-get lists bind addresses in device order (issue 11)
// ---------------------------------------------------------------------------------------------

describe("chooseUnitAddress", () => {
  it.each<{ scenario: string; ingress: string[]; bind: string[]; choice: AddressChoice }>([
    {
      scenario: "one IPv4 address",
      ingress: ["10.1.2.3"],
      bind: ["10.1.2.3"],
      choice: { address: "10.1.2.3" },
    },
    {
      scenario: "an IPv6 ULA first in device order: the IPv4 ingress address wins",
      ingress: ["10.1.2.3", "fd42::3"],
      bind: ["fd42::3", "10.1.2.3", "192.0.2.3"],
      choice: { address: "10.1.2.3" },
    },
    {
      scenario: "a second NIC listed first: still the ingress address",
      ingress: ["10.1.2.3"],
      bind: ["192.0.2.3", "10.1.2.3"],
      choice: { address: "10.1.2.3" },
    },
    {
      scenario: "no ingress address yet: the first IPv4 bind address",
      ingress: [],
      bind: ["fd42::3", "10.1.2.3"],
      choice: { address: "10.1.2.3" },
    },
    {
      scenario: "IPv6 only: refused with the reason, never waited on",
      ingress: ["fd42::3"],
      bind: ["fd42::3"],
      choice: {
        problem: expect.stringMatching(
          /no IPv4 address \(only fd42::3\); IPv6-only models are not supported/,
        ),
      },
    },
    { scenario: "nothing yet", ingress: [], bind: [], choice: { none: true } },
  ])("$scenario", ({ ingress, bind, choice }) => {
    expect(chooseUnitAddress(ingress, bind)).toEqual(choice);
  });
});
