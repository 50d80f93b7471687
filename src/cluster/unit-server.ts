/**
 * This unit's own ZooKeeper server in one pass: write its files, then do what planServer says —
 * start it (bootstrap, join or resume), rejoin a stranded or reloading non-voter from the committed
 * membership, restart it in its rolling-restart turn, or keep it — each verified by srvr, and
 * report what ZooKeeper says of it.
 */
import type { Hook, Relation } from "../../lib/juju";
import { waiting } from "../../lib/juju";
import { formatServers } from "../../lib/zookeeper/ensemble-config";
import type { Ports, ServerProbe } from "../ports";
import type { CharmConfig } from "../workload";
import { INITIAL_DYNAMIC_CONFIG_PATH, MANAGED_FILES, PORTS, renderMyid, ZOO_CFG_PATH } from "../workload";
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
import { servingStatus, settledEnsemble } from "./statuses";

/** How long a hook waits for a (re)started server to serve before reporting instead. */
const SERVE_TIMEOUT_MS = 90_000;
/** How long a joiner must stay out of the membership, not serving, to count as stranded. */
const STRANDED_CONFIRM_MS = 5_000;

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
    private readonly packageVersion: string | undefined,
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
      `${files.hash} ${files.credentials} ${files.tls} ${files.certificate ?? "-"}\n`,
    );
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, {
      "restart-request": null,
      credentials: files.credentials,
      "running-config": files.hash,
      "running-tls": files.tls,
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
    const restartNeeded =
      (recorded?.hash ?? files.hash) !== files.hash ||
      this.certificateNeedsRestart(recorded?.certificate, files);
    const plan = planServer(current, this.self, {
      running,
      hasRunBefore: () => host.hasRunBefore(),
      restartNeeded,
      config: running ? runningMembership(this.host) : undefined,
    });
    if (plan.kind === "start") {
      await this.start(peers, current, files, address, plan.start);
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
      // With the committed membership known (planRunning needs it), planStart joins.
      await this.start(peers, current, files, address, planStart(current, this.self, false));
      return undefined;
    }
    let restarted: ServerProbe | undefined;
    if (plan.kind === "restart") restarted = await this.restart(peers, files, address);
    else if (plan.kind === "await-turn") {
      peers.setLocalUnitData(PEER_UNIT_SCHEMA, {
        "restart-request": `configuration changed (${files.hash})`,
      });
      this.pass.report(waiting(plan.reason));
    } else this.recordRunning(peers, files);
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
    const [major, minor, patch] = (this.packageVersion ?? "").split(/[.-]/).map(Number);
    const reloads = major !== 3 || minor! > 8 || (minor === 8 && patch! >= 5);
    return !reloads && running !== files.certificate;
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
  ): Promise<void> {
    if (plan.kind === "wait") {
      this.pass.report(waiting(plan.reason));
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
    this.recordRunning(peers, files);
    this.hook.tools.openPort(`${PORTS.client}/tcp`);
    const id = serverIdOf(this.self);
    const probe = await waitUntilServing(this.ports, address, SERVE_TIMEOUT_MS, {
      stillRunning: () => this.host.serviceActive(),
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
      return;
    }
    const version = this.packageVersion;
    if (version) this.hook.tools.applicationVersionSet(version.replace(/[-+~].*$/, ""));
    this.reportServing(
      { ...snapshot, probes: new Map(snapshot.probes).set(this.self, probe) },
      true,
      plan.kind === "join",
    );
  }

  /** Its rolling-restart turn: restart, verify it serves again, record what it runs. */
  private async restart(peers: Relation, files: ServerFiles, address: string): Promise<ServerProbe> {
    peers.setLocalUnitData(PEER_UNIT_SCHEMA, { "restart-request": `configuration changed (${files.hash})` });
    this.log.info("rolling restart: restarting ZooKeeper");
    this.host.restartService();
    const probe = await waitUntilServing(this.ports, address, SERVE_TIMEOUT_MS, {
      stillRunning: () => this.host.serviceActive(),
    });
    if (!probe.serving) {
      this.pass.reportTransient("restarted; waiting for ZooKeeper to serve again");
      return probe;
    }
    this.recordRunning(peers, files);
    // Nobody else wakes the leader for the next turn: the next pass hands it out.
    if (this.leader) this.pass.progressed = true;
    return probe;
  }

  private reportServing(snapshot: ClusterSnapshot, running: boolean, justJoined = false): void {
    const { status, transient } = servingStatus(snapshot, this.self, { running, justJoined });
    if (transient) this.pass.reportTransient(status.message);
    else this.pass.report(status);
  }
}
