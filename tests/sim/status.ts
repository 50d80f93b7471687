/**
 * `juju status` in Juju 3.6's shapes (juju-contract §8): the formatted model as JSON/YAML and the
 * default tabular view.
 */
import { stringify } from "yaml";
import type { Model, StatusRecord, Unit } from "./model";

const STATUS_RANK: Readonly<Record<string, number>> = {
  error: 6,
  blocked: 5,
  maintenance: 4,
  waiting: 3,
  active: 2,
  unknown: 1,
  terminated: 0,
};

interface StatusInfo {
  current: string;
  message?: string;
  since: string;
  version?: string;
}

function info(record: StatusRecord, version?: string): StatusInfo {
  const out: StatusInfo = { current: record.status, since: record.since };
  if (record.message !== "") out.message = record.message;
  if (version) out.version = version;
  return out;
}

/**
 * What `juju status` shows as a unit's workload: a failed hook overrides the charm's status, and a
 * lost agent anything but an error or terminated (apiserver status.go processUnitLost).
 */
export function displayedWorkload(unit: Unit): StatusRecord {
  const shown =
    unit.agentStatus.status === "error"
      ? { status: "error", message: unit.agentStatus.message, since: unit.agentStatus.since }
      : unit.workloadStatus;
  if (unit.agentLost && shown.status !== "error" && shown.status !== "terminated")
    return {
      status: "unknown",
      message: `agent lost, see 'juju show-status-log ${unit.name}'`,
      since: shown.since,
    };
  return shown;
}

function displayedAgent(unit: Unit): StatusRecord {
  if (unit.agentLost)
    return {
      status: "lost",
      message: "agent is not communicating with the server",
      since: unit.agentStatus.since,
    };
  return unit.agentStatus.status === "error"
    ? { ...unit.agentStatus, status: "idle", message: "" }
    : unit.agentStatus;
}

/** A machine whose agent the controller lost is `down` (its unit's agent went with it). */
function machineState(model: Model, machineId: string): "started" | "down" {
  return Object.values(model.units).some((unit) => unit.machine === machineId && unit.agentLost)
    ? "down"
    : "started";
}

export function formattedStatus(model: Model): Record<string, unknown> {
  const machines: Record<string, unknown> = {};
  for (const machine of Object.values(model.machines).sort((a, b) => Number(a.id) - Number(b.id))) {
    machines[machine.id] = {
      "juju-status": {
        current: machineState(model, machine.id),
        since: model.logs[0]?.time ?? new Date().toISOString(),
        version: model.jujuVersion,
      },
      hostname: `juju-${model.uuid.slice(0, 6)}-${machine.id}`,
      "dns-name": machine.address,
      "ip-addresses": [machine.address],
      "instance-id": `juju-${model.uuid.slice(0, 6)}-${machine.id}`,
      "machine-status": {
        current: "running",
        message: "Running",
        since: model.logs[0]?.time ?? new Date().toISOString(),
      },
      base: { name: "ubuntu", channel: "24.04" },
    };
  }
  const applications: Record<string, unknown> = {};
  for (const app of Object.values(model.applications).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const units = Object.values(model.units)
      .filter((unit) => unit.app === app.name)
      .sort((a, b) => a.number - b.number);
    const formattedUnits: Record<string, unknown> = {};
    for (const unit of units) {
      const entry: Record<string, unknown> = {
        "workload-status": info(displayedWorkload(unit)),
        "juju-status": info(displayedAgent(unit), model.jujuVersion),
      };
      // While its agent has not yet deployed the application's refreshed charm (processUnit).
      if (unit.charmRevision !== undefined && unit.charmRevision !== app.charm.revision)
        entry["upgrading-from"] = `local:${app.charm.meta.name}-${unit.charmRevision}`;
      if (app.leader === unit.name) entry.leader = true;
      entry.machine = unit.machine;
      if (unit.openedPorts.length > 0) entry["open-ports"] = [...unit.openedPorts];
      entry["public-address"] = unit.address;
      formattedUnits[unit.name] = entry;
    }
    const derived = units
      .map(displayedWorkload)
      .sort((a, b) => (STATUS_RANK[b.status] ?? 0) - (STATUS_RANK[a.status] ?? 0))[0];
    const appStatus =
      app.status ??
      (derived ? { ...derived } : { status: "unknown", message: "", since: new Date().toISOString() });
    const relations: Record<string, { "related-application": string; interface: string; scope: string }[]> =
      {};
    for (const relation of Object.values(model.relations)) {
      const own = relation.endpoints.find((endpoint) => endpoint.app === app.name);
      if (!own) continue;
      const other = relation.endpoints.find((endpoint) => endpoint !== own) ?? own;
      relations[own.endpoint] = relations[own.endpoint] ?? [];
      relations[own.endpoint]!.push({
        "related-application": other.app,
        interface: relation.interface,
        scope: "global",
      });
    }
    const formatted: Record<string, unknown> = {
      charm: `local:${app.charm.meta.name}-${app.charm.revision}`,
      "charm-origin": "local",
      "charm-name": app.charm.meta.name,
      "charm-rev": app.charm.revision,
      exposed: false,
      base: { name: "ubuntu", channel: "24.04" },
      "application-status": info(appStatus),
      relations,
      units: formattedUnits,
    };
    if (app.workloadVersion !== "") formatted.version = app.workloadVersion;
    applications[app.name] = formatted;
  }
  return {
    model: {
      name: model.name,
      type: "iaas",
      controller: "sim",
      cloud: "localhost",
      region: "localhost",
      version: model.jujuVersion,
      "model-status": { current: "available", since: model.logs[0]?.time ?? new Date().toISOString() },
      sla: "unsupported",
    },
    machines,
    applications,
    controller: { timestamp: `${new Date().toISOString().slice(11, 19)}Z` },
  };
}

/** Groups ports as `juju status` prints them: `2181,2888-2889/tcp`. */
export function formatPorts(ports: readonly string[]): string {
  const byProtocol = new Map<string, string[]>();
  for (const port of ports) {
    const [range, protocol = "tcp"] = port.split("/") as [string, string | undefined];
    if (range === "icmp") {
      byProtocol.set("icmp", []);
      continue;
    }
    const list = byProtocol.get(protocol) ?? [];
    list.push(range);
    byProtocol.set(protocol, list);
  }
  return [...byProtocol.entries()]
    .map(([protocol, ranges]) => (protocol === "icmp" ? "icmp" : `${ranges.join(",")}/${protocol}`))
    .join(" ");
}

function table(rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          rightAligned.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function truncate(message: string): string {
  return message.length > 120 ? `${message.slice(0, 119)}…` : message;
}

export function tabularStatus(model: Model): string {
  const time = new Date().toISOString().slice(11, 19);
  const sections = [
    table([
      ["Model", "Controller", "Cloud/Region", "Version", "Timestamp"],
      [model.name, "sim", "localhost/localhost", model.jujuVersion, `${time}Z`],
    ]),
  ];
  const apps = Object.values(model.applications).sort((a, b) => (a.name < b.name ? -1 : 1));
  if (apps.length > 0) {
    const formatted = formattedStatus(model).applications as Record<
      string,
      { "application-status": StatusInfo }
    >;
    sections.push(
      table(
        [
          ["App", "Version", "Status", "Scale", "Charm", "Channel", "Rev", "Exposed", "Message"],
          ...apps.map((app) => {
            const units = Object.values(model.units).filter((unit) => unit.app === app.name);
            // output_tabular.go counts units whose (displayed) agent status is idle or executing; a
            // unit in hook error shows agent "idle" (its error moves to the workload), so it counts.
            const ready = units.filter((unit) =>
              ["idle", "executing"].includes(displayedAgent(unit).status),
            ).length;
            const status = formatted[app.name]!["application-status"];
            const version = app.workloadVersion.split("\n")[0]!;
            return [
              app.name,
              version.length > 15 ? `${version.slice(0, 14)}…` : version,
              status.current,
              ready === units.length ? String(units.length) : `${ready}/${units.length}`,
              app.charm.meta.name,
              "",
              String(app.charm.revision),
              "no",
              truncate(status.message ?? ""),
            ];
          }),
        ],
        new Set([3, 6]),
      ),
    );
    const units = Object.values(model.units).sort((a, b) =>
      a.app === b.app ? a.number - b.number : a.app < b.app ? -1 : 1,
    );
    sections.push(
      table([
        ["Unit", "Workload", "Agent", "Machine", "Public address", "Ports", "Message"],
        ...units.map((unit) => {
          const workload = displayedWorkload(unit);
          const agent = displayedAgent(unit);
          let message = workload.message;
          if (agent.status === "executing" && /^running (.+ hook|action .+)/.test(agent.message)) {
            const what = agent.message.replace(/^running (action )?/, "").replace(/ hook( for .*)?$/, "");
            message = `(${what}) ${message}`;
          }
          return [
            `${unit.name}${model.applications[unit.app]?.leader === unit.name ? "*" : ""}`,
            workload.status,
            agent.status,
            unit.machine,
            unit.address,
            formatPorts(unit.openedPorts),
            truncate(message.trim()),
          ];
        }),
      ]),
    );
    sections.push(
      table([
        ["Machine", "State", "Address", "Inst id", "Base", "AZ", "Message"],
        ...Object.values(model.machines)
          .sort((a, b) => Number(a.id) - Number(b.id))
          .map((machine) => [
            machine.id,
            machineState(model, machine.id),
            machine.address,
            `juju-${model.uuid.slice(0, 6)}-${machine.id}`,
            "ubuntu@24.04",
            "",
            "Running",
          ]),
      ]),
    );
  } else {
    sections.push(`Model "${model.name}" is empty.`);
  }
  return `${sections.join("\n\n")}\n`;
}

export function yamlStatus(model: Model): string {
  return stringify(formattedStatus(model), { sortMapEntries: false });
}
