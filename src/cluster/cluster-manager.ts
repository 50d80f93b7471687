import { type Bag, blocked, type Hook, maintenance, type Relation, waiting } from "../../lib/juju";
import type { EnsembleConfig } from "../../lib/zookeeper";
import { type ClientView, clientPasswords, readClients } from "../clients/client-provider";
import { serveClients } from "../clients/serve-clients";
import { COS_ASSETS_PATH, type CosAssets, cosAgentMayChange, publishCosAgent } from "../cos/cos-agent";
import type { Admin, Clock, Ensemble, Machine, Ports } from "../ports";
import { nextTlsPhase } from "../tls/tls-phase";
import { TLS_PATHS, type TlsView } from "../tls/tls-requirer";
import {
  baseOf,
  CHARM_CONFIG_SPEC,
  type CharmConfig,
  CONF_DIR,
  compareDebianVersions,
  installableVersions,
  MANAGED_FILES,
  METRICS_FILES,
  METRICS_PORT,
  METRICS_SERVICE,
  OS_RELEASE_PATH,
  PORTS,
  renderMetricsSettings,
  renderMetricsUnit,
  requiredTarget,
  type TlsPhase,
  unsupportedProblem,
  ZOOKEEPER_PACKAGES,
} from "../workload";
import {
  type ClusterSnapshot,
  chooseUnitAddress,
  type PeerUnit,
  serverIdOf,
  zookeeperLeaderOf,
} from "./cluster-plan";
import {
  adminIdentities,
  type Credentials,
  credentialsFingerprint,
  ensureCredentials,
  planCredentials,
  type SyncRotationPhase,
  storeCredentials,
} from "./credentials";
import { committedMembership, probeAll } from "./ensemble";
import { classifyFailure } from "./failures";
import { type LocalState, loadLocalState, type SettledEnsemble, saveLocalState } from "./local-state";
import { lead, leave } from "./membership";
import { Pass } from "./pass";
import { PEER_APP_SCHEMA, PEER_UNIT_SCHEMA } from "./peer-data";
import { markDying, readPeerUnits } from "./peers";
import { type ServerFiles, serverFiles } from "./server-files";
import { applicationStatus, ownHealth } from "./statuses";
import { UnitServer } from "./unit-server";

export const PEER_ENDPOINT = "cluster";
/** Written when this unit starts its teardown (see markIfLeaving()). */
const DEPARTING_MARKER_PATH = `${CONF_DIR}/.charm-departing`;

/** What a pass works from before it asks ZooKeeper anything (prepare()). */
interface Prepared {
  readonly config: CharmConfig | undefined;
  readonly peers: Relation;
  readonly address: string | undefined;
  readonly credentials: Credentials;
  readonly phase: SyncRotationPhase | undefined;
  /** This unit is leaving (a teardown hook has run). */
  readonly departing: boolean;
  readonly units: PeerUnit[];
  readonly appData: Bag<typeof PEER_APP_SCHEMA>;
  /** The client relations, for the leader. */
  readonly clients: ClientView | undefined;
  readonly files: ServerFiles | undefined;
  /** Where the move to TLS stands (peer app data, after the leader's decision). */
  readonly tlsPhase: TlsPhase | undefined;
  /** The ZooKeeper version every server should run (peer app data, after the leader's decision). */
  readonly targetVersion: string | undefined;
}

/** What ZooKeeper said in this pass (observe()). */
interface Observed {
  readonly snapshot: ClusterSnapshot;
  /** How to reach the serving members as administrator; undefined when none serves. */
  readonly admin: Admin | undefined;
  /** This unit's service runs. */
  readonly running: boolean;
}

/** Where a server with TLS finds its key and trust stores. */
const TLS_STORES = { keyStore: TLS_PATHS.keyStore.path, trustStore: TLS_PATHS.trustStore.path } as const;

/** The highest ZooKeeper server id (myid). */
const MAX_SERVER_ID = 255;
/** Passes one leader hook may take after making progress (see reconcile()). */
const MAX_PASSES = 8;
/**
 * How long one hook keeps observing again while it waits for something that causes no hook: a
 * server coming up, an election, a member finishing its sync (see reconcile()).
 */
const TRANSIENT_WAIT_MS = 60_000;
const TRANSIENT_POLL_MS = 1_000;

export class ClusterManager {
  private readonly model;
  private readonly log;
  private pass = new Pass();
  private credentials: Credentials | undefined;
  private state: LocalState = {};

  private readonly host: Machine;
  private readonly ensemble: Ensemble;
  private readonly clock: Clock;

  constructor(
    private readonly hook: Hook,
    private readonly ports: Ports,
    /** This unit's certificate, as the certificates relation stands (tls-requirer.ts). */
    private readonly tls: TlsView = { related: false, certificate: undefined },
  ) {
    this.model = hook.model;
    this.log = hook.log;
    this.host = ports.machine;
    this.ensemble = ports.ensemble;
    this.clock = ports.clock;
  }

  private get self(): string {
    return this.model.unitName;
  }

  /**
   * The address this unit's server binds and announces (chooseUnitAddress), asked of Juju when it may
   * have changed (Juju runs config-changed when a machine's addresses change) and otherwise
   * remembered. A binding without an IPv4 address blocks the unit with the reason.
   */
  private address(): string | undefined {
    const refresh = ["install", "config-changed", "leader-elected", "upgrade-charm", "start"];
    if (this.state.address && !refresh.includes(this.hook.context.kind)) return this.state.address;
    const info = this.hook.tools.networkGet(PEER_ENDPOINT);
    const choice = chooseUnitAddress(
      info.ingressAddresses,
      info.bindAddresses.flatMap((device) => device.addresses.map((entry) => entry.value)),
    );
    if ("problem" in choice) this.pass.report(blocked(choice.problem));
    const address = "address" in choice ? choice.address : undefined;
    this.state = { ...this.state, address };
    return address;
  }

  /**
   * Whether this unit is leaving. Juju says a unit is going away only through its teardown hooks:
   * storage-detaching, relation-departed naming itself, stop and remove. The first of them writes a
   * marker file, so any hook that runs in between (an action, a secret hook) does not start the
   * server again.
   */
  private markIfLeaving(): boolean {
    const { kind, relation } = this.hook.context;
    const teardown =
      kind === "stop" ||
      kind === "remove" ||
      kind === "storage-detaching" ||
      (kind === "relation-departed" &&
        relation?.endpoint === PEER_ENDPOINT &&
        relation.departingUnit === this.self);
    if (teardown) {
      this.host.write({ ...MANAGED_FILES.myid, path: DEPARTING_MARKER_PATH, mode: 0o600 }, `${kind}\n`);
      return true;
    }
    return this.host.exists(DEPARTING_MARKER_PATH);
  }

  private admin(
    units: readonly PeerUnit[],
    probes: ClusterSnapshot["probes"],
    credentials: Credentials,
  ): Admin | undefined {
    const hosts = units
      .filter((unit) => unit.address !== undefined && probes.get(unit.name)?.serving)
      .map((unit) => `${unit.address}:${PORTS.client}`);
    return hosts.length === 0 ? undefined : { hosts, auth: adminIdentities(credentials) };
  }

  /**
   * Juju leader: the credentials every server should run. Keeps one user per served client relation,
   * and moves password rotations forward once every started server runs the current phase.
   */
  private leadCredentials(
    peers: Relation,
    credentials: Credentials,
    phase: SyncRotationPhase | undefined,
    units: readonly PeerUnit[],
    clients: ClientView,
  ): { credentials: Credentials; phase: SyncRotationPhase | undefined } {
    const running = units.filter((unit) => unit.started && !unit.dying).map((unit) => unit.credentials);
    const plan = planCredentials(credentials, phase, clientPasswords(credentials, clients), running);
    if (plan.changed) storeCredentials(this.model, peers, plan.credentials);
    if (plan.phase !== phase) this.log.info({ from: phase, to: plan.phase }, "sync password rotation");
    if (plan.progressed) this.pass.progressed = true;
    peers.setLocalAppData(PEER_APP_SCHEMA, {
      "sync-rotation": plan.phase ?? null,
      credentials: credentialsFingerprint(plan.credentials, plan.phase),
    });
    return { credentials: plan.credentials, phase: plan.phase };
  }

  /** Juju leader: the next step of the move to TLS or back (tls-phase.ts). */
  private leadTls(
    peers: Relation,
    current: TlsPhase | undefined,
    units: readonly PeerUnit[],
  ): TlsPhase | undefined {
    const next = nextTlsPhase(current, this.tls.related, units);
    if (next !== current) {
      this.log.info({ from: current ?? "off", to: next ?? "off" }, "TLS: next step");
      peers.setLocalAppData(PEER_APP_SCHEMA, { tls: next ?? null });
      this.pass.progressed = true;
    }
    return next;
  }

  /**
   * Juju leader: the ZooKeeper version the ensemble runs. The first leader records its own installed
   * one; after a refresh to a revision that no longer runs it on this base, the newest supported
   * version apt offers (zookeeper-versions.ts). `upgrade-zookeeper` sets it otherwise.
   */
  private leadVersion(
    peers: Relation,
    current: string | undefined,
    units: readonly PeerUnit[],
  ): string | undefined {
    let target = current ?? this.firstTarget(units);
    if (target === undefined) return undefined;
    const base = baseOf(this.host.read(OS_RELEASE_PATH));
    // apt is asked only after a refresh; whether the version is supported, in every leader pass, so
    // the application says so for as long as it is not.
    if (this.hook.context.kind === "upgrade-charm") {
      const available = installableVersions((name) => this.host.availableVersions(name));
      const required = requiredTarget(target, base, available);
      if (required) {
        this.log.info({ from: target, to: required }, "this revision needs a newer ZooKeeper");
        target = required;
      }
    }
    const problem = unsupportedProblem(target, base);
    if (problem) this.pass.reportApp(blocked(`${problem}: run upgrade-zookeeper with a supported version`));
    if (target !== current) peers.setLocalAppData(PEER_APP_SCHEMA, { "zookeeper-version": target });
    return target;
  }

  /**
   * The version to record when none is (a new application, or one refreshed from a revision that did
   * not record it): the newest version the started servers run, once each has said which (a revision
   * before this one says so at its first reconcile after the refresh), so no server goes back; with
   * no server started yet, the leader's installed one.
   */
  private firstTarget(units: readonly PeerUnit[]): string | undefined {
    const started = units.filter((unit) => unit.started && !unit.dying);
    if (started.length === 0) return this.state.packageVersion;
    if (started.some((unit) => unit.runningVersion === undefined)) return undefined;
    return started
      .map((unit) => unit.runningVersion!)
      .sort(compareDebianVersions)
      .at(-1);
  }

  /**
   * Runs reconcile passes: normally one. Each pass observes afresh, so every step is verified before
   * the next, as across hooks. Another pass runs when
   * - the Juju leader's own step is the last of a chain nobody else will wake it for: it restarted
   *   its own server, moved a password rotation to its next phase, or added a member while another
   *   joiner is ready (up to MAX_PASSES);
   * - the pass waits for something that causes no hook on this unit: its own server coming up or
   *   rejoining, an election after a peer's restart, a joiner finishing its sync, a reconfig refused
   *   for now. The hook observes again every second for up to TRANSIENT_WAIT_MS rather than leave a
   *   status that will stop being true with nobody to correct it (update-status may be an hour away).
   *   These waits are for the workload only, never for another unit's hook, so they cannot deadlock.
   */
  async reconcile(): Promise<void> {
    this.state = loadLocalState(this.host);
    if (this.hook.context.kind === "update-status" && (await this.stillSettled())) {
      this.recordHealth({ serving: true, voting: true, answering: true });
      return;
    }
    this.settled = undefined;
    // The metrics service's health event (src/metrics/health-watch.ts) reports what it sees at once:
    // if that was a blip, the service sees the record differ from the server's health and wakes the
    // charm again.
    // An action returns at once: the roll it starts is carried by the hooks of the other units.
    const quick = this.hook.context.kind === "custom" || this.hook.context.kind === "action";
    const waitUntil = this.clock.now() + (quick ? 0 : TRANSIENT_WAIT_MS);
    try {
      for (let passes = 0; ; ) {
        this.pass = new Pass();
        await this.reconcileOnce();
        if (this.pass.progressed && this.model.isLeader && passes < MAX_PASSES) {
          passes += 1;
          this.log.debug({ pass: passes }, "leader made progress; observing again");
        } else if (
          this.pass.transient !== undefined &&
          !this.pass.needsOperator &&
          this.clock.now() < waitUntil
        ) {
          this.log.debug({ reason: this.pass.transient }, "waiting for the workload; observing again");
          await this.clock.sleep(TRANSIENT_POLL_MS);
        } else break;
      }
    } catch (error) {
      // A refusal no retry will change blocks the unit with its reason and ends the hook cleanly;
      // anything else is reported too, and the hook fails so that Juju retries it.
      const failure = classifyFailure("the reconcile", error);
      this.pass.report(failure.status);
      if (!failure.permanent) {
        for (const status of this.pass.statuses) this.hook.report(status);
        // What this hook changed on the machine (an installed package) is true whatever Juju does
        // with the hook's relation data.
        saveLocalState(this.host, { ...this.state, settled: undefined });
        throw error;
      }
      this.log.warn({ error: String(error) }, "reconcile refused");
    }
    const { statuses, appStatuses } = this.pass;
    for (const status of statuses) this.hook.report(status);
    for (const status of appStatuses) this.hook.reportApp(status);
    const inOrder = statuses.length > 0 && statuses.every((status) => status.name === "active");
    this.state = { ...this.state, settled: inOrder ? this.settled : undefined };
    saveLocalState(this.host, this.state);
    this.recordHealth(this.pass.health);
  }

  /**
   * What the charm saw of its server, for the metrics service: it wakes the charm whenever ZooKeeper's
   * health differs from this record (src/metrics/health-watch.ts), so a report made during a blip is
   * corrected once the blip is over.
   */
  private recordHealth(health: Pass["health"]): void {
    if (health === undefined) return;
    try {
      this.host.write(METRICS_FILES.reportedHealth, `${JSON.stringify(health)}\n`);
    } catch (error) {
      this.log.warn({ error: String(error) }, "could not record the reported health");
    }
  }

  /**
   * update-status on a settled ensemble: no databag, config or secret has changed since the last full
   * reconcile (each change would have run one), so only the workload is checked: leadership is the
   * same, every member serves, and this server's view of the membership is the settled one. Anything
   * else runs the full reconcile. The status already set stays (no status-set call).
   */
  private async stillSettled(): Promise<boolean> {
    const settled = this.state.settled;
    if (!settled || this.model.isLeader !== settled.leader) return false;
    const self = settled.members.find((member) => member.name === this.self);
    if (!self) return false;
    // Its own server answering srvr proves it runs; the leader also watches every other member.
    const watched = settled.leader ? settled.members : [self];
    const [probes, membership] = await Promise.all([
      probeAll(this.ensemble, new Map(watched.map((member) => [member.name, member.address]))),
      this.ensemble.localMembership(self.address),
    ]);
    if (![...probes.values()].every((probe) => probe.serving)) return false;
    const seen = membership?.servers.map((server) => `${server.id}=${server.address}:${server.role}`).sort();
    const expected = settled.members.map((member) => `${member.id}=${member.address}:participant`).sort();
    return JSON.stringify(seen) === JSON.stringify(expected);
  }

  /** The package hold was asserted in this hook. */
  private held = false;

  /** What this pass would record as settled, if its statuses all say active. */
  private settled: SettledEnsemble | undefined;

  /**
   * One pass: prepare (the package, the peer relation, this unit's address, the credentials and the
   * server files they make), observe (every server's srvr and the committed membership, as one
   * snapshot), then lead (Juju leader only: bootstrap choice, one membership step, restart turns,
   * clients) and run this unit's own server (planServer). A departing unit only leaves.
   */
  private async reconcileOnce(): Promise<void> {
    const prepared = this.prepare();
    if (!prepared) return;
    if (!prepared.departing) {
      try {
        this.serveMetrics(prepared);
      } catch (error) {
        // Metrics never stop the ensemble's management: the next hook tries again.
        this.log.warn({ error: String(error) }, "could not set up the metrics service");
      }
    }
    const seen = await this.observe(prepared);
    if (prepared.departing) {
      await leave(this.pass, {
        self: this.self,
        kind: this.hook.context.kind,
        snapshot: seen.snapshot,
        admin: seen.admin,
        ports: this.ports,
        log: this.log,
      });
      return;
    }
    // What it saw of its own server, unless running it says more (recordHealth()).
    this.pass.health = ownHealth(seen.snapshot, this.self, seen.running);
    const current = this.model.isLeader ? await this.leadPass(prepared, seen) : seen.snapshot;
    const server = new UnitServer(this.hook, this.ports, this.pass, this.state.packageVersion);
    try {
      this.settled = await server.run(prepared, current, seen.running);
    } finally {
      this.state = { ...this.state, packageVersion: server.packageVersion };
    }
  }

  /**
   * The metrics service (src/metrics): written, and (re)started when its files change; and what a
   * COS collector needs to scrape it (cos-agent).
   */
  private serveMetrics(prepared: Prepared): void {
    const charmDir = this.hook.context.charmDir;
    if (!prepared.address || !charmDir) return;
    if (cosAgentMayChange(this.hook)) {
      const assets = this.host.read(`${charmDir}/${COS_ASSETS_PATH}`);
      publishCosAgent(
        this.hook,
        assets === undefined ? undefined : (JSON.parse(assets) as CosAssets),
        `${prepared.address}:${METRICS_PORT}`,
      );
    }
    const input = {
      node: process.execPath,
      charmDir,
      unit: this.self,
      address: prepared.address,
      units: prepared.units.length,
      // The validity of the certificate the server presents (not the key store's path: the service
      // never reads a file holding a key).
      certificate: prepared.tlsPhase ? this.tls.certificate : undefined,
    };
    const unitChanged = this.host.write(METRICS_FILES.systemdUnit, renderMetricsUnit(input));
    this.host.write(METRICS_FILES.settings, renderMetricsSettings(input));
    const kind = this.hook.context.kind;
    // Settings are read on every scrape; the unit file names the address the service binds; a
    // refresh brings a new dist/metrics.js, which only a restart loads.
    if (unitChanged || kind === "upgrade-charm") this.host.runService(METRICS_SERVICE, true);
    else if (kind === "install" || kind === "start") this.host.runService(METRICS_SERVICE, false);
  }

  /** What a pass works from before asking ZooKeeper anything; undefined when it cannot go on (reported). */
  private prepare(): Prepared | undefined {
    const { hook, host } = this;
    const parsed = this.model.config(CHARM_CONFIG_SPEC);
    const config = parsed.ok ? parsed.values : undefined;
    if (!parsed.ok) {
      this.pass.report(
        blocked(`invalid config: ${parsed.problems.map((problem) => problem.message).join("; ")}`),
      );
    }
    if (this.state.packageVersion === undefined) {
      let version = host.packageVersion("zookeeper");
      if (version === undefined) {
        if (hook.context.kind === "remove" || hook.context.kind === "stop") return undefined;
        this.pass.report(maintenance("installing ZooKeeper"));
        host.installPackages(["zookeeper"]);
        version = host.packageVersion("zookeeper");
      }
      // Held: the ZooKeeper version is the charm's decision, not unattended-upgrades' (which would
      // replace the jars under a running server).
      host.holdPackages(ZOOKEEPER_PACKAGES);
      this.state = { ...this.state, packageVersion: version };
    } else if (hook.context.kind === "upgrade-charm" && !this.held) {
      // Revisions before the hold did not hold it (once per hook, not per pass); nor did they keep
      // the installed version up to date.
      host.holdPackages(ZOOKEEPER_PACKAGES);
      this.held = true;
      this.state = { ...this.state, packageVersion: host.packageVersion(ZOOKEEPER_PACKAGES[0]) };
    }
    const peers = this.model.peerRelation(PEER_ENDPOINT, this.state.peerRelationId);
    if (!peers) {
      this.pass.report(waiting("waiting for the cluster peer relation"));
      return undefined;
    }
    if (peers.id !== this.state.peerRelationId) this.state = { ...this.state, peerRelationId: peers.id };
    if (serverIdOf(this.self) > MAX_SERVER_ID) {
      // zookeeperAdmin: a server id (myid) is between 1 and 255; unit numbers are never reused.
      this.pass.report(
        blocked(
          `unit number too high for a ZooKeeper server id (max ${MAX_SERVER_ID - 1}): remove this unit`,
        ),
      );
      return undefined;
    }
    const address = this.address();
    if (address !== undefined) peers.setLocalUnitData(PEER_UNIT_SCHEMA, { address });
    let credentials = this.credentials ?? ensureCredentials(this.model, peers);
    if (!credentials) {
      this.pass.report(waiting("waiting for the leader to create the cluster passwords"));
      return undefined;
    }
    const departing = this.markIfLeaving();
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, {
      "tls-certificate": this.tls.certificate?.fingerprint ?? null,
    });
    const units = readPeerUnits(peers, this.self, address, departing);
    const appData = peers.localAppData(PEER_APP_SCHEMA).data;
    let phase = appData["sync-rotation"];
    const clients = this.model.isLeader && !departing ? readClients(hook) : undefined;
    if (clients) ({ credentials, phase } = this.leadCredentials(peers, credentials, phase, units, clients));
    // Juju shows this hook's own secret changes only after it commits: later passes use these.
    this.credentials = credentials;
    const tlsPhase =
      this.model.isLeader && !departing ? this.leadTls(peers, appData.tls, units) : appData.tls;
    const targetVersion =
      this.model.isLeader && !departing
        ? this.leadVersion(peers, appData["zookeeper-version"], units)
        : appData["zookeeper-version"];
    const tls =
      tlsPhase && this.tls.certificate && address ? { phase: tlsPhase, address, ...TLS_STORES } : undefined;
    if (tlsPhase && !tls)
      this.pass.report(waiting("waiting for this unit's TLS certificate (the ensemble runs TLS)"));
    const files =
      config && address && (tls || !tlsPhase)
        ? {
            ...serverFiles(config, credentials, phase, tls),
            certificate: tls && this.tls.certificate?.fingerprint,
          }
        : undefined;
    return {
      config,
      peers,
      address,
      credentials,
      phase,
      departing,
      units,
      appData,
      clients,
      files,
      tlsPhase,
      targetVersion,
    };
  }

  /** Every server's srvr and the committed membership (from the ZooKeeper leader's conf, else a session). */
  private async observe(prepared: Prepared): Promise<Observed> {
    const { units, credentials, appData, files, targetVersion } = prepared;
    const addresses = new Map(units.filter((unit) => unit.address).map((unit) => [unit.name, unit.address!]));
    const probes = await probeAll(this.ensemble, addresses);
    const running = this.host.serviceActive();
    const admin = this.admin(units, probes, credentials);
    const leaderName = zookeeperLeaderOf(probes);
    const zkLeader = units.find((unit) => unit.name === leaderName);
    let committed: EnsembleConfig | undefined;
    if (zkLeader?.address) committed = await this.ensemble.localMembership(zkLeader.address);
    if (!committed && admin) {
      committed = await committedMembership(this.ensemble, admin).catch((error: unknown) => {
        const failure = classifyFailure("reading the committed membership", error);
        this.log.warn({ error: String(error) }, "could not read the committed membership");
        if (failure.permanent) this.pass.report(failure.status);
        return undefined;
      });
    }
    const snapshot: ClusterSnapshot = {
      ...(this.model.isLeader
        ? markDying(units, committed, () => this.hook.tools.plannedUnits())
        : { units }),
      bootstrapUnit: appData["bootstrap-unit"],
      restartGranted: appData["restart-granted"],
      committed,
      probes,
      desiredConfig: files?.hash,
      targetVersion,
    };
    return { snapshot, admin, running };
  }

  /** Juju leader: its decisions, the application's status and the clients; the snapshot after them. */
  private async leadPass(prepared: Prepared, seen: Observed): Promise<ClusterSnapshot> {
    const { peers, clients, credentials, phase, config, tlsPhase, units } = prepared;
    await lead(this.pass, {
      peers,
      snapshot: seen.snapshot,
      admin: seen.admin,
      ports: this.ports,
      log: this.log,
    });
    const current = { ...seen.snapshot, ...this.leaderUpdates(peers) };
    this.pass.reportApp(applicationStatus(current));
    if (clients && seen.admin && current.committed && config) {
      const served = await serveClients({
        hook: this.hook,
        ensemble: this.ensemble,
        admin: seen.admin,
        peers,
        clients,
        credentials,
        snapshot: current,
        fingerprint: credentialsFingerprint(credentials, phase),
        config,
        // Clients move to the secure port once every server runs TLS only.
        tlsCa:
          tlsPhase === "on" && units.every((unit) => unit.dying || !unit.started || unit.runningTls === "on")
            ? this.tls.certificate?.caChain
            : undefined,
        version: this.state.packageVersion?.replace(/[-+~].*$/, ""),
      });
      for (const status of served.unit) this.pass.report(status);
      for (const status of served.app) this.pass.reportApp(status);
      if (served.transient) this.pass.reportTransient(served.transient);
    }
    return current;
  }

  /** The leader's app-bag state after lead() wrote it. */
  private leaderUpdates(peers: Relation): Pick<ClusterSnapshot, "bootstrapUnit" | "restartGranted"> {
    const data = peers.localAppData(PEER_APP_SCHEMA).data;
    return { bootstrapUnit: data["bootstrap-unit"], restartGranted: data["restart-granted"] };
  }
}
