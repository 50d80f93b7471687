/**
 * Races of planned operations, each repeated: a race that passes once proves little. Every
 * repetition runs on a fresh model with update-status at 60 minutes, so a step that only the timer
 * would finish leaves the model idle but wrong, and the checks after each settle catch it:
 * ZooKeeper's own view (every unit a voting member, one leader, every voter synced), every unit
 * `active`, and every client served.
 *
 * Regression: issue 9 — deploy and relate at once left a unit `active` that was not a voter, a
 * joiner stranded in LOOKING (it started from a membership read before another joiner was added),
 * and a unit waiting for a restart turn that nobody would ever hand out.
 *
 * RACE_REPEAT=N sets the repetitions (default 2).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Controller } from "../sim/controller";
import {
  APP,
  destroyModel,
  expectHealthyEnsemble,
  liveUnits,
  newModel,
  packedCharm,
  saveDebugLog,
} from "./support/charm-model";
import { buildClientCharm } from "./support/client-charm";

const REPEAT = Number(process.env.RACE_REPEAT ?? 2);
const SETTLE_TIMEOUT_MS = 300_000;

let controller: Controller | undefined;
afterEach(async (context) => {
  if (controller && (context.task.result?.state === "fail" || process.env.RACE_LOG)) {
    saveDebugLog(controller, "race");
  }
  await destroyModel(controller);
  controller = undefined;
});

/** Waits for an idle model and reports how long it took (the slowest settle goes in the note). */
async function settle(model: Controller, what: string): Promise<void> {
  const started = Date.now();
  await model.waitFor({ timeoutMs: SETTLE_TIMEOUT_MS });
  console.log(`race: ${what} settled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Everything a user would believe from `juju status`, checked against ZooKeeper itself. */
async function expectComplete(model: Controller, clients: readonly string[]): Promise<void> {
  await expectHealthyEnsemble(model);
  for (const client of clients) {
    const unit = model.unitsOf(client)[0]!;
    expect(`${client}: ${unit.workloadStatus.status}`).toBe(`${client}: active`);
    const check = await model.runAction(`${client}/0`, "check");
    expect(check.results, `${client} uses its chroot`).toMatchObject({ inside: "ok", outside: "denied" });
  }
  const app = model.application(APP);
  expect(app.status?.status ?? "unset", `application status: ${app.status?.message}`).not.toBe("blocked");
}

async function freshModel(): Promise<Controller> {
  controller = await newModel();
  return controller;
}

describe.each(Array.from({ length: REPEAT }, (_, index) => index + 1))("races, repetition %i", () => {
  it("deploy 3 and relate a client at once; then add two units while a second client relates", async () => {
    const model = await freshModel();
    const clientCharm = buildClientCharm();
    await model.deploy(packedCharm(), APP, { numUnits: 3, config: { "heap-size-mb": "192" } });
    await model.deploy(clientCharm, "app1");
    model.integrate(APP, "app1");
    await settle(model, "deploy 3 + relate");
    await expectComplete(model, ["app1"]);

    await model.deploy(clientCharm, "app2");
    const adding = model.addUnit(APP, 2);
    model.integrate(APP, "app2");
    await adding;
    await settle(model, "add 2 + relate");
    expect(liveUnits(model)).toHaveLength(5);
    await expectComplete(model, ["app1", "app2"]);
  });

  it("add a unit while another is removed; rotate a password while scaling down", async () => {
    const model = await freshModel();
    await model.deploy(packedCharm(), APP, { numUnits: 3, config: { "heap-size-mb": "192" } });
    await model.deploy(buildClientCharm(), "app1");
    model.integrate(APP, "app1");
    await settle(model, "deploy 3 + relate");

    const adding = model.addUnit(APP, 1);
    model.removeUnit("zookeeper/1");
    await adding;
    await settle(model, "add 1 + remove 1");
    expect(liveUnits(model).map((unit) => unit.name)).toEqual(["zookeeper/0", "zookeeper/2", "zookeeper/3"]);
    await expectComplete(model, ["app1"]);

    const leader = model.leader(APP)!;
    const rotation = model.runAction(`${leader}`, "set-password", { username: "super" });
    await model.addUnit(APP, 1);
    const record = await rotation;
    expect(record.status, JSON.stringify(record.results)).toBe("completed");
    await settle(model, "rotate super + add 1");
    expect(liveUnits(model)).toHaveLength(4);
    await expectComplete(model, ["app1"]);

    const victim = liveUnits(model).find((unit) => unit.name !== model.leader(APP))!;
    const sync = model.runAction(`${model.leader(APP)}`, "set-password", { username: "sync" });
    model.removeUnit(victim.name);
    expect((await sync).status).toBe("completed");
    await settle(model, "rotate sync + remove 1");
    expect(liveUnits(model)).toHaveLength(3);
    await expectComplete(model, ["app1"]);
  });
});
