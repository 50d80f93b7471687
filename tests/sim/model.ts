/**
 * The emulated controller's model state: plain data, owned by the controller process.
 * Hook contexts read it and, when a hook exits 0, commit their buffered changes into it; unit agents
 * compare the versions below with what each unit has seen to decide which hook runs next.
 */

export interface EndpointDecl {
  readonly interface: string;
  readonly limit?: number;
  readonly optional?: boolean;
}

export interface StorageDecl {
  readonly type: "filesystem" | "block";
  readonly location?: string;
  readonly description?: string;
  readonly "minimum-size"?: string;
  readonly multiple?: { readonly range: string };
}

export interface CharmMeta {
  readonly name: string;
  readonly peers: Readonly<Record<string, EndpointDecl>>;
  readonly provides: Readonly<Record<string, EndpointDecl>>;
  readonly requires: Readonly<Record<string, EndpointDecl>>;
  readonly storage: Readonly<Record<string, StorageDecl>>;
  readonly extraBindings: readonly string[];
}

export type ConfigType = "string" | "int" | "float" | "boolean" | "secret";

export interface ConfigOptionDecl {
  readonly type: ConfigType;
  readonly default?: unknown;
  readonly description?: string;
}

/** One action from actions.yaml: `params` is a JSON-schema `properties` map. */
export interface ActionDecl {
  readonly description?: string;
  readonly params?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
}

export interface Charm {
  /** The unpacked charm directory the controller copies into each unit's agent directory. */
  readonly dir: string;
  readonly meta: CharmMeta;
  readonly config: Readonly<Record<string, ConfigOptionDecl>>;
  readonly actions: Readonly<Record<string, ActionDecl>>;
  /** Bumped by a charm refresh; not used before upgrade-charm exists. */
  readonly revision: number;
}

export interface StatusRecord {
  status: string;
  message: string;
  /** ISO 8601 time of the last status-set (updated even when unchanged). */
  since: string;
  data?: Record<string, unknown>;
}

/** A relation databag with a settings version, bumped by each commit that changes its content. */
export interface Bag {
  data: Record<string, string>;
  version: number;
}

export interface Application {
  readonly name: string;
  charm: Charm;
  /** Values set with `config`; defaults come from the charm. */
  config: Record<string, unknown>;
  /** The leader unit, if any unit holds the lease. */
  leader: string | undefined;
  /** The next unit number; numbers are never reused. */
  nextUnitNumber: number;
  status: StatusRecord | undefined;
  workloadVersion: string;
  /** Legacy leader-get/leader-set settings, with a version for leader-settings-changed. */
  leaderSettings: Bag;
  /** Bumped on every config change that changes the effective config (drives config-changed). */
  configVersion: number;
}

export type Life = "alive" | "dying" | "dead";

export interface Unit {
  readonly name: string;
  readonly app: string;
  readonly number: number;
  readonly machine: string;
  /** The unit's machine address (127.x.y.z): private, public and ingress address. */
  readonly address: string;
  life: Life;
  workloadStatus: StatusRecord;
  agentStatus: StatusRecord;
  /** Controller-side unit state (state-get/state-set). */
  state: Record<string, string>;
  /** Committed open ports, e.g. "2181/tcp", "8000-8010/udp", "icmp". */
  openedPorts: string[];
  /**
   * Committed open ports by endpoint ("" = all endpoints), kept by the hook context next to
   * `openedPorts` for `opened-ports --endpoints`. Absent means `{"": openedPorts}`.
   */
  openedPortRanges?: Record<string, string[]>;
  /** Storage instance ids attached to the unit, e.g. "data/0". */
  storage: string[];
  /** Committed `storage-add` requests not yet acted on by the controller. */
  storageRequests?: { name: string; count: number }[];
  /** True once the charm called status-set at least once (Juju shows "unknown" after start otherwise). */
  statusSetByCharm: boolean;
  /** The controller has lost the unit's agent (its machine's network is cut). */
  agentLost?: boolean;
  /**
   * The revision of the application's charm whose files the unit's agent has deployed; behind the
   * application's after `juju refresh` until the agent swaps them (status shows `upgrading-from`).
   */
  charmRevision?: number;
}

export interface RelationEndpoint {
  readonly app: string;
  readonly endpoint: string;
  readonly role: "peer" | "provider" | "requirer";
}

export interface Relation {
  /** Model-wide id, never reused. */
  readonly id: number;
  readonly interface: string;
  /** One endpoint for a peer relation, two otherwise. */
  readonly endpoints: readonly RelationEndpoint[];
  life: Life;
  /** Application databags by application name. */
  appBags: Record<string, Bag>;
  /** Unit databags by unit name; kept after a unit departs, for the life of the relation. */
  unitBags: Record<string, Bag>;
  /** Units currently in scope (entered and not departed). */
  scope: string[];
}

export interface SecretRevision {
  readonly revision: number;
  readonly content: Readonly<Record<string, string>>;
  readonly created: string;
  /** When this revision expires (`--expire`). */
  expire?: string | undefined;
  /** When its next secret-expired hook is due (the expiry, then every 5 minutes until removed). */
  expireDue?: string | undefined;
}

export interface SecretGrant {
  readonly relationId: number;
  /** An application name, or a unit name when granted to one unit. */
  readonly target: string;
}

export interface SecretConsumer {
  trackedRevision: number;
  label: string | undefined;
}

export interface Secret {
  /** 20-character bare id; printed as `secret:<id>`. */
  readonly id: string;
  /** `application` secrets belong to ownerApp (managed by its leader); `unit` ones to ownerUnit. */
  readonly ownerKind: "application" | "unit";
  readonly ownerApp: string;
  readonly ownerUnit: string | undefined;
  label: string | undefined;
  description: string | undefined;
  expire: string | undefined;
  rotate: string | undefined;
  /** When the owner's next secret-rotate hook is due; undefined without a rotation policy. */
  nextRotate?: string | undefined;
  revisions: SecretRevision[];
  grants: SecretGrant[];
  /** Units that read the secret, with the revision each tracks and its consumer label. */
  consumers: Record<string, SecretConsumer>;
  /** Owner units' tracked revision (owners also track since Juju 3.1.7). */
  ownerTracked: Record<string, number>;
}

export interface StorageInstance {
  /** `<name>/<index>`, model-wide index. */
  readonly id: string;
  readonly name: string;
  readonly kind: "filesystem" | "block";
  /** Mount point inside the unit's machine. */
  readonly location: string;
  /** Directory on the host that backs it. */
  readonly hostDir: string;
  unit: string | undefined;
}

export interface ActionRecord {
  readonly id: string;
  readonly unit: string;
  readonly name: string;
  readonly params: Readonly<Record<string, unknown>>;
  status: "pending" | "running" | "completed" | "failed" | "cancelled";
  message: string;
  /** Set by action-fail (with `message`); the agent reports the action failed when it ends. */
  failed?: boolean;
  results: Record<string, unknown>;
  logs: { message: string; timestamp: string }[];
  enqueued: string;
  started?: string;
  completed?: string;
}

export interface LogRecord {
  readonly time: string;
  readonly unit: string;
  /** juju-log level, or DEBUG/WARNING for a hook's stdout/stderr. */
  readonly level: string;
  /** `unit.<unit>.juju-log`, `unit.<unit>.<hook>` … as Juju names its loggers. */
  readonly logger: string;
  readonly message: string;
}

/** A network device as network-get reports it: addresses in the order the device lists them. */
export interface NetworkDevice {
  readonly interfaceName: string;
  /** The device's real MAC address, when the machine has a network of its own. */
  readonly mac?: string;
  readonly addresses: readonly { readonly value: string; readonly cidr: string }[];
}

export interface Machine {
  readonly id: string;
  readonly address: string;
  /**
   * Devices network-get reports, in device order, when the machine has more than its one address
   * (ControllerOptions.dualStack): Juju lists bind addresses as the machine orders them, so an IPv6
   * address or a second NIC may come first; only ingress-addresses are sorted, IPv4 first.
   */
  readonly devices?: readonly NetworkDevice[];
  /** The host directory that holds this machine's private filesystem layers. */
  readonly dir: string;
}

export interface ModelConfig {
  /** Go duration syntax, e.g. "5m", "10s" (Juju's `update-status-hook-interval`). */
  "update-status-hook-interval": string;
  "automatically-retry-hooks": boolean;
}

export interface Model {
  readonly name: string;
  readonly uuid: string;
  readonly jujuVersion: string;
  applications: Record<string, Application>;
  units: Record<string, Unit>;
  relations: Record<number, Relation>;
  secrets: Record<string, Secret>;
  storage: Record<string, StorageInstance>;
  machines: Record<string, Machine>;
  actions: Record<string, ActionRecord>;
  logs: LogRecord[];
  config: ModelConfig;
  nextRelationId: number;
  nextMachineId: number;
  nextActionId: number;
  nextStorageIndex: Record<string, number>;
  /** How far the secret clock runs ahead of the wall clock (Controller.advanceClock). */
  clockOffsetMs?: number;
}

/** A model with nothing deployed: Juju's defaults for model config, counters at their start. */
export function newModel(name: string, uuid: string, jujuVersion: string): Model {
  return {
    name,
    uuid,
    jujuVersion,
    applications: {},
    units: {},
    relations: {},
    secrets: {},
    storage: {},
    machines: {},
    actions: {},
    logs: [],
    config: { "update-status-hook-interval": "5m", "automatically-retry-hooks": true },
    nextRelationId: 0,
    nextMachineId: 0,
    nextActionId: 1,
    nextStorageIndex: {},
  };
}

export function now(): string {
  return new Date().toISOString();
}

/** The effective config of an application: charm defaults overlaid with set values. */
export function effectiveConfig(app: Application): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(app.charm.config)) {
    if (option.default !== undefined && option.default !== null) config[name] = option.default;
  }
  for (const [name, value] of Object.entries(app.config)) {
    if (value !== undefined && value !== null) config[name] = value;
  }
  return config;
}

/** The local endpoint name of `app` in `relation`. */
export function endpointOf(relation: Relation, app: string): RelationEndpoint | undefined {
  return relation.endpoints.find((endpoint) => endpoint.app === app);
}

/** The application on the other side of `relation` from `app` (itself for a peer relation). */
export function remoteAppOf(relation: Relation, app: string): string | undefined {
  if (relation.endpoints.length === 1) return relation.endpoints[0]?.app === app ? app : undefined;
  return relation.endpoints.find((endpoint) => endpoint.app !== app)?.app;
}

export function isPeer(relation: Relation): boolean {
  return relation.endpoints.length === 1;
}

export function appOfUnit(unit: string): string {
  return unit.slice(0, unit.lastIndexOf("/"));
}
