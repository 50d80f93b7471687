/** The test client charm (tests/charms/zk-client), built into a deployable directory. */
import { execFileSync } from "node:child_process";

export function buildClientCharm(): string {
  execFileSync(process.execPath, ["scripts/build.mjs", "--client-charm"], { stdio: "pipe" });
  return "build/charms/zk-client";
}
