/**
 * The dispatch script under Juju's bare environment: which runtime it picks, that it remembers it,
 * and that it fails clearly when no runtime can be had.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

let charmDir: string;

beforeEach(() => {
  charmDir = mkdtempSync(join(tmpdir(), "dispatch-"));
  copyFileSync("dispatch", join(charmDir, "dispatch"));
  chmodSync(join(charmDir, "dispatch"), 0o755);
  mkdirSync(join(charmDir, "dist"));
  writeFileSync(
    join(charmDir, "dist", "charm.js"),
    "console.log('ran on', process.version, process.env.JUJU_DISPATCH_PATH)\n",
  );
});
afterEach(() => rmSync(charmDir, { recursive: true, force: true }));

/** Juju's environment: no HOME, a PATH without node, cwd = the charm directory. */
function dispatch(extraPath = "/usr/sbin:/usr/bin:/sbin:/bin") {
  return spawnSync("./dispatch", [], {
    cwd: charmDir,
    env: { PATH: extraPath, JUJU_DISPATCH_PATH: "hooks/install" },
    encoding: "utf8",
  });
}

function fakeNode(version: string): void {
  mkdirSync(join(charmDir, "node", "bin"), { recursive: true });
  const script = `#!/bin/sh\nif [ "$1" = --version ]; then echo ${version}; exit 0; fi\necho "bundled node ran $1"\n`;
  writeFileSync(join(charmDir, "node", "bin", "node"), script);
  chmodSync(join(charmDir, "node", "bin", "node"), 0o755);
}

describe("dispatch", () => {
  it("prefers a runtime shipped in the charm", () => {
    fakeNode("v18.19.1");
    const result = dispatch();
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`bundled node ran ${charmDir}/dist/charm.js\n`);
    expect(readFileSync(join(charmDir, ".node-runtime"), "utf8")).toBe(`${charmDir}/node/bin/node\n`);
  });

  it("skips a shipped runtime older than 18 and uses the machine's node; remembers it", () => {
    fakeNode("v16.20.0");
    const result = dispatch();
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ran on v\d+\.\d+\.\d+ hooks\/install\n$/);
    const remembered = readFileSync(join(charmDir, ".node-runtime"), "utf8").trim();
    expect(remembered).not.toContain(charmDir);
    expect(existsSync(remembered)).toBe(true);
  });

  it("keeps JUJU_DISPATCH_PATH from Juju and falls back to $0 for legacy hook symlinks", () => {
    const result = spawnSync("./dispatch", [], {
      cwd: charmDir,
      env: { PATH: "/usr/bin:/bin" },
      encoding: "utf8",
    });
    expect(result.stdout).toContain("./dispatch");
  });

  it.runIf(process.getuid?.() === 0)(
    "fails with a message when no runtime can be had",
    () => {
      // Hide every node on the machine and make apt-get fail, inside a private mount namespace.
      const hidden = join(charmDir, "not-node");
      writeFileSync(hidden, "");
      const failing = join(charmDir, "failing");
      const calls = join(charmDir, "apt-calls");
      writeFileSync(failing, `#!/bin/sh\necho "$@" >> ${calls}\nexit 100\n`);
      chmodSync(failing, 0o755);
      const hide = ["/usr/bin/node", "/usr/local/bin/node", "/usr/bin/nodejs"]
        .filter((path) => existsSync(path))
        .map((path) => `mount --bind ${hidden} ${path}`)
        .join(" && ");
      const script = `${hide || "true"} && mount --bind ${failing} /usr/bin/apt-get && cd ${charmDir} && env -i PATH=/usr/bin:/bin JUJU_DISPATCH_PATH=hooks/install ./dispatch`;
      const result = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", script], {
        encoding: "utf8",
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("installing Ubuntu's nodejs package");
      expect(result.stderr).toContain("cannot run the charm: no Node.js >= 18 runtime");
      expect(existsSync(join(charmDir, ".node-runtime"))).toBe(false);
      // Every apt-get call waits for the dpkg lock that first-boot jobs may hold.
      const lines = readFileSync(calls, "utf8").trim().split("\n");
      expect(lines.length).toBeGreaterThanOrEqual(3);
      for (const line of lines) expect(line).toMatch(/^-o DPkg::Lock::Timeout=600 (install|update) /);
    },
    30_000,
  );
});
