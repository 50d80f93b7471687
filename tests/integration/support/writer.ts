/**
 * A client writing continuously while a test changes or breaks the ensemble: sequential znodes under
 * one path, back to back, with what ZooKeeper acknowledged, how many attempts failed and the longest
 * interval without a successful write; and the check that no acknowledged write was lost.
 */
import { expect } from "vitest";
import { isOutcomeUnknown, ZooKeeperManager } from "../../../lib/zookeeper";
import type { Controller } from "../../sim/controller";
import { adminSession } from "./charm-model";

type Acl = NonNullable<Parameters<ZooKeeperManager["create"]>[2]>["acl"];

export interface WriterResult {
  /** Paths ZooKeeper acknowledged, in order. */
  readonly acknowledged: string[];
  failed: number;
  longestGapMs: number;
}

export interface WriterOptions {
  readonly hosts: readonly string[];
  readonly auth: { readonly username: string; readonly password: string };
  /** The parent of the sequential znodes (created when missing). */
  readonly path: string;
  readonly acl?: Acl;
  /** A write that takes longer counts as failed (ms). */
  readonly requestTimeoutMs?: number;
}

export interface Writer {
  /** Stops writing; the result covers the whole run, until now. */
  stop(): Promise<WriterResult>;
}

/** Starts writing; resolves once the parent path exists. */
export async function keepWriting(options: WriterOptions): Promise<Writer> {
  const connect = () =>
    ZooKeeperManager.connect({
      hosts: [...options.hosts],
      auth: options.auth,
      connectTimeoutMs: 5_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 4_000,
    });
  let zk = await connect();
  await zk.ensurePath(options.path, options.acl ? { acl: options.acl } : {});
  let running = true;
  const result: WriterResult = { acknowledged: [], failed: 0, longestGapMs: 0 };
  let lastSuccess = Date.now();
  const loop = (async () => {
    while (running) {
      try {
        const path = await zk.create(`${options.path}/w-`, "x", {
          mode: "persistent-sequential",
          ...(options.acl ? { acl: options.acl } : {}),
        });
        result.acknowledged.push(path);
        result.longestGapMs = Math.max(result.longestGapMs, Date.now() - lastSuccess);
        lastSuccess = Date.now();
      } catch (error) {
        result.failed += 1;
        if (!isOutcomeUnknown(error) && !zk.isConnected) {
          await zk.close().catch(() => {});
          zk = await connect().catch(() => zk);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    result.longestGapMs = Math.max(result.longestGapMs, Date.now() - lastSuccess);
    await zk.close().catch(() => {});
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return result;
    },
  };
}

/**
 * Every acknowledged znode is there (read through `session` after a sync), and the sequence numbers
 * have no gap (no write ZooKeeper applied was reported as failed and then lost).
 */
async function lostWrites(
  session: ZooKeeperManager,
  path: string,
  result: WriterResult,
): Promise<{ lost: string[]; sequenceGaps: number }> {
  await session.sync("/");
  const children = (await session.getChildren(path)).sort();
  const present = new Set(children.map((child) => `${path}/${child}`));
  const lost = result.acknowledged.filter((acknowledged) => !present.has(acknowledged));
  const numbers = children.map((child) => Number(child.slice(2)));
  const sequenceGaps = numbers.filter(
    (number, index) => index > 0 && number !== numbers[index - 1]! + 1,
  ).length;
  return { lost, sequenceGaps };
}

/**
 * Asserts ZooKeeper kept every write it acknowledged under `path` and applied none it reported failed
 * (read through an admin session on the live units).
 */
export async function expectNoLostWrites(
  controller: Controller,
  path: string,
  result: WriterResult,
): Promise<void> {
  const zk = await adminSession(controller);
  try {
    expect(await lostWrites(zk, path, result)).toEqual({ lost: [], sequenceGaps: 0 });
  } finally {
    await zk.close();
  }
}
