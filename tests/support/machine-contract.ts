/**
 * The `Machine` port's file and package contract, run against Host on this machine's filesystem
 * (tests/unit/ports/machine-contract.test.ts) and against FakeMachine, so the fake the state tests
 * rely on behaves as the real adapter does. The service operations need a machine's service
 * manager; the emulator's machines exercise Host's on every integration test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Machine } from "../../src/ports/machine";

export interface MachineDriver {
  readonly machine: Machine;
  /** A package installed on this machine, and its version. */
  readonly installed: { readonly name: string; readonly version: string };
  /** Mode bits of a file as the machine holds them. */
  modeOf(path: string): number | undefined;
}

export function machineContract(name: string, driver: () => MachineDriver): void {
  describe(`Machine contract: ${name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "machine-contract-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const spec = (file: string, mode = 0o640) => ({
      path: join(dir, file),
      mode,
      owner: "root",
      group: "root",
    });

    it("writes a file only when its content differs, with its mode, and reads it back", () => {
      const { machine, modeOf } = driver();
      expect(machine.read(join(dir, "missing"))).toBeUndefined();
      expect(machine.exists(join(dir, "missing"))).toBe(false);
      expect(machine.write(spec("conf/a.cfg", 0o600), "one\n")).toBe(true);
      expect(machine.read(join(dir, "conf/a.cfg"))).toBe("one\n");
      expect(machine.exists(join(dir, "conf/a.cfg"))).toBe(true);
      expect(modeOf(join(dir, "conf/a.cfg"))).toBe(0o600);
      expect(machine.write(spec("conf/a.cfg", 0o600), "one\n")).toBe(false);
      // Same content, new mode: nothing written, the mode fixed.
      expect(machine.write(spec("conf/a.cfg", 0o640), "one\n")).toBe(false);
      expect(modeOf(join(dir, "conf/a.cfg"))).toBe(0o640);
      expect(machine.write(spec("conf/a.cfg", 0o640), "two\n")).toBe(true);
      expect(machine.read(join(dir, "conf/a.cfg"))).toBe("two\n");
    });

    it("creates directories with their mode", () => {
      const { machine, modeOf } = driver();
      machine.ensureDirectory(spec("data/deep", 0o750));
      expect(machine.exists(join(dir, "data/deep"))).toBe(true);
      expect(modeOf(join(dir, "data/deep"))).toBe(0o750);
    });

    it("knows installed packages' versions, and nothing of others", () => {
      const { machine, installed } = driver();
      expect(machine.packageVersion(installed.name)).toBe(installed.version);
      expect(machine.packageVersion("no-such-package-here")).toBeUndefined();
    });

    it("lists the versions apt offers of a package, the installed one among them", () => {
      const { machine, installed } = driver();
      expect(machine.availableVersions(installed.name)).toContain(installed.version);
      expect(machine.availableVersions("no-such-package-here")).toEqual([]);
    });
  });
}
