/**
 * `juju refresh <app> --path <charm>` as Juju 3.6 does it (state/application.go SetCharm,
 * worker/uniter operation/deploy.go, charm/manifest_deployer.go): refusals first, then every unit's
 * agent swaps the charm's files (keeping what the charm wrote itself) and runs upgrade-charm, then
 * config-changed; settings the new charm keeps survive, new options take their defaults.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { Controller } from "./controller";
import { eventNames, type Harness, PROBE, startModel } from "./emulator-harness";
import { formattedStatus } from "./status";

let harness: Harness;
let c: Controller;
const work = mkdtempSync(join(tmpdir(), "refresh-charms-"));

beforeAll(async () => {
  harness = await startModel();
  c = harness.controller;
  await c.deploy(PROBE, "probe", { numUnits: 2, config: { value: "kept", count: "7" } });
  await c.deploy(PROBE, "other");
  c.integrate("probe:db", "other:backend");
  harness.trackMachines();
  await c.waitFor({ timeoutMs: 60_000 });
});

afterAll(async () => {
  await harness?.teardown();
  rmSync(work, { recursive: true, force: true });
});

/** A copy of the probe charm, changed by `edit` (metadata, config, files). */
function probeVariant(name: string, edit: (dir: string) => void): string {
  const dir = join(work, name);
  cpSync(PROBE, dir, { recursive: true });
  edit(dir);
  return dir;
}

type YamlDocument = Record<string, Record<string, unknown>>;

function editYaml(path: string, change: (value: YamlDocument) => void): void {
  const value = parse(readFileSync(path, "utf8")) as YamlDocument;
  change(value);
  writeFileSync(path, stringify(value));
}

describe("juju refresh", () => {
  it("refuses another charm, and a charm that would break an established relation", () => {
    const renamed = probeVariant("renamed", (dir) =>
      editYaml(join(dir, "metadata.yaml"), (meta) => {
        Object.assign(meta, { name: "not-probe" });
      }),
    );
    expect(() => c.refresh("probe", renamed)).toThrow('cannot refresh "probe" to "not-probe"');
    const noDb = probeVariant("no-db", (dir) =>
      editYaml(join(dir, "metadata.yaml"), (meta) => {
        delete meta.provides!.db;
      }),
    );
    expect(() => c.refresh("probe", noDb)).toThrow(
      'cannot upgrade application "probe" to charm "local:probe-1": would break relation "probe:db other:backend"',
    );
    expect(c.application("probe").charm.revision).toBe(0);
  });

  it("deploys the new files on every unit, then runs upgrade-charm and config-changed; settings kept, new defaults", async () => {
    for (const unit of ["probe/0", "probe/1"]) {
      // A file the charm wrote into its own directory survives the swap.
      await c.exec(unit, "echo mine > ./written-by-the-charm");
    }
    const next = probeVariant("next", (dir) => {
      writeFileSync(join(dir, "NEW-FILE"), "new\n");
      rmSync(join(dir, "actions.yaml"));
      editYaml(join(dir, "config.yaml"), (config) => {
        config.options!.added = { type: "string", default: "fresh", description: "new in revision 1" };
        config.options!.count = { type: "string", default: "", description: "now a string" };
      });
    });
    const mark = c.model.logs.length;
    const charm = c.refresh("probe", next);
    expect(charm.revision).toBe(1);
    await c.waitFor({ timeoutMs: 60_000 });
    for (const unit of ["probe/0", "probe/1"]) {
      expect(eventNames(c.model.logs, unit, mark)).toEqual(["upgrade-charm", "config-changed"]);
      const files = await c.exec(unit, "cat NEW-FILE written-by-the-charm; ls actions.yaml 2>&1 | head -1");
      expect(files.stdout).toMatch(/^new\nmine\nls: cannot access 'actions.yaml'/);
      const config = await c.exec(unit, "config-get value; config-get added; config-get count");
      expect(config.stdout).toBe("kept\nfresh\n7\n");
    }
    const status = formattedStatus(c.model) as { applications: Record<string, Record<string, unknown>> };
    expect(status.applications.probe).toMatchObject({ charm: "local:probe-1", "charm-rev": 1 });
    // The other application's units heard nothing.
    expect(eventNames(c.model.logs, "other/0", mark)).toEqual([]);
  });

  it("refreshes back to the first charm (a rollback is a refresh to a new, higher revision)", async () => {
    const mark = c.model.logs.length;
    expect(c.refresh("probe", PROBE).revision).toBe(2);
    await c.waitFor({ timeoutMs: 60_000 });
    for (const unit of ["probe/0", "probe/1"]) {
      expect(eventNames(c.model.logs, unit, mark)).toEqual(["upgrade-charm", "config-changed"]);
      expect((await c.exec(unit, "ls NEW-FILE 2>&1; cat written-by-the-charm")).stdout).toMatch(
        /cannot access 'NEW-FILE'.*\nmine\n$/,
      );
    }
  });

  it("waits for a unit in error: the upgrade comes after the failed hook is resolved", async () => {
    c.setConfig("probe", { "fail-hook": "config-changed" });
    await c.waitFor({ timeoutMs: 30_000, allowErrors: true }).catch(() => undefined);
    const mark = c.model.logs.length;
    c.refresh("probe", PROBE);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const status = formattedStatus(c.model) as {
      applications: Record<string, { units: Record<string, Record<string, unknown>> }>;
    };
    expect(status.applications.probe!.units["probe/0"]!["upgrading-from"]).toBe("local:probe-2");
    expect(eventNames(c.model.logs, "probe/0", mark)).not.toContain("upgrade-charm");
    c.setConfig("probe", {}, ["fail-hook"]);
    for (const unit of ["probe/0", "probe/1"]) c.resolved(unit);
    await c.waitFor({ timeoutMs: 60_000 });
    expect(eventNames(c.model.logs, "probe/0", mark)).toContain("upgrade-charm");
    expect(c.unit("probe/0").charmRevision).toBe(3);
  });
});
