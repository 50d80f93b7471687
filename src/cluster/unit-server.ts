/**
 * This unit's own ZooKeeper server in one pass: write its files, then do what planServer says —
 * start it (bootstrap, join or resume), rejoin a stranded or reloading non-voter from the committed
 * membership, restart it in its rolling-restart turn, or keep it — each verified by srvr, and
 * report what ZooKeeper says of it.
 */
import type { Hook, Relation } from "../../lib/juju";
import { blocked, maintenance, waiting } from "../../lib/juju";
import { formatServers } from "../../lib/zookeeper/ensemble-config";
import type { Machine, Ports, ServerProbe } from "../ports";
import type { CharmConfig } from "../workload";
import {
  CONF_DIR,
  INITIAL_DYNAMIC_CONFIG_PATH,
  installableVersions,
  MANAGED_FILES,
  PORTS,
  renderMyid,
  servesVersion,
  upstreamVersion,
  ZOO_CFG_PATH,
  ZOOKEEPER_PACKAGES,
} from "../workload";
import { type ClusterSnapshot, planServer, planStart, type StartPlan, serverIdOf } from "./cluster-plan";
import { waitUntilServing } from "./ensemble";
import type { SettledEnsemble } from "./local-state";
import type { Pass } from "./pass";
import { PEER_UNIT_SCHEMA } from "./peer-data";
import {
  RUNNING_CONFIG_PATH,
  runningConfig,
  runningMembership,
  type ServerFiles,
  writeServerFiles,
} from "./server-files";
import { ownHealth, servingStatus, settledEnsemble } from "./statuses";

/** How long a hook waits for a (re)started server to serve before reporting instead. */
const SERVE_TIMEOUT_MS = 90_000;
/** How long a joiner must stay out of the membership, not serving, to count as stranded. */
const STRANDED_CONFIRM_MS = 5_000;

/** A move of this unit's ZooKeeper package between two versions. */
interface Upgrade {
  readonly from: string;
  readonly to: string;
}

/** The version whose install failed on this machine (empty once one succeeds). */
const INSTALL_FAILED_MARKER = {
  path: `${CONF_DIR}/.charm-install-failed`,
  mode: 0o600,
  owner: "root",
  group: "root",
} as const;

function readMarker(host: Machine): string | undefined {
  return host.read(INSTALL_FAILED_MARKER.path)?.trim() || undefined;
}

function packagesAt(version: string): ReadonlyMap<string, string> {
  return new Map(ZOOKEEPER_PACKAGES.map((name) => [name, version]));
}

/** Every committed voter but this unit serves as leader or follower (the pre-check of an upgrade). */
function othersServe(snapshot: ClusterSnapshot, self: string): boolean {
  const committed = snapshot.committed;
  if (!committed) return false;
  const names = new Map(snapshot.units.map((unit) => [serverIdOf(unit.name), unit.name]));
  return committed.servers
    .filter((server) => server.role === "participant" && names.get(server.id) !== self)
    .every((server) => {
      const probe = snapshot.probes.get(names.get(server.id) ?? "");
      return probe?.serving === true && (probe.mode === "leader" || probe.mode === "follower");
    });
}

function failedUpgradeMessage(version: string, problem: string): string {
  return `upgrade to ZooKeeper ${version} failed its check (${problem}); the upgrade roll stopped here: see journalctl -u zookeeper, then upgrade-zookeeper to a working version`;
}

/** What running the server needs from the pass's preparation. */
export interface ServerInput {
  readonly config: CharmConfig | undefined;
  readonly files: ServerFiles | undefined;
  readonly address: string | undefined;
  readonly peers: Relation;
}

export class UnitServer {
  private readonly self: string;
  private readonly leader: boolean;

  constructor(
    private readonly hook: Hook,
    private readonly ports: Ports,
    private readonly pass: Pass,
    /** The installed ZooKeeper package version (it changes when this unit upgrades). */
    public packageVersion: string | undefined,
  ) {
    this.self = hook.model.unitName;
    this.leader = hook.model.isLeader;
  }

  private get host() {
    return this.ports.machine;
  }

  private get log() {
    return this.hook.log;
  }

  /** Records what the server now runs and tells the other units (the leader tracks rotations by it). */
  private recordRunning(peers: Relation, files: ServerFiles): void {
    // The secure client port is open exactly while the server serves it.
    const secure = (tls: string | undefined) => tls !== undefined && tls !== "off" && tls !== "-";
    const before = runningConfig(this.host)?.tls;
    if (secure(files.tls) && !secure(before)) this.hook.tools.openPort(`${PORTS.secureClient}/tcp`);
    if (!secure(files.tls) && secure(before)) this.hook.tools.closePort(`${PORTS.secureClient}/tcp`);
    this.host.write(
      { ...MANAGED_FILES.zooCfg, path: RUNNING_CONFIG_PATH, mode: 0o600 },
      `${files.hash} ${files.credentials} ${files.tls} ${files.certificate ?? "-"} ${this.packageVersion ?? "-"}\n`,
    );
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, {
      "restart-request": null,
      credentials: files.credentials,
      "running-config": files.hash,
      "running-tls": files.tls,
      "zookeeper-version": this.packageVersion ?? null,
    });
  }
  /** This unit's own server: its files, then what planServer says (start, rejoin, restart, wait, keep). */
  async run(
    prepared: ServerInput,
    current: ClusterSnapshot,
    running: boolean,
  ): Promise<SettledEnsemble | undefined> {
    const { host } = this;
    const { config, files, address, peers } = prepared;
    if (!config || !files || !address) {
      if (!address) this.pass.report(waiting("waiting for this unit's address"));
      this.reportServing(current, running);
      return undefined;
    }
    writeServerFiles(this.host, files);
    // Unknown (the charm was upgraded from a revision that did not record it): assume it is current.
    const recorded = runningConfig(this.host);
    const target = current.targetVersion;
    const upgrade: Upgrade | undefined =
      target !== undefined && this.packageVersion !== undefined && this.packageVersion !== target
        ? { from: this.packageVersion, to: target }
        : undefined;
    // Installed at another version than its server was started from: an upgrade whose post-check has
    // not passed (it failed, or the hook ended before it).
    const unverified =
      recorded?.version !== undefined && recorded.version !== "-" && recorded.version !== this.packageVersion;
    const configChanged =
      (recorded?.hash ?? files.hash) !== files.hash ||
      this.certificateNeedsRestart(recorded?.certificate, files);
    const restartNeeded = configChanged || upgrade !== undefined || unverified;
    const plan = planServer(current, this.self, {
      running,
      hasRunBefore: () => host.hasRunBefore(),
      restartNeeded,
      config: running ? runningMembership(this.host) : undefined,
    });
    if (plan.kind === "start") {
      // A server that does not run moves to the target version before it starts (a joiner, or a
      // member whose server is down anyway): it needs no turn.
      if (upgrade && plan.start.kind !== "wait" && !this.installTarget(peers, upgrade)) return undefined;
      const started = await this.start(peers, current, files, address, plan.start);
      if (started) this.reportFailedUpgrade(peers, current.targetVersion, started);
      return undefined;
    }
    // Also after a hook that started the server failed before its data was committed.
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, { started: true });
    if (
      plan.kind === "rejoin" &&
      !(plan.confirm && (await this.servesWithin(address, STRANDED_CONFIRM_MS)))
    ) {
      this.log.info({ reason: plan.reason }, "rejoining the ensemble from the committed membership");
      host.stopService();
      host.forgetMembership();
      if (upgrade && !this.installTarget(peers, upgrade)) return undefined;
      // With the committed membership known (planRunning needs it), planStart joins.
      await this.start(peers, current, files, address, planStart(current, this.self, false));
      return undefined;
    }
    let restarted: ServerProbe | undefined;
    const request = upgrade ? `upgrade to ZooKeeper ${upgrade.to}` : `configuration changed (${files.hash})`;
    if (plan.kind === "restart") {
      peers.setLocalUnitData(PEER_UNIT_SCHEMA, { "restart-request": request });
      restarted = await this.takeTurn(peers, files, address, {
        upgrade,
        restart: configChanged || !unverified,
        target,
        snapshot: current,
      });
    } else if (plan.kind === "await-turn") {
      peers.setLocalUnitData(PEER_UNIT_SCHEMA, { "restart-request": request });
      const granted = current.restartGranted;
      this.pass.report(
        waiting(
          upgrade
            ? `waiting for its turn to upgrade ZooKeeper to ${upgrade.to}${granted ? ` (${granted} first)` : ""}`
            : plan.reason,
        ),
      );
    } else this.recordRunning(peers, files);
    // The turn itself reported a failed upgrade check; otherwise srvr in this pass tells.
    const self = current.probes.get(this.self);
    if (!restarted && self) this.reportFailedUpgrade(peers, current.targetVersion, self);
    const settled = settledEnsemble(current, this.leader);
    this.reportServing(
      restarted ? { ...current, probes: new Map(current.probes).set(this.self, restarted) } : current,
      true,
    );
    return settled;
  }

  /**
   * ZooKeeper 3.8 reloads a renewed certificate for its quorum ports (sslQuorumReloadCertFiles) but
   * not for its client port (client.certReload came with 3.8.5 and 3.9): there it takes a restart, in
   * the rolling-restart turn like any other.
   */
  private certificateNeedsRestart(running: string | undefined, files: ServerFiles): boolean {
    if (files.certificate === undefined || running === undefined || running === "-") return false;
    const [major, minor, patch] = upstreamVersion(this.packageVersion ?? "")
      .split(".")
      .map(Number);
    const reloads = major !== 3 || minor! > 8 || (minor === 8 && patch! >= 5);
    return !reloads && running !== files.certificate;
  }

  /**
   * Whether the server this hook just started still runs: the service is active with the same main
   * process (a JVM that exits and is started again by systemd is failing, not starting).
   */
  private stillRunningSince(): () => boolean {
    const pid = this.host.serviceMainPid();
    return () => this.host.serviceActive() && (pid === undefined || this.host.serviceMainPid() === pid);
  }

  /** A joiner in the middle of its sync looks stranded for a moment: whether it serves within `ms`. */
  private async servesWithin(address: string, ms: number): Promise<boolean> {
    const probe = await waitUntilServing(this.ports, address, ms, {
      stillRunning: () => this.host.serviceActive(),
    });
    return probe.serving;
  }

  private async start(
    peers: Relation,
    snapshot: ClusterSnapshot,
    files: ServerFiles,
    address: string,
    plan: StartPlan,
  ): Promise<ServerProbe | undefined> {
    if (plan.kind === "wait") {
      this.pass.report(waiting(plan.reason));
      return undefined;
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
    const stillRunning = this.stillRunningSince();
    this.recordRunning(peers, files);
    this.hook.tools.openPort(`${PORTS.client}/tcp`);
    const id = serverIdOf(this.self);
    const probe = await waitUntilServing(this.ports, address, SERVE_TIMEOUT_MS, {
      stillRunning,
      // A joiner that learned a newer membership without itself will never serve (planRunning).
      stranded: () =>
        plan.kind === "join" && runningMembership(this.host)?.servers.every((s) => s.id !== id) === true,
      strandedForMs: STRANDED_CONFIRM_MS,
    });
    // `joined-from` changes with every (re)join: it wakes the leader to add this unit.
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, {
      started: true,
      ...(plan.kind === "join" ? { "joined-from": snapshot.committed!.version.toString(16) } : {}),
    });
    if (!probe.serving) {
      this.pass.reportTransient("ZooKeeper started but is not serving yet");
      return probe;
    }
    const version = this.packageVersion;
    if (version) this.hook.tools.applicationVersionSet(upstreamVersion(version));
    this.reportServing(
      { ...snapshot, probes: new Map(snapshot.probes).set(this.self, probe) },
      true,
      plan.kind === "join",
    );
    return probe;
  }

  /**
   * Its rolling-restart turn: restart, or upgrade the package (stop, install the target version, hold
   * it, start), or, after an upgrade whose post-check did not pass, only check again; then verify it
   * serves again — after an upgrade, as a voter reporting the new version — and record what it runs.
   * A failed post-check keeps the turn, so the roll stops here and says so.
   */
  private async takeTurn(
    peers: Relation,
    files: ServerFiles,
    address: string,
    how: {
      readonly upgrade: Upgrade | undefined;
      readonly restart: boolean;
      /** The ensemble's target version (what a check after an earlier upgrade verifies). */
      readonly target: string | undefined;
      readonly snapshot: ClusterSnapshot;
    },
  ): Promise<ServerProbe> {
    const { upgrade } = how;
    if (upgrade) {
      if (!this.fetchTarget(peers, upgrade)) return this.ports.ensemble.probe(address);
      // The grant may be older than this hook: the pre-check is every other voter serving now.
      if (!othersServe(how.snapshot, this.self)) {
        this.pass.reportTransient(`waiting for every other member to serve before upgrading ZooKeeper`);
        return this.ports.ensemble.probe(address);
      }
      this.hook.announce(maintenance(`upgrading ZooKeeper ${upgrade.from} → ${upgrade.to}`));
      this.log.info(upgrade, "upgrading ZooKeeper in this unit's turn");
      this.host.stopService();
      const failure = this.install(upgrade);
      writeServerFiles(this.host, files);
      this.host.startService();
      if (failure) return this.failUpgrade(peers, address, upgrade, failure);
    } else if (how.restart) {
      this.log.info("rolling restart: restarting ZooKeeper");
      this.host.restartService();
    }
    const probe = await waitUntilServing(this.ports, address, SERVE_TIMEOUT_MS, {
      stillRunning: this.stillRunningSince(),
    });
    const recorded = runningConfig(this.host)?.version;
    const checkVersion =
      upgrade !== undefined || (recorded !== undefined && recorded !== this.packageVersion);
    if (checkVersion) {
      const problem = this.postCheckProblem(probe);
      if (problem) {
        const to = upgrade?.to ?? how.target ?? this.packageVersion;
        const from = upgrade?.from ?? recorded;
        if (to !== undefined && from !== undefined)
          return this.failUpgrade(peers, address, { from, to }, problem);
        this.pass.reportForOperator(
          blocked(`ZooKeeper does not pass its check after an upgrade (${problem})`),
        );
        return probe;
      }
      this.log.info({ version: this.packageVersion }, "upgraded: serving and voting with the new version");
    } else if (!probe.serving) {
      this.pass.reportTransient("restarted; waiting for ZooKeeper to serve again");
      return probe;
    }
    this.recordRunning(peers, files);
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, { "upgrade-failed": null });
    const version = this.packageVersion;
    if (checkVersion && version) this.hook.tools.applicationVersionSet(upstreamVersion(version));
    // Nobody else wakes the leader for the next turn: the next pass hands it out.
    if (this.leader) this.pass.progressed = true;
    return probe;
  }

  /** After an upgrade: serving, voting (leader or follower, so synced) and reporting the new version. */
  private postCheckProblem(probe: ServerProbe): string | undefined {
    if (!probe.serving) return "it does not serve";
    if (probe.mode !== "leader" && probe.mode !== "follower")
      return `it serves as ${probe.mode}, not as a voter`;
    if (!servesVersion(probe.version, this.packageVersion ?? "")) {
      return `it reports version ${probe.version ?? "none"}`;
    }
    return undefined;
  }

  /** Records the failed post-check (the leader's status names this unit) and blocks with the cause. */
  private failUpgrade(
    peers: Relation,
    address: string,
    upgrade: Upgrade,
    problem: string,
  ): Promise<ServerProbe> {
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, { "upgrade-failed": upgrade.to });
    this.pass.reportForOperator(blocked(failedUpgradeMessage(upgrade.to, problem)));
    this.log.error(
      { ...upgrade, problem },
      "the ZooKeeper upgrade failed its post-check; the roll stops here",
    );
    return this.ports.ensemble.probe(address);
  }

  /**
   * While this unit's failed upgrade stands — its server not serving the target version — it says
   * so; once the server serves (the operator chose another version), the record goes.
   */
  private reportFailedUpgrade(peers: Relation, target: string | undefined, probe: ServerProbe): void {
    const failed = peers.localUnitData(PEER_UNIT_SCHEMA).data["upgrade-failed"];
    if (failed === undefined) return;
    const problem = this.postCheckProblem(probe);
    if (!problem) peers.setLocalUnitData(PEER_UNIT_SCHEMA, { "upgrade-failed": null });
    else if (failed === target) this.pass.reportForOperator(blocked(failedUpgradeMessage(failed, problem)));
  }

  /**
   * The target's packages, downloaded so the server stops only for the install itself. When apt does
   * not offer them (after one `apt-get update`), or cannot fetch them, the unit is blocked saying so
   * and records the failure (the roll stops here; the operator picks another version). Nothing is
   * stopped, so the next hook simply tries again.
   */
  private fetchTarget(peers: Relation, upgrade: Upgrade): boolean {
    const offered = () => installableVersions((name) => this.host.availableVersions(name));
    let versions = offered();
    if (!versions.includes(upgrade.to)) {
      this.host.refreshPackageLists();
      versions = offered();
    }
    let problem: string | undefined;
    if (!versions.includes(upgrade.to)) {
      problem = `apt offers ${versions.join(", ") || "no version"} here, not ${upgrade.to}`;
    } else if (readMarker(this.host) === upgrade.to) {
      problem = "its install failed before; choose another version";
    } else {
      try {
        this.host.downloadVersions(packagesAt(upgrade.to));
      } catch (error) {
        problem = `apt-get could not download it (${String(error).slice(-200)})`;
      }
    }
    if (problem === undefined) return true;
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, { "upgrade-failed": upgrade.to });
    this.pass.reportForOperator(
      blocked(
        `cannot install ZooKeeper ${upgrade.to}: ${problem}; run upgrade-zookeeper on the leader with a version apt offers`,
      ),
    );
    return false;
  }

  /**
   * Installs the downloaded target (the server is stopped); the error, if dpkg failed. A failed install
   * is remembered (INSTALL_FAILED_PATH) so that it is not retried on every hook, each time stopping
   * the server.
   */
  private install(upgrade: Upgrade): string | undefined {
    try {
      this.host.installVersions(packagesAt(upgrade.to));
      this.host.write(INSTALL_FAILED_MARKER, "");
      return undefined;
    } catch (error) {
      this.log.error({ error: String(error) }, "installing ZooKeeper failed; starting the server again");
      this.host.write(INSTALL_FAILED_MARKER, `${upgrade.to}\n`);
      return `apt-get install failed (${String(error).slice(-200)})`;
    } finally {
      this.packageVersion = this.host.packageVersion(ZOOKEEPER_PACKAGES[0]);
    }
  }

  /** A server that does not run: installs the target version first (blocked when that fails). */
  private installTarget(peers: Relation, upgrade: Upgrade): boolean {
    if (!this.fetchTarget(peers, upgrade)) return false;
    this.log.info(upgrade, "installing the ensemble's ZooKeeper version before starting");
    const failure = this.install(upgrade);
    if (failure === undefined) return true;
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, { "upgrade-failed": upgrade.to });
    this.pass.reportForOperator(blocked(failedUpgradeMessage(upgrade.to, failure)));
    return false;
  }

  private reportServing(snapshot: ClusterSnapshot, running: boolean, justJoined = false): void {
    this.pass.health = ownHealth(snapshot, this.self, running);
    const { status, transient } = servingStatus(snapshot, this.self, { running, justJoined });
    if (transient) this.pass.reportTransient(status.message);
    else this.pass.report(status);
  }
}
