/**
 * The ClusterManager: every hook's reconcile for the ensemble. It reads the peer relation through
 * the hook tools, observes the ensemble through lib/zookeeper, asks cluster-plan.ts what to do, and
 * applies idempotent writes plus at most one disruptive step (start, restart, one reconfig).
 */
import { createHash } from "node:crypto";
import { active, blocked, type Hook, maintenance, type Relation, waiting } from "../../lib/juju";
import type { EnsembleConfig } from "../../lib/zookeeper";
import { digestCredential } from "../../lib/zookeeper/acl";
import { formatServers } from "../../lib/zookeeper/ensemble-config";
import {
  CHARM_CONFIG_SPEC,
  type CharmConfig,
  CONF_DIR,
  DATA_ROOT,
  INITIAL_DYNAMIC_CONFIG_PATH,
  JAVA_PATH,
  jvmFlags,
  type LogLevel,
  MANAGED_DIRECTORIES,
  MANAGED_FILES,
  mergeZooCfg,
  parseZooCfg,
  QUORUM_USER,
  renderJaas,
  renderLog4jProperties,
  renderMyid,
  renderSystemdUnit,
  renderZooCfg,
  SUPER_USER,
  serverClasspath,
  staticConfigChanges,
  WORKLOAD_GROUP,
  WORKLOAD_USER,
  ZOO_CFG_PATH,
} from "../workload";
import type { Host } from "../workload/host";
import {
  type ClusterSnapshot,
  chooseBootstrapUnit,
  nextReconfig,
  nextRestartGrant,
  type PeerUnit,
  planStart,
  type ServerProbe,
  serverIdOf,
  unitNumber,
} from "./cluster-plan";
import {
  type Admin,
  committedMembership,
  localMembership,
  probeAll,
  reconfigure,
  waitUntilServing,
} from "./ensemble";
import { ensurePasswords, type Passwords } from "./passwords";
import { PEER_APP_SCHEMA, PEER_UNIT_SCHEMA } from "./peer-data";

export const PEER_ENDPOINT = "cluster";
/** Written when this unit starts its teardown (see departing()). */
const DEPARTING_MARKER_PATH = `${CONF_DIR}/.charm-departing`;
/** Where the hash of the configuration the running server was started with is kept. */
const RUNNING_CONFIG_PATH = `${DATA_ROOT}/.charm-running-config`;
/** How long a hook waits for a (re)started server to serve before reporting instead. */
const SERVE_TIMEOUT_MS = 90_000;

interface DesiredFiles {
  readonly zooCfg: string;
  readonly jaas: string;
  readonly log4j: string;
  readonly unit: string;
  /** Hash of everything a running server reads only at start. */
  readonly hash: string;
}

export class ClusterManager {
  private readonly model;
  private readonly log;

  constructor(
    private readonly hook: Hook,
    private readonly host: Host,
  ) {
    this.model = hook.model;
    this.log = hook.log;
  }

  private get self(): string {
    return this.model.unitName;
  }

  /** The address this unit's server binds: the cluster binding's address. */
  private selfAddress(): string | undefined {
    const info = this.hook.tools.networkGet(PEER_ENDPOINT);
    return info.bindAddresses[0]?.addresses[0]?.value ?? info.ingressAddresses[0];
  }

  /**
   * Juju says a unit is going away only through its teardown hooks: relation-departed naming itself,
   * then stop, storage-detaching and remove. The first of them leaves a marker, so any hook that runs
   * in between (an action, a secret hook) does not start the server again.
   */
  private departing(): boolean {
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

  private desiredFiles(config: CharmConfig, address: string, passwords: Passwords): DesiredFiles {
    const zooCfg = renderZooCfg({
      tickTime: config["tick-time"],
      initLimit: config["init-limit"],
      syncLimit: config["sync-limit"],
      autopurgeSnapRetainCount: config["autopurge-snap-retain-count"],
      autopurgePurgeInterval: config["autopurge-purge-interval"],
      unitIp: address,
      superDigest: digestCredential(SUPER_USER, passwords.super).split(":")[1]!,
    });
    const jaas = renderJaas({
      quorumServerUsers: [{ username: QUORUM_USER, password: passwords.sync }],
      quorumLearner: { username: QUORUM_USER, password: passwords.sync },
      serverUsers: [{ username: SUPER_USER, password: passwords.super }],
    });
    const log4j = renderLog4jProperties({ level: config["log-level"] as LogLevel });
    const unit = renderSystemdUnit({
      javaPath: JAVA_PATH,
      jvmFlags: jvmFlags({ heapMb: config["heap-size-mb"] }),
      classpath: serverClasspath(),
      configPath: ZOO_CFG_PATH,
      user: WORKLOAD_USER,
      group: WORKLOAD_GROUP,
    });
    const staticKeys = [...parseZooCfg(zooCfg).entries()]
      .filter(([key]) => key !== "dynamicConfigFile")
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const hash = createHash("sha256")
      .update(JSON.stringify([staticKeys, jaas, log4j, unit]))
      .digest("hex")
      .slice(0, 16);
    return { zooCfg, jaas, log4j, unit, hash };
  }

  /** Writes the files a server reads at start; returns true if the systemd unit changed. */
  private writeFiles(files: DesiredFiles): void {
    for (const directory of Object.values(MANAGED_DIRECTORIES)) this.host.ensureDirectory(directory);
    const current = this.host.read(ZOO_CFG_PATH);
    if (current === undefined || staticConfigChanges(current, files.zooCfg).length > 0) {
      this.host.write(MANAGED_FILES.zooCfg, mergeZooCfg(current, files.zooCfg));
    }
    this.host.write(MANAGED_FILES.jaas, files.jaas);
    this.host.write(MANAGED_FILES.log4jProperties, files.log4j);
    if (this.host.write(MANAGED_FILES.systemdUnit, files.unit)) this.host.daemonReload();
  }

  private peerUnits(peers: Relation, address: string | undefined, departing: boolean): PeerUnit[] {
    const dying = new Set<string>();
    if (this.model.isLeader) {
      const planned = new Set(this.hook.tools.plannedUnits());
      for (const unit of [...peers.units, this.self]) if (!planned.has(unit)) dying.add(unit);
    }
    const units: PeerUnit[] = peers.units.map((name) => {
      const bag = peers.unitData(PEER_UNIT_SCHEMA, name).data;
      return {
        name,
        number: unitNumber(name),
        address: bag.address,
        started: bag.started === true,
        dying: dying.has(name),
        restartRequest: bag["restart-request"],
      };
    });
    const own = peers.localUnitData(PEER_UNIT_SCHEMA).data;
    units.push({
      name: this.self,
      number: unitNumber(this.self),
      address,
      started: own.started === true,
      dying: departing || dying.has(this.self),
      restartRequest: own["restart-request"],
    });
    return units.sort((a, b) => a.number - b.number);
  }

  private admin(
    units: readonly PeerUnit[],
    probes: ClusterSnapshot["probes"],
    passwords: Passwords,
  ): Admin | undefined {
    const hosts = units
      .filter((unit) => unit.address !== undefined && probes.get(unit.name)?.serving)
      .map((unit) => `${unit.address}:2181`);
    return hosts.length === 0
      ? undefined
      : { hosts, auth: { username: SUPER_USER, password: passwords.super } };
  }

  async reconcile(): Promise<void> {
    const { hook, host } = this;
    const parsed = this.model.config(CHARM_CONFIG_SPEC);
    const config = parsed.ok ? parsed.values : undefined;
    if (!parsed.ok)
      hook.report(blocked(`invalid config: ${parsed.problems.map((problem) => problem.message).join("; ")}`));

    if (host.packageVersion("zookeeper") === undefined) {
      if (hook.context.kind === "remove" || hook.context.kind === "stop") return;
      hook.report(maintenance("installing ZooKeeper"));
      host.installPackages(["zookeeper"]);
    }

    const peers = this.model.relation(PEER_ENDPOINT);
    if (!peers) {
      hook.report(waiting("waiting for the cluster peer relation"));
      return;
    }
    const address = this.selfAddress();
    if (address !== undefined) peers.setLocalUnitData(PEER_UNIT_SCHEMA, { address });
    const passwords = ensurePasswords(this.model, peers);
    if (!passwords) {
      hook.report(waiting("waiting for the leader to create the cluster passwords"));
      return;
    }
    const departing = this.departing();
    const files = config && address ? this.desiredFiles(config, address, passwords) : undefined;
    if (files && !departing) this.writeFiles(files);

    const units = this.peerUnits(peers, address, departing);
    const addresses = new Map(units.filter((unit) => unit.address).map((unit) => [unit.name, unit.address!]));
    const probes = await probeAll(addresses);
    const running = host.serviceActive();
    const appData = peers.localAppData(PEER_APP_SCHEMA).data;
    const admin = this.admin(units, probes, passwords);
    let committed: EnsembleConfig | undefined;
    if (admin && (this.model.isLeader || !running || departing)) {
      committed = await committedMembership(admin).catch((error: unknown) => {
        this.log.warn({ error: String(error) }, "could not read the committed membership");
        return undefined;
      });
    } else if (address && probes.get(this.self)?.serving) {
      committed = await localMembership(address);
    }
    const snapshot: ClusterSnapshot = {
      units,
      bootstrapUnit: appData["bootstrap-unit"],
      restartGranted: appData["restart-granted"],
      committed,
      probes,
    };

    if (departing) {
      await this.leave(snapshot, admin);
      return;
    }

    if (this.model.isLeader) await this.lead(peers, snapshot, admin);
    const current = this.model.isLeader ? { ...snapshot, ...this.leaderUpdates(peers) } : snapshot;

    if (!config || !files || !address) {
      if (!address) hook.report(waiting("waiting for this unit's address"));
      this.reportServing(current, running);
      return;
    }
    if (!running) {
      await this.start(peers, current, files, address);
      return;
    }
    // Also after a hook that started the server failed before its data was committed.
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, { started: true });
    const restarted = await this.restartIfNeeded(peers, current, files, address);
    this.reportServing(
      restarted ? { ...current, probes: new Map(current.probes).set(this.self, restarted) } : current,
      true,
    );
  }

  /** The leader's app-bag state after lead() wrote it. */
  private leaderUpdates(peers: Relation): Pick<ClusterSnapshot, "bootstrapUnit" | "restartGranted"> {
    const data = peers.localAppData(PEER_APP_SCHEMA).data;
    return { bootstrapUnit: data["bootstrap-unit"], restartGranted: data["restart-granted"] };
  }

  /** Juju leader: choose the bootstrap unit, take one membership step, hand out restart turns. */
  private async lead(peers: Relation, snapshot: ClusterSnapshot, admin: Admin | undefined): Promise<void> {
    const bootstrap = chooseBootstrapUnit(snapshot);
    if (bootstrap !== snapshot.bootstrapUnit)
      peers.setLocalAppData(PEER_APP_SCHEMA, { "bootstrap-unit": bootstrap ?? null });

    const step = nextReconfig(snapshot);
    if (step.kind !== "none" && admin) {
      this.log.info(
        { step: step.kind, unit: step.unit, from: step.fromConfig.toString(16) },
        "reconfiguring the ensemble",
      );
      const outcome = await reconfigure(
        admin,
        step.kind === "add"
          ? { joining: step.server, fromConfig: step.fromConfig }
          : { leaving: step.serverId, fromConfig: step.fromConfig },
      );
      if (outcome.applied) {
        peers.setLocalAppData(PEER_APP_SCHEMA, { "ensemble-version": outcome.config.version.toString(16) });
      } else {
        this.log.warn(
          { step: step.kind, unit: step.unit, reason: outcome.reason },
          "reconfig not applied; will retry",
        );
      }
    } else if (step.kind === "none") {
      this.log.debug({ reason: step.reason }, "no membership change");
    }

    const grant = nextRestartGrant(snapshot);
    if (grant.kind === "grant") peers.setLocalAppData(PEER_APP_SCHEMA, { "restart-granted": grant.unit });
    else if (grant.kind === "clear") peers.setLocalAppData(PEER_APP_SCHEMA, { "restart-granted": null });
  }

  /** A departing unit removes itself from the ensemble before its server stops (stop hook). */
  private async leave(snapshot: ClusterSnapshot, admin: Admin | undefined): Promise<void> {
    const id = serverIdOf(this.self);
    const member = snapshot.committed?.servers.some((server) => server.id === id);
    if (member && admin && snapshot.committed) {
      const remaining = snapshot.committed.servers.filter(
        (server) => server.id !== id && server.role === "participant",
      );
      if (remaining.length > 0) {
        const outcome = await reconfigure(admin, { leaving: id, fromConfig: snapshot.committed.version });
        this.log.info(
          { applied: outcome.applied, reason: outcome.applied ? undefined : outcome.reason },
          "left the ensemble",
        );
      }
    }
    if (this.hook.context.kind === "stop") {
      if (this.host.serviceActive()) this.host.stopService();
      this.hook.report(maintenance("ZooKeeper stopped; data kept on the data storage"));
      return;
    }
    this.hook.report(maintenance("leaving the ensemble"));
  }

  private async start(
    peers: Relation,
    snapshot: ClusterSnapshot,
    files: DesiredFiles,
    address: string,
  ): Promise<void> {
    const plan = planStart(snapshot, this.self, this.host.hasRunBefore());
    if (plan.kind === "wait") {
      this.hook.report(waiting(plan.reason));
      return;
    }
    if (plan.kind !== "resume") {
      // A fresh start (or a rejoin after removal): ZooKeeper must read our initial dynamic file.
      this.host.write(MANAGED_FILES.myid, renderMyid(serverIdOf(this.self)));
      this.host.write(MANAGED_FILES.initialDynamicConfig, formatServers(plan.servers));
      const current = this.host.read(ZOO_CFG_PATH);
      const rewritten = (current ?? files.zooCfg).replace(
        /^dynamicConfigFile=.*$/m,
        `dynamicConfigFile=${INITIAL_DYNAMIC_CONFIG_PATH}`,
      );
      this.host.write(MANAGED_FILES.zooCfg, rewritten);
    }
    this.log.info({ plan: plan.kind }, "starting ZooKeeper");
    this.host.startService();
    this.host.write({ ...MANAGED_FILES.zooCfg, path: RUNNING_CONFIG_PATH, mode: 0o600 }, files.hash);
    this.hook.tools.openPort("2181/tcp");
    const probe = await waitUntilServing(address, SERVE_TIMEOUT_MS, () => this.host.serviceActive());
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, { started: true, "restart-request": null });
    if (!probe.serving) {
      this.hook.report(waiting("ZooKeeper started but is not serving yet"));
      return;
    }
    const version = this.host.packageVersion("zookeeper");
    if (version) this.hook.tools.applicationVersionSet(version.replace(/[-+~].*$/, ""));
    this.reportServing(
      { ...snapshot, probes: new Map(snapshot.probes).set(this.self, probe) },
      true,
      plan.kind === "join",
    );
  }

  private async restartIfNeeded(
    peers: Relation,
    snapshot: ClusterSnapshot,
    files: DesiredFiles,
    address: string,
  ): Promise<ServerProbe | undefined> {
    const running = this.host.read(RUNNING_CONFIG_PATH)?.trim();
    if (running === undefined) {
      this.host.write({ ...MANAGED_FILES.zooCfg, path: RUNNING_CONFIG_PATH, mode: 0o600 }, files.hash);
      return undefined;
    }
    if (running === files.hash) {
      peers.setLocalUnitData(PEER_UNIT_SCHEMA, { "restart-request": null });
      return undefined;
    }
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, { "restart-request": `configuration changed (${files.hash})` });
    const granted = this.model.isLeader ? this.leaderUpdates(peers).restartGranted : snapshot.restartGranted;
    if (granted !== this.self) {
      this.hook.report(
        waiting(
          granted
            ? `restart pending: waiting for ${granted} to restart first`
            : "restart pending: waiting for a turn",
        ),
      );
      return undefined;
    }
    this.log.info("rolling restart: restarting ZooKeeper");
    this.host.restartService();
    const probe = await waitUntilServing(address, SERVE_TIMEOUT_MS, () => this.host.serviceActive());
    if (!probe.serving) {
      this.hook.report(waiting("restarted; waiting for ZooKeeper to serve again"));
      return probe;
    }
    this.host.write({ ...MANAGED_FILES.zooCfg, path: RUNNING_CONFIG_PATH, mode: 0o600 }, files.hash);
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, { "restart-request": null });
    if (this.model.isLeader) {
      // Nobody else wakes the leader for the next turn: hand it out now.
      const units = snapshot.units.map((unit) =>
        unit.name === this.self ? { ...unit, restartRequest: undefined } : unit,
      );
      const probes = new Map(snapshot.probes).set(this.self, probe);
      const grant = nextRestartGrant({ ...snapshot, units, probes, restartGranted: this.self });
      peers.setLocalAppData(PEER_APP_SCHEMA, {
        "restart-granted": grant.kind === "grant" ? grant.unit : null,
      });
    }
    return probe;
  }

  private reportServing(snapshot: ClusterSnapshot, running: boolean, justJoined = false): void {
    const probe = snapshot.probes.get(this.self);
    if (!running) {
      this.hook.report(waiting("ZooKeeper is not running"));
      return;
    }
    if (!probe?.serving) {
      this.hook.report(waiting("ZooKeeper is running but not serving requests (no quorum reachable)"));
      return;
    }
    const member = snapshot.committed?.servers.find((server) => server.id === serverIdOf(this.self));
    if (!snapshot.committed) {
      this.hook.report(active());
      return;
    }
    if (!member) {
      this.hook.report(
        waiting(
          justJoined || snapshot.units.find((unit) => unit.name === this.self)?.started
            ? "synced as a non-voting follower; waiting to be added to the ensemble"
            : "ZooKeeper is running but not a member of the committed ensemble",
        ),
      );
      return;
    }
    if (member.role !== "participant") {
      this.hook.report(waiting(`member of the ensemble as ${member.role}; waiting to become a participant`));
      return;
    }
    this.hook.report(active());
  }
}
