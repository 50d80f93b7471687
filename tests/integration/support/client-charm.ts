/** The test client charm (tests/charms/zk-client), built into a deployable directory, and what it received. */
import { execFileSync } from "node:child_process";
import { expect } from "vitest";
import { ZooKeeperManager } from "../../../lib/zookeeper";
import type { Controller } from "../../sim/controller";

export function buildClientCharm(): string {
  execFileSync(process.execPath, ["scripts/build.mjs", "--test-charm", "zk-client"], { stdio: "pipe" });
  return "build/charms/zk-client";
}

export interface ClientCredentials {
  readonly username: string;
  readonly password: string;
  readonly hosts: string[];
  readonly chroot: string;
}

/** What the client application `app` received from the zookeeper relation (its `credentials` action). */
export async function clientCredentials(controller: Controller, app: string): Promise<ClientCredentials> {
  const record = await controller.runAction(`${app}/0`, "credentials");
  expect(record.status, JSON.stringify(record.results)).toBe("completed");
  const results = record.results as Record<string, string>;
  return {
    username: results.username!,
    password: results.password!,
    hosts: results.hosts!.split(","),
    chroot: results.chroot!,
  };
}

/** A session as a client: its own user, on `hosts` (default: the endpoints it received). */
export function clientSession(
  credentials: ClientCredentials,
  hosts: readonly string[] = credentials.hosts,
): Promise<ZooKeeperManager> {
  return ZooKeeperManager.connect({
    hosts,
    auth: { username: credentials.username, password: credentials.password },
  });
}
