/**
 * The exporter against a server speaking the four-letter words over TCP (fixtures of a real
 * follower): a scrape reuses the health poll's mntr/conf pair for one poll interval, never a poll.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { observe, READING_REUSE_MS, readHealth } from "../../../src/metrics/exporter";

const fixture = (name: string) => readFileSync(join(__dirname, "../zookeeper/fixtures", name), "utf8");

describe("exporter readings", () => {
  const asked: string[] = [];
  let server: Server;
  let settings: { unit: string; server: string; workloadUser: string };

  beforeAll(async () => {
    server = createServer((socket) => {
      socket.once("data", (data) => {
        const word = data.toString().trim();
        asked.push(word);
        socket.end(word === "mntr" ? fixture("mntr-follower.txt") : fixture("conf-follower.txt"));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address() as { port: number };
    settings = { unit: "zookeeper/1", server: `127.0.0.1:${address.port}`, workloadUser: "no-such-user" };
  });
  afterAll(() => server.close());

  it("asks mntr and conf at every health poll; a scrape within the poll interval asks nothing", async () => {
    const start = Date.now();
    expect(await readHealth(settings, start)).toMatchObject({ serving: true, answering: true });
    expect(asked.splice(0)).toEqual(expect.arrayContaining(["mntr", "conf"]));
    const scrape = await observe(settings, start + READING_REUSE_MS - 1);
    const serving = scrape.families.find((family) => family.name === "zookeeper_server_serving");
    expect(serving?.samples[0]?.value).toBe(1);
    expect(scrape.families.some((family) => family.name === "znode_count")).toBe(true);
    expect(asked.splice(0)).toEqual([]);
    await observe(settings, start + READING_REUSE_MS);
    expect(asked.splice(0).sort()).toEqual(["conf", "mntr"]);
    // A poll never reuses: its two-in-a-row rule needs two real readings.
    await readHealth(settings, start + READING_REUSE_MS + 1);
    expect(asked.splice(0).sort()).toEqual(["conf", "mntr"]);
  });
});
