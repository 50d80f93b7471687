/**
 * open-port, close-port, opened-ports, network-get, unit-get
 * (J:…/jujuc/ports.go, opened-ports.go, network-get.go, unit-get.go;
 * runner/context/ports.go portRangeChangeRecorder; core/network/portrange.go).
 *
 * opened-ports merges this hook's pending open/close requests into the committed ranges: Juju
 * does so since PR #15246 ("Fix opened-ports return, merge with pending open/close port ranges",
 * 2023, in 3.1+), although the tool's help text still says otherwise.
 */
import type { NetworkDevice, Unit } from "../model";
import {
  type CommandBody,
  checkEmpty,
  fail,
  Output,
  type RunContext,
  relationIdFlag,
  type ToolDef,
} from "./command";
import { goAtoi } from "./flags";
import { DEFAULT_FORMATTERS, GoStruct, type GoValue, goQuote, StringSlice, sortGoStrings } from "./go-value";
import type { HookSession, PortRange } from "./session";

// --- port ranges ------------------------------------------------------------------------------

export function portRangeString(range: PortRange): string {
  if (range.protocol === "icmp") return "icmp";
  return range.from === range.to
    ? `${range.from}/${range.protocol}`
    : `${range.from}-${range.to}/${range.protocol}`;
}

/** network.ParsePortRange (including Validate). */
export function parsePortRange(input: string): PortRange {
  let protocol = "tcp";
  let body = input;
  const slash = input.indexOf("/");
  if (slash >= 0) {
    body = input.slice(0, slash);
    protocol = input.slice(slash + 1);
  }
  const parts = body.split("-");
  if (parts.length > 2) fail(`invalid port range ${goQuote(body)}`);
  const atoi = (text: string, quoted: string): number => {
    try {
      return goAtoi(text);
    } catch (error) {
      return fail(`invalid port ${goQuote(quoted)}: ${(error as Error).message}`);
    }
  };
  let from: number;
  let to: number;
  if (parts.length === 1) {
    if (parts[0] === "icmp") {
      from = -1;
      to = -1;
    } else {
      from = atoi(parts[0] as string, body);
      to = from;
    }
  } else {
    from = atoi(parts[0] as string, parts[0] as string);
    to = atoi(parts[1] as string, parts[1] as string);
  }
  if (from === -1) protocol = "icmp";
  const range: PortRange = { from, to, protocol };
  const proto = protocol.toLowerCase();
  if (proto !== "tcp" && proto !== "udp" && proto !== "icmp") {
    fail(`invalid protocol ${goQuote(proto)}, expected "tcp", "udp", or "icmp"`);
  }
  if (proto === "icmp") {
    if (from === to && from === -1) return range;
    fail(`protocol "icmp" doesn't support any ports; got "${from}"`);
  }
  if (from > to) fail(`invalid port range ${portRangeString(range)}`);
  if (from < 0 || from > 65535 || to < 0 || to > 65535) {
    fail(`port range bounds must be between 0 and 65535, got ${from}-${to}`);
  }
  return range;
}

function sameRange(a: PortRange, b: PortRange): boolean {
  return a.from === b.from && a.to === b.to && a.protocol === b.protocol;
}

function conflicts(a: PortRange, b: PortRange): boolean {
  return a.protocol === b.protocol && a.to >= b.from && b.to >= a.from;
}

function compareRanges(a: PortRange, b: PortRange): number {
  if (a.protocol !== b.protocol) return a.protocol < b.protocol ? -1 : 1;
  return a.from - b.from || a.to - b.to;
}

type Grouped = Map<string, PortRange[]>;

/** The committed port ranges of a unit grouped by endpoint ("" = all endpoints). */
export function committedPortRanges(unit: Unit): Grouped {
  const grouped: Grouped = new Map();
  const byEndpoint = unit.openedPortRanges ?? { "": unit.openedPorts };
  for (const [endpoint, ranges] of Object.entries(byEndpoint)) {
    const parsed = ranges.map((text) => parsePortRange(text));
    if (parsed.length > 0) grouped.set(endpoint, parsed);
  }
  return grouped;
}

function cloneGrouped(grouped: Grouped): Grouped {
  return new Map([...grouped].map(([endpoint, ranges]) => [endpoint, [...ranges]]));
}

/** GroupedPortRanges.MergePendingOpenPortRanges + MergePendingClosePortRanges. */
function mergePending(committed: Grouped, opens: Grouped, closes: Grouped): Grouped {
  const result = cloneGrouped(committed);
  for (const [endpoint, ranges] of opens) {
    for (const range of ranges) {
      const existing = result.get(endpoint) ?? [];
      if (existing.some((item) => sameRange(item, range))) continue;
      result.set(endpoint, [...existing, range]);
    }
  }
  for (const [endpoint, ranges] of closes) {
    for (const range of ranges) {
      const existing = (result.get(endpoint) ?? []).filter((item) => !sameRange(item, range));
      if (existing.length === 0) result.delete(endpoint);
      else result.set(endpoint, existing);
    }
  }
  return result;
}

class AlreadyExists extends Error {}

function checkForConflict(
  session: HookSession,
  endpoint: string,
  incoming: PortRange,
  otherUnit: string,
  otherRanges: Grouped,
  againstPending: boolean,
): void {
  for (const [existingEndpoint, ranges] of otherRanges) {
    for (const existing of ranges) {
      if (!conflicts(incoming, existing)) continue;
      const extra = againstPending ? " requested earlier" : "";
      if (otherUnit !== session.unitName) {
        fail(`port range conflicts with ${portRangeString(existing)} (unit ${goQuote(otherUnit)})${extra}`);
      }
      if (sameRange(incoming, existing)) {
        if (endpoint !== existingEndpoint) continue;
        throw new AlreadyExists();
      }
      fail(`port range conflicts with ${portRangeString(existing)} (unit ${goQuote(otherUnit)})${extra}`);
    }
  }
}

/** Committed ranges of every unit (with any open port) on the session unit's machine. */
function machinePortRanges(session: HookSession): Map<string, Grouped> {
  const machine = session.unit().machine;
  const result = new Map<string, Grouped>();
  for (const unit of Object.values(session.model.units)) {
    if (unit.machine !== machine) continue;
    const grouped = committedPortRanges(unit);
    if (grouped.size > 0) result.set(unit.name, grouped);
  }
  return result;
}

function annotate(
  action: "open" | "close",
  range: PortRange,
  session: HookSession,
  run: () => void,
): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof AlreadyExists) return false;
    return fail(
      `cannot ${action} ${portRangeString(range)} (unit ${goQuote(session.unitName)}): ${(error as Error).message}`,
    );
  }
}

function removeFirst(grouped: Grouped, endpoint: string, range: PortRange): void {
  const ranges = grouped.get(endpoint);
  if (!ranges) return;
  const index = ranges.findIndex((item) => sameRange(item, range));
  if (index >= 0) ranges.splice(index, 1);
}

function openPortRange(session: HookSession, endpoint: string, range: PortRange): void {
  removeFirst(session.pendingClose, endpoint, range);
  const proceed =
    annotate("open", range, session, () =>
      checkForConflict(session, endpoint, range, session.unitName, session.pendingOpen, true),
    ) &&
    annotate("open", range, session, () => {
      for (const [unit, ranges] of machinePortRanges(session)) {
        checkForConflict(session, endpoint, range, unit, ranges, false);
      }
    });
  if (!proceed) return;
  session.pendingOpen.set(endpoint, [...(session.pendingOpen.get(endpoint) ?? []), range]);
}

function closePortRange(session: HookSession, endpoint: string, range: PortRange): void {
  removeFirst(session.pendingOpen, endpoint, range);
  const proceed = annotate("close", range, session, () =>
    checkForConflict(session, endpoint, range, session.unitName, session.pendingClose, true),
  );
  if (!proceed) return;
  const machine = machinePortRanges(session);
  for (const [unit, ranges] of machine) {
    annotate("close", range, session, () => checkForConflict(session, endpoint, range, unit, ranges, false));
  }
  if (machine.size === 0) return;
  session.pendingClose.set(endpoint, [...(session.pendingClose.get(endpoint) ?? []), range]);
}

function portTool(name: "open-port" | "close-port", purpose: string): ToolDef {
  return {
    name,
    args: "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp",
    purpose,
    build(session, flags): CommandBody {
      const format = flags.string(["format"], "deprecated format flag");
      const endpoints = flags.string(
        ["endpoints"],
        "a comma-delimited list of application endpoints to target with this operation",
      );
      let range: PortRange | undefined;
      return {
        init(args) {
          if (args.length === 0) fail("no port or range specified");
          range = parsePortRange((args[0] as string).toLowerCase());
          checkEmpty(args.slice(1));
        },
        run(ctx: RunContext) {
          if (format.value !== "") ctx.stderr += `--format flag deprecated for command ${goQuote(name)}`;
          const target = range as PortRange;
          const op = name === "open-port" ? openPortRange : closePortRange;
          if (endpoints.value === "") {
            op(session, "", target);
            return;
          }
          for (const endpoint of endpoints.value.split(",")) op(session, endpoint.trim(), target);
        },
      };
    },
  };
}

function currentPortRanges(session: HookSession): Grouped {
  return mergePending(committedPortRanges(session.unit()), session.pendingOpen, session.pendingClose);
}

const openedPorts: ToolDef = {
  name: "opened-ports",
  purpose: "List all ports or port ranges opened by the unit.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    const showEndpoints = flags.bool(
      ["endpoints"],
      "display the list of target application endpoints for each port range",
    );
    return {
      init: checkEmpty,
      run(ctx) {
        const grouped = currentPortRanges(session);
        const byRange = new Map<string, { range: PortRange; endpoints: Set<string> }>();
        for (const [endpoint, ranges] of grouped) {
          for (const range of ranges) {
            const key = `${portRangeString(range)}#${range.from}-${range.to}`;
            const entry = byRange.get(key) ?? { range, endpoints: new Set<string>() };
            entry.endpoints.add(endpoint);
            byRange.set(key, entry);
          }
        }
        const entries = [...byRange.values()].sort((a, b) => compareRanges(a.range, b.range));
        const lines = entries.map(({ range, endpoints }) => {
          if (!showEndpoints.value) return portRangeString(range);
          const described = endpoints.has("") ? "*" : sortGoStrings(endpoints).join(", ");
          return `${portRangeString(range)} (${described})`;
        });
        out.write(ctx, new StringSlice(lines));
      },
    };
  },
};

/** Commits pending port changes: the controller re-checks conflicts and endpoint names. */
export function preparePortsCommit(session: HookSession): Array<() => void> {
  if (session.pendingOpen.size === 0 && session.pendingClose.size === 0) return [];
  const meta = session.app().charm.meta;
  const known = new Set([
    ...Object.keys(meta.peers),
    ...Object.keys(meta.provides),
    ...Object.keys(meta.requires),
    ...meta.extraBindings,
    "juju-info",
  ]);
  for (const endpoint of [...session.pendingOpen.keys(), ...session.pendingClose.keys()]) {
    if (endpoint !== "" && !known.has(endpoint)) {
      fail(
        `cannot update opened port ranges: endpoint ${goQuote(endpoint)} not found for unit ${goQuote(session.unitName)}`,
      );
    }
  }
  const next = currentPortRanges(session);
  for (const [unit, ranges] of machinePortRanges(session)) {
    if (unit === session.unitName) continue;
    for (const mine of next.values()) {
      for (const range of mine) {
        for (const theirs of ranges.values()) {
          const clash = theirs.find((other) => conflicts(range, other));
          if (clash) {
            fail(
              `cannot open ${portRangeString(range)} (unit ${goQuote(session.unitName)}): port range conflicts with ${portRangeString(clash)} (unit ${goQuote(unit)})`,
            );
          }
        }
      }
    }
  }
  return [
    () => {
      const unit = session.unit();
      const byEndpoint: Record<string, string[]> = {};
      const all: PortRange[] = [];
      for (const [endpoint, ranges] of next) {
        const sorted = [...ranges].sort(compareRanges);
        if (sorted.length === 0) continue;
        byEndpoint[endpoint] = sorted.map(portRangeString);
        for (const range of sorted) if (!all.some((item) => sameRange(item, range))) all.push(range);
      }
      unit.openedPortRanges = byEndpoint;
      unit.openedPorts = all.sort(compareRanges).map(portRangeString);
    },
  ];
}

// --- network-get / unit-get -----------------------------------------------------------------

interface NetworkInfo {
  /** The machine's devices in device order, each with its MAC and addresses. */
  readonly devices: readonly (NetworkDevice & { readonly mac: string })[];
  /** The unit's address (private, ingress, --bind-address and --primary-address). */
  readonly address: string;
  readonly egress: string[];
  readonly ingress: string[];
}

function networkInfo(session: HookSession): NetworkInfo {
  const address = session.unit().address;
  const octets = address.split(".").map((part) => Number(part));
  const hex = (value: number | undefined): string => ((value ?? 0) & 0xff).toString(16).padStart(2, "0");
  const cidr = octets.length === 4 ? `${octets[0]}.${octets[1]}.${octets[2]}.0/24` : `${address}/32`;
  const devices = session.model.machines[session.unit().machine]?.devices ?? [
    { interfaceName: "eth0", addresses: [{ value: address, cidr }] },
  ];
  const all = devices.flatMap((device) => device.addresses.map((entry) => entry.value));
  return {
    devices: devices.map((device, index) => ({
      ...device,
      mac: device.mac ?? `00:16:3e:${hex(octets[1])}:${hex(octets[2])}:${hex((octets[3] ?? 0) + index)}`,
    })),
    address,
    egress: [`${address}/32`],
    // Juju sorts ingress addresses (IPv4 before IPv6); bind addresses keep device order.
    ingress: [address, ...all.filter((value) => value !== address && !value.includes(":"))].concat(
      all.filter((value) => value.includes(":")),
    ),
  };
}

/** Bindings the uniter's NetworkInfo accepts: relation endpoints, extra-bindings, juju-info. */
function knownBindings(session: HookSession): Set<string> {
  const meta = session.app().charm.meta;
  return new Set([
    ...Object.keys(meta.peers),
    ...Object.keys(meta.provides),
    ...Object.keys(meta.requires),
    ...meta.extraBindings,
    "juju-info",
  ]);
}

const networkGet: ToolDef = {
  name: "network-get",
  args: "<binding-name> [--ingress-address] [--bind-address] [--egress-subnets]",
  purpose: "get network config",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    const primary = flags.bool(["primary-address"], "(deprecated) get the primary address for the binding");
    const bind = flags.bool(
      ["bind-address"],
      "get the address for the binding on which the unit should listen",
    );
    const ingress = flags.bool(["ingress-address"], "get the ingress address for the binding");
    const egress = flags.bool(["egress-subnets"], "get the egress subnets for the binding");
    relationIdFlag(session, flags, "specify a relation by id");
    let binding = "";
    const keys: string[] = [];
    return {
      init(args) {
        if (args.length < 1) fail("no arguments specified");
        binding = args[0] as string;
        if (binding === "") fail("no binding name specified");
        if (bind.value) keys.push("bind-address");
        if (ingress.value) keys.push("ingress-address");
        if (egress.value) keys.push("egress-subnets");
        checkEmpty(args.slice(1));
      },
      run(ctx) {
        if (!knownBindings(session).has(binding))
          fail(`no network config found for binding ${goQuote(binding)}`);
        const info = networkInfo(session);
        if (!primary.value && keys.length === 0) {
          const bindAddresses = info.devices.map(
            (device) =>
              new GoStruct(
                [
                  ["mac-address", device.mac],
                  ["interface-name", device.interfaceName],
                  [
                    "addresses",
                    device.addresses.map(
                      (entry) =>
                        new GoStruct(
                          [
                            ["hostname", ""],
                            ["value", entry.value],
                            ["cidr", entry.cidr],
                            ["address", entry.value],
                          ],
                          new Set(["address"]),
                        ),
                    ),
                  ],
                  ["macaddress", device.mac],
                  ["interfacename", device.interfaceName],
                ],
                new Set(["macaddress", "interfacename"]),
              ),
          );
          out.write(
            ctx,
            new GoStruct([
              ["bind-addresses", bindAddresses],
              ["egress-subnets", new StringSlice(info.egress)],
              ["ingress-addresses", new StringSlice(info.ingress)],
            ]),
          );
          return;
        }
        if (primary.value) {
          if (keys.length > 0) fail("--primary-address must be the only flag specified");
          out.write(ctx, info.address);
          return;
        }
        const values: Record<string, GoValue> = {};
        if (egress.value) values["egress-subnets"] = new StringSlice(info.egress);
        if (ingress.value) values["ingress-address"] = info.ingress[0] ?? info.address;
        // Juju answers with the first address of the first device, in device order.
        if (bind.value) values["bind-address"] = info.devices[0]?.addresses[0]?.value ?? info.address;
        out.write(ctx, keys.length === 1 ? (values[keys[0] as string] as GoValue) : values);
      },
    };
  },
};

const unitGet: ToolDef = {
  name: "unit-get",
  args: "<setting>",
  purpose: "Print public-address or private-address.",
  build(session, flags): CommandBody {
    const out = new Output(flags, "smart", DEFAULT_FORMATTERS);
    return {
      init(args) {
        if (args.length === 0) fail("no setting specified");
        const setting = args[0] as string;
        if (setting !== "private-address" && setting !== "public-address")
          fail(`unknown setting ${goQuote(setting)}`);
        checkEmpty(args.slice(1));
      },
      run(ctx) {
        // Both come from the unit's machine address in the emulator (no separate public network).
        out.write(ctx, session.unit().address);
      },
    };
  },
};

export const NETWORK_TOOLS: readonly ToolDef[] = [
  portTool("open-port", "Register a request to open a port or port range."),
  portTool("close-port", "Register a request to close a port or port range."),
  openedPorts,
  networkGet,
  unitGet,
];
