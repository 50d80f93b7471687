/**
 * The dynamic ensemble configuration: `/zookeeper/config` text ↔ typed values.
 *
 * Line format (zookeeperReconfig-3.8.0.md "Changes to Configuration Format", notes §3.6):
 *   server.<id>=<addr>:<quorumPort>:<electionPort>[:participant|observer][;[<clientAddr>:]<clientPort>]
 * plus `version=<hex>` in the znode. Since 3.6 several quorum addresses may be joined with `|`.
 * The line order is not stable across reconfigs (notes §3.6, tested), so configs are compared by
 * their parsed values: `servers` is always sorted by id.
 */
import { ParseError } from "./errors";

export type ServerRole = "participant" | "observer";

/** One quorum/election address pair (the part of a server line before `;`). */
export interface QuorumAddress {
  readonly address: string;
  readonly quorumPort: number;
  readonly electionPort: number;
}

export interface ServerSpec extends QuorumAddress {
  readonly id: number;
  readonly role: ServerRole;
  /** Where the client port listens; absent when the line gives only a port (ZooKeeper then binds 0.0.0.0). */
  readonly clientAddress?: string;
  /** Absent when the line has no `;` part (the server then takes it from its static zoo.cfg). */
  readonly clientPort?: number;
  /** Further addresses of a multi-address server (`multiAddress.enabled`, `|`-separated). */
  readonly additionalAddresses?: readonly QuorumAddress[];
}

export interface EnsembleConfig {
  /** The hex after `version=`: the zxid of the reconfig that made this config (notes §3.3). */
  readonly version: bigint;
  /** Sorted by id. */
  readonly servers: readonly ServerSpec[];
}

const SERVER_KEY = /^server\.(\d+)$/;
const PORT_MAX = 65535;

function parseError(detail: string, cause?: unknown): ParseError {
  return new ParseError(detail, { op: "parse config", cause });
}

function parsePort(text: string, what: string, line: string): number {
  if (!/^\d+$/.test(text)) throw parseError(`bad ${what} ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
  const port = Number(text);
  if (port < 1 || port > PORT_MAX) throw parseError(`${what} out of range in ${JSON.stringify(line)}`);
  return port;
}

/** Splits `host:rest` where host may be a bracketed IPv6 literal. Returns the host without brackets. */
function splitHost(text: string, line: string): { host: string; rest: string[] } {
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    if (end < 0) throw parseError(`unterminated IPv6 address in ${JSON.stringify(line)}`);
    const after = text.slice(end + 1);
    if (after !== "" && !after.startsWith(":")) throw parseError(`bad address in ${JSON.stringify(line)}`);
    return { host: text.slice(1, end), rest: after === "" ? [] : after.slice(1).split(":") };
  }
  const [host = "", ...rest] = text.split(":");
  return { host, rest };
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

function parseRole(text: string, line: string): ServerRole {
  if (text === "participant" || text === "observer") return text;
  throw parseError(`unknown role ${JSON.stringify(text)} in ${JSON.stringify(line)}`);
}

/**
 * Parses the value of one `server.N=` entry. `key` is `server.N`; `value` is everything after `=`.
 */
export function parseServerEntry(key: string, value: string): ServerSpec {
  const line = `${key}=${value}`;
  const idMatch = SERVER_KEY.exec(key.trim());
  if (!idMatch?.[1]) throw parseError(`not a server key: ${JSON.stringify(key)}`);
  const id = Number(idMatch[1]);
  if (!Number.isSafeInteger(id) || id < 0) throw parseError(`bad server id in ${JSON.stringify(line)}`);

  const [quorumPart = "", clientPart, ...extra] = value.trim().split(";");
  if (extra.length > 0) throw parseError(`more than one ';' in ${JSON.stringify(line)}`);

  let role: ServerRole | undefined;
  const addresses: QuorumAddress[] = [];
  for (const piece of quorumPart.trim().split("|")) {
    const { host, rest } = splitHost(piece.trim(), line);
    if (!host || rest.length < 2 || rest.length > 3) {
      throw parseError(`expected addr:quorumPort:electionPort[:role] in ${JSON.stringify(line)}`);
    }
    addresses.push({
      address: host,
      quorumPort: parsePort(rest[0] ?? "", "quorum port", line),
      electionPort: parsePort(rest[1] ?? "", "election port", line),
    });
    // With several addresses the role may be written on each or only on the last one.
    if (rest[2] !== undefined) role = parseRole(rest[2], line);
  }
  const [first, ...others] = addresses;
  if (!first) throw parseError(`no address in ${JSON.stringify(line)}`);

  let clientAddress: string | undefined;
  let clientPort: number | undefined;
  if (clientPart !== undefined && clientPart.trim() !== "") {
    const text = clientPart.trim();
    if (/^\d+$/.test(text)) {
      clientPort = parsePort(text, "client port", line);
    } else {
      const { host, rest } = splitHost(text, line);
      if (!host || rest.length !== 1) throw parseError(`bad client address in ${JSON.stringify(line)}`);
      clientAddress = host;
      clientPort = parsePort(rest[0] ?? "", "client port", line);
    }
  }

  return {
    id,
    ...first,
    role: role ?? "participant",
    ...(clientAddress !== undefined ? { clientAddress } : {}),
    ...(clientPort !== undefined ? { clientPort } : {}),
    ...(others.length > 0 ? { additionalAddresses: others } : {}),
  };
}

/** Parses one `server.N=…` line. */
export function parseServerLine(line: string): ServerSpec {
  const eq = line.indexOf("=");
  if (eq < 0) throw parseError(`not a server line: ${JSON.stringify(line)}`);
  return parseServerEntry(line.slice(0, eq), line.slice(eq + 1));
}

/**
 * Parses `/zookeeper/config` (or 4lw `conf` membership, or a dynamic config file when
 * `requireVersion` is false). Lines other than `server.N=` and `version=` (e.g. `group.`/`weight.`
 * of hierarchical quorums) are ignored.
 */
export function parseEnsembleConfig(
  text: string,
  options: { requireVersion?: boolean } = {},
): EnsembleConfig {
  let version: bigint | undefined;
  const servers = new Map<number, ServerSpec>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === "version") {
      if (!/^[0-9a-fA-F]+$/.test(value)) throw parseError(`bad version ${JSON.stringify(value)}`);
      version = BigInt(`0x${value}`);
    } else if (key.startsWith("server.")) {
      const spec = parseServerEntry(key, value);
      if (servers.has(spec.id)) throw parseError(`server.${spec.id} appears twice`);
      servers.set(spec.id, spec);
    }
  }
  if (version === undefined && options.requireVersion !== false) {
    throw parseError(`no version= line in ${JSON.stringify(text)}`);
  }
  return {
    version: version ?? -1n,
    servers: [...servers.values()].sort((a, b) => a.id - b.id),
  };
}

/** `server.N=ip:2888:3888:participant;ip:2181` — the form ZooKeeper itself prints. */
export function formatServer(spec: ServerSpec): string {
  const addresses = [spec, ...(spec.additionalAddresses ?? [])]
    .map((a) => `${formatHost(a.address)}:${a.quorumPort}:${a.electionPort}`)
    .join("|");
  let client = "";
  if (spec.clientPort !== undefined) {
    client =
      spec.clientAddress !== undefined
        ? `;${formatHost(spec.clientAddress)}:${spec.clientPort}`
        : `;${spec.clientPort}`;
  }
  return `server.${spec.id}=${addresses}:${spec.role}${client}`;
}

/** The server lines, one per line, sorted by id — the content of a dynamic config file. */
export function formatServers(servers: readonly ServerSpec[]): string {
  return `${[...servers]
    .sort((a, b) => a.id - b.id)
    .map(formatServer)
    .join("\n")}\n`;
}

/** Server lines plus `version=<hex>`, as `/zookeeper/config` shows them. */
export function formatEnsembleConfig(config: EnsembleConfig): string {
  return `${formatServers(config.servers)}version=${config.version.toString(16)}\n`;
}

/** The voting members. */
export function participants(config: EnsembleConfig): ServerSpec[] {
  return config.servers.filter((s) => s.role === "participant");
}

export function findServer(config: EnsembleConfig, id: number): ServerSpec | undefined {
  return config.servers.find((s) => s.id === id);
}

/**
 * The `ip:port` a client (or a 4lw probe) should use for this server, or undefined when the line has
 * no client port. A wildcard client address means "listens everywhere", so the quorum address is used.
 */
export function clientEndpoint(spec: ServerSpec): string | undefined {
  if (spec.clientPort === undefined) return undefined;
  const wildcard =
    spec.clientAddress === undefined || spec.clientAddress === "0.0.0.0" || spec.clientAddress === "::";
  const host = wildcard ? spec.address : (spec.clientAddress ?? spec.address);
  return `${formatHost(host)}:${spec.clientPort}`;
}

/** Same membership, roles, addresses and ports (version ignored). */
export function sameMembers(a: EnsembleConfig, b: EnsembleConfig): boolean {
  return formatServers(a.servers) === formatServers(b.servers);
}
