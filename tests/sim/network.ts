/**
 * A network per machine, as a cloud gives each machine its own NIC: a bridge for the model, and for
 * each machine a network namespace whose `eth0` is one end of a veth pair plugged into that bridge,
 * with an address of the model's subnet. Faults are staged with what real networks fail with: the
 * link going down (`cut`), and nftables rules inside a machine dropping traffic to and from chosen
 * peers (`partition`). `tc netem` is not available here.
 *
 * The bridge and its gateway address live in the network namespace the emulator runs in, so that the
 * emulator (and a test's ZooKeeper clients) reach every unit; that namespace must be one of the
 * emulator's own (`scripts/in-netns.sh`, which `npm test` uses), never the machine's real network:
 * `ModelNetwork.create` refuses to run beside any interface it did not make.
 */
import { execFileSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";

/** Interface names the emulator makes: the bridge `zs<hex>` and the veths `zs<hex>-<machine>`. */
const PREFIX = "zs";

function ip(args: readonly string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Runs `nft -f -` with `script` inside the network namespace of process `pid`. */
function nftIn(pid: number, script: string): void {
  execFileSync("nsenter", ["-t", String(pid), "-n", "nft", "-f", "-"], {
    input: script,
    stdio: ["pipe", "ignore", "pipe"],
  });
}

interface Link {
  readonly ifname: string;
  readonly addr_info?: { local: string }[];
}

function links(): Link[] {
  return JSON.parse(ip(["-j", "address", "show"])) as Link[];
}

/**
 * Throws unless this process runs in a network namespace that holds nothing but a loopback and
 * the emulator's own bridges: the emulator never adds an address to the machine's real network.
 */
export function assertPrivateNetworkNamespace(): void {
  const foreign = links()
    .map((link) => link.ifname)
    .filter((name) => name !== "lo" && !name.startsWith(PREFIX));
  if (foreign.length > 0)
    throw new Error(
      `per-unit networks need the emulator in a network namespace of its own (this one has ${foreign.join(", ")}): run it under scripts/in-netns.sh`,
    );
  ip(["link", "set", "lo", "up"]);
}

export class ModelNetwork {
  private constructor(
    readonly bridge: string,
    /** The first three octets, e.g. `10.23.7`. */
    readonly subnet: string,
  ) {}

  /** The emulator's own address on the bridge (the machines' default gateway). */
  get gateway(): string {
    return `${this.subnet}.1`;
  }

  get cidr(): string {
    return `${this.subnet}.0/24`;
  }

  static create(): ModelNetwork {
    assertPrivateNetworkNamespace();
    const used = new Set(
      links().flatMap((link) => (link.addr_info ?? []).map((a) => a.local.split(".").slice(0, 3).join("."))),
    );
    let subnet: string;
    do subnet = `10.${randomInt(64, 250)}.${randomInt(0, 256)}`;
    while (used.has(subnet));
    const bridge = `${PREFIX}${randomBytes(3).toString("hex")}`;
    ip(["link", "add", bridge, "type", "bridge"]);
    ip(["address", "add", `${subnet}.1/24`, "dev", bridge]);
    ip(["link", "set", bridge, "up"]);
    return new ModelNetwork(bridge, subnet);
  }

  /** The address machine `machineId` gets on the bridge. */
  addressOf(machineId: string): string {
    const host = Number(machineId) + 10;
    if (host > 254) throw new Error(`the model network has no address left for machine ${machineId}`);
    return `${this.subnet}.${host}`;
  }

  private veth(machineId: string): string {
    return `${this.bridge}-${machineId}`;
  }

  /**
   * Gives the network namespace of process `pid` (the machine's holder) its `eth0` on the bridge,
   * with the machine's address and a default route through the gateway; returns eth0's MAC address.
   */
  plug(machineId: string, pid: number): string {
    const outside = this.veth(machineId);
    ip(["link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", String(pid)]);
    ip(["link", "set", outside, "master", this.bridge, "up"]);
    const inside = (args: string[]) =>
      execFileSync("nsenter", ["-t", String(pid), "-n", "ip", ...args], {
        stdio: ["ignore", "ignore", "pipe"],
      });
    inside(["link", "set", "lo", "up"]);
    inside(["address", "add", `${this.addressOf(machineId)}/24`, "dev", "eth0"]);
    inside(["link", "set", "eth0", "up"]);
    inside(["route", "add", "default", "via", this.gateway]);
    const [eth0] = JSON.parse(
      execFileSync("nsenter", ["-t", String(pid), "-n", "ip", "-j", "link", "show", "eth0"], {
        encoding: "utf8",
      }),
    ) as { address: string }[];
    return eth0!.address;
  }

  /** Takes machine `machineId`'s link down (as a pulled cable or a failed switch port): nothing passes. */
  cut(machineId: string): void {
    ip(["link", "set", this.veth(machineId), "down"]);
  }

  /** Brings machine `machineId`'s link back up. */
  heal(machineId: string): void {
    ip(["link", "set", this.veth(machineId), "up"]);
  }

  /**
   * Inside the machine whose holder is `pid`, drops every packet to and from `peers` (addresses),
   * leaving its other traffic alone; an empty list lifts the rules.
   */
  static isolateFrom(pid: number, peers: readonly string[]): void {
    const table = "table inet juju-sim-fault";
    const lines = [`add ${table}`, `delete ${table}`];
    if (peers.length > 0) {
      const set = `{ ${peers.join(", ")} }`;
      lines.push(
        `${table} {`,
        `  chain input { type filter hook input priority filter; ip saddr ${set} drop; }`,
        `  chain output { type filter hook output priority filter; ip daddr ${set} drop; }`,
        "}",
      );
    }
    nftIn(pid, `${lines.join("\n")}\n`);
  }

  /** Removes the bridge (the machines' veths go with their namespaces). */
  destroy(): void {
    try {
      ip(["link", "delete", this.bridge]);
    } catch {
      // Already gone.
    }
  }
}
