/** `npm run pack` lays the charm out as charmcraft does, with dispatch executable. */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

describe("pack", () => {
  it("builds a zip with dispatch (0755), metadata, manifest and the one-file bundle", () => {
    execFileSync(process.execPath, ["scripts/pack.mjs"], { stdio: "pipe" });
    const charm = "build/zookeeper_ubuntu-24.04-amd64.charm";
    const listing = execFileSync("unzip", ["-Z", charm], { encoding: "utf8" });
    const modes = Object.fromEntries(
      listing
        .split("\n")
        .filter((line) => /^[-d][rwx-]{9}/.test(line))
        .map((line) => [line.split(/\s+/).pop()!, line.slice(0, 10)]),
    );
    expect(modes).toMatchObject({
      dispatch: "-rwxr-xr-x",
      "metadata.yaml": "-rw-r--r--",
      "manifest.yaml": "-rw-r--r--",
      "dist/charm.js": "-rw-r--r--",
      "dist/metrics.js": "-rw-r--r--",
      "dist/cos-assets.json": "-rw-r--r--",
      "README.md": "-rw-r--r--",
      LICENSE: "-rw-r--r--",
    });
    const manifest = parse(execFileSync("unzip", ["-p", charm, "manifest.yaml"], { encoding: "utf8" }));
    expect(manifest.bases).toEqual([{ name: "ubuntu", channel: "24.04", architectures: ["amd64"] }]);
    const metadata = parse(execFileSync("unzip", ["-p", charm, "metadata.yaml"], { encoding: "utf8" }));
    expect(metadata).toMatchObject({
      name: "zookeeper",
      peers: { cluster: { interface: "cluster" } },
      provides: { zookeeper: { interface: "zookeeper" }, "cos-agent": { interface: "cos_agent", limit: 1 } },
      storage: { data: { type: "filesystem" } },
    });
    const bundle = execFileSync("unzip", ["-p", charm, "dist/charm.js"], { encoding: "utf8" });
    expect(bundle).not.toMatch(/require\("(?:pino|yaml|node-zookeeper-client)"\)/);
  });
});
