/**
 * Machines as real as the emulator makes them: reboots, and networks of their own
 * (ControllerOptions.networkPerMachine): each machine's eth0 is
 * on the model's bridge with a 10.x.y.z address, network-get reports that real interface, units
 * reach each other (and hook tools still reach the controller) across namespaces, and the faults
 * the integration tests stage behave as on real machines: a cut link isolates the machine and the
 * controller loses its agent; a partition drops traffic between chosen machines only.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Controller } from "./controller";
import { eventNames, type Harness, isRunning, PROBE, sleep, startModel, until } from "./emulator-harness";
import { formattedStatus } from "./status";

let harness: Harness;
let c: Controller;

beforeAll(async () => {
  harness = await startModel({ networkPerMachine: true });
  c = harness.controller;
  await c.deploy(PROBE, "probe", { numUnits: 3 });
  harness.trackMachines();
  await c.waitFor({ timeoutMs: 60_000 });
});

afterAll(async () => {
  await harness?.teardown();
});

/** Whether `from` reaches `address`:`port` over TCP within a second (bash's /dev/tcp). */
async function reaches(from: string, address: string, port: number): Promise<boolean> {
  const result = await c.exec(from, `timeout 1 bash -c 'exec 3<>/dev/tcp/${address}/${port}' && echo open`);
  return result.stdout.includes("open");
}

/** Starts a TCP listener on `unit`'s machine (its own network) that stays until the model goes. */
async function listen(unit: string, port: number): Promise<void> {
  await c.exec(
    unit,
    `nohup python3 -c 'import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", ${port})); s.listen(64)
while True: s.accept()' >/dev/null 2>&1 &`,
  );
  for (let attempt = 0; attempt < 50 && !(await reaches(unit, "127.0.0.1", port)); attempt += 1)
    await sleep(100);
}

function unitStatus(unit: string): { workload: string; agent: string; message?: string } {
  const status = formattedStatus(c.model) as {
    applications: Record<
      string,
      { units: Record<string, Record<string, { current: string; message?: string }>> }
    >;
  };
  const entry = status.applications.probe!.units[unit]!;
  return {
    workload: entry["workload-status"]!.current,
    agent: entry["juju-status"]!.current,
    message: entry["workload-status"]!.message,
  };
}

describe("a network per machine", () => {
  it("gives each machine its own eth0 on the model's bridge, which network-get reports", async () => {
    const addresses = c.unitsOf("probe").map((unit) => unit.address);
    expect(new Set(addresses).size).toBe(3);
    for (const address of addresses) expect(address.startsWith(`${c.network!.subnet}.`)).toBe(true);
    const unit = c.unitsOf("probe")[1]!;
    const inside = await c.exec(unit.name, "ip -br -4 address show eth0; cat /sys/class/net/eth0/address");
    expect(inside.stdout).toContain(`${unit.address}/24`);
    const mac = inside.stdout.trim().split("\n").at(-1)!;
    const networkGet = await c.exec(unit.name, "network-get peers --format=json");
    const info = JSON.parse(networkGet.stdout) as {
      "bind-addresses": { "interface-name": string; "mac-address": string; addresses: { value: string }[] }[];
    };
    expect(info["bind-addresses"][0]!["interface-name"]).toBe("eth0");
    expect(info["bind-addresses"][0]!["mac-address"]).toBe(mac);
    expect(info["bind-addresses"][0]!.addresses[0]!.value).toBe(unit.address);
    // A machine sees only its own interfaces, not the host's or its neighbours'.
    const links = await c.exec(unit.name, "ls /sys/class/net");
    expect(links.stdout.trim().split("\n").sort()).toEqual(["eth0", "lo"]);
  });

  it("lets units reach each other, and the emulator reach every unit, at their addresses", async () => {
    const [a, b] = c.unitsOf("probe");
    await listen(b!.name, 7400);
    expect(await reaches(a!.name, b!.address, 7400)).toBe(true);
    // Nothing listens on that port on the other machine's own loopback: the namespaces are apart.
    expect(await reaches(a!.name, "127.0.0.1", 7400)).toBe(false);
  });

  it("cuts a machine's link: nothing passes, the agent is lost, its leadership expires; healing undoes it", async () => {
    const leader = c.leader("probe")!;
    const other = c.unitsOf("probe").find((unit) => unit.name !== leader)!;
    const leaderUnit = c.unit(leader);
    await listen(leader, 7401);
    expect(await reaches(other.name, leaderUnit.address, 7401)).toBe(true);

    c.cutNetwork(leader);
    expect(await reaches(other.name, leaderUnit.address, 7401)).toBe(false);
    expect(unitStatus(leader)).toEqual({
      workload: "unknown",
      agent: "lost",
      message: `agent lost, see 'juju show-status-log ${leader}'`,
    });
    const { machines } = formattedStatus(c.model) as {
      machines: Record<string, { "juju-status": { current: string } }>;
    };
    expect(machines[leaderUnit.machine]!["juju-status"].current).toBe("down");
    await until(
      () => c.leader("probe") !== undefined && c.leader("probe") !== leader,
      10_000,
      "a new leader",
    );
    // The emulator's own view of the cut machine is lost too: a TCP connection from here times out.
    const fromHere = await new Promise<boolean>((resolveConnect) => {
      const socket = connect({ host: leaderUnit.address, port: 7401, timeout: 1_000 });
      socket.once("connect", () => resolveConnect(true) ?? socket.destroy());
      socket.once("timeout", () => resolveConnect(false) ?? socket.destroy());
      socket.once("error", () => resolveConnect(false));
    });
    expect(fromHere).toBe(false);

    c.healNetwork(leader);
    expect(await reaches(other.name, leaderUnit.address, 7401)).toBe(true);
    await c.waitFor({ timeoutMs: 30_000 });
    expect(unitStatus(leader).agent).toBe("idle");
  });

  it("partitions machines into sides that cannot reach each other, and heals", async () => {
    const [a, b, d] = c.unitsOf("probe");
    for (const unit of [a!, b!, d!]) await listen(unit.name, 7402);
    c.partition([[a!.name], [b!.name, d!.name]]);
    expect(await reaches(b!.name, a!.address, 7402)).toBe(false);
    expect(await reaches(a!.name, d!.address, 7402)).toBe(false);
    expect(await reaches(b!.name, d!.address, 7402)).toBe(true);
    // Hooks still run on both sides: their agents reach the controller.
    expect((await c.exec(a!.name, "is-leader")).code).toBe(0);
    c.partition([]);
    expect(await reaches(b!.name, a!.address, 7402)).toBe(true);
    expect(await reaches(a!.name, d!.address, 7402)).toBe(true);
  });
});

describe("a machine reboot", () => {
  it("kills every process, empties /tmp, starts enabled services, runs an implicit start hook first", async () => {
    const unit = "probe/2";
    const unitFile =
      "[Unit]\nDescription=sleeper\n[Service]\nExecStart=/bin/sleep 600\n[Install]\nWantedBy=multi-user.target\n";
    await c.exec(
      unit,
      `printf '${unitFile}' > /etc/systemd/system/sleeper.service && systemctl enable --now sleeper`,
    );
    await c.exec(unit, `printf '${unitFile}' > /etc/systemd/system/idle.service && touch /tmp/before`);
    const stray = Number((await c.exec(unit, "nohup sleep 600 >/dev/null 2>&1 & echo $!")).stdout.trim());
    const before = c.serviceManager(unit).mainPid("sleeper")!;
    expect(isRunning(before)).toBe(true);
    const logged = c.model.logs.length;

    await c.reboot([unit]);
    await c.waitFor({ timeoutMs: 30_000 });

    expect(isRunning(before)).toBe(false);
    expect(c.machine(unit).processes().length).toBeGreaterThan(0);
    expect(c.machine(unit).owns(stray)).toBe(false);
    const after = c.serviceManager(unit).mainPid("sleeper");
    expect(after).toBeDefined();
    expect(isRunning(after!)).toBe(true);
    expect(c.serviceManager(unit).activeState("idle")).toBe("inactive");
    expect((await c.exec(unit, "ls -A /tmp")).stdout).toBe("");
    expect(eventNames(c.model.logs, unit, logged)[0]).toBe("start");
    // Its network came back with it.
    expect((await c.exec(unit, "ip -br -4 address show eth0")).stdout).toContain(c.unit(unit).address);
  });
});
