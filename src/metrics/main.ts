/**
 * The `zookeeper-metrics` service: `node dist/metrics.js <settings.json> <address:port>`.
 * Serves GET /metrics on the unit's address (anything else is 404) and, every two seconds, checks
 * the server's health, waking the charm through `juju-exec` when it changes (health-watch.ts).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { type ExporterSettings, readHealth, scrape } from "./exporter";
import { CONTENT_TYPE } from "./exposition";
import { type Health, HealthWatch, wakeCommand } from "./health-watch";

const POLL_MS = 2_000;
/** juju-exec waits behind a running hook; a hook may take minutes. */
const WAKE_TIMEOUT_MS = 15 * 60_000;

function readSettings(path: string): ExporterSettings {
  return JSON.parse(readFileSync(path, "utf8")) as ExporterSettings;
}

function log(message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), message, ...fields })}\n`);
}

function wake(settings: ExporterSettings, health: Health): Promise<boolean> {
  const [command, ...args] = wakeCommand(settings.unit, settings.charmDir ?? "");
  log("server health changed: waking the charm", { ...health });
  return new Promise((resolve) => {
    // A bare environment: juju-exec refuses to run inside a hook context, and needs none.
    execFile(
      command!,
      args,
      { timeout: WAKE_TIMEOUT_MS, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
      (error, _stdout, stderr) => {
        if (error)
          log("juju-exec failed; retrying at the next change check", {
            error: String(stderr || error.message)
              .trim()
              .slice(-300),
          });
        resolve(!error);
      },
    );
  });
}

function main(argv: readonly string[]): void {
  const [settingsPath, listen] = argv;
  const match = listen ? /^(.+):(\d+)$/.exec(listen) : null;
  if (!settingsPath || !match?.[1] || !match[2]) {
    process.stderr.write("usage: metrics.js <settings.json> <address:port>\n");
    process.exit(2);
  }
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics\n");
      return;
    }
    scrape(readSettings(settingsPath)).then(
      (body) =>
        response
          .writeHead(200, { "content-type": CONTENT_TYPE })
          .end(request.method === "HEAD" ? undefined : body),
      (error: unknown) =>
        response
          .writeHead(500, { "content-type": "text/plain" })
          .end(`${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  server.listen(Number(match[2]), match[1], () =>
    log(`serving ZooKeeper metrics on http://${listen}/metrics`),
  );
  const watch = new HealthWatch((health) => wake(readSettings(settingsPath), health));
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    const settings = readSettings(settingsPath);
    if (!settings.charmDir) {
      polling = false;
      return;
    }
    // The wake is not awaited: polling goes on (and sees further changes) while the charm runs.
    readHealth(settings)
      .then((health) => {
        void watch.observe(health);
      })
      .catch((error: unknown) => log("health check failed", { error: String(error) }))
      .finally(() => {
        polling = false;
      });
  }, POLL_MS);
  const stop = () => {
    clearInterval(timer);
    server.close(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main(process.argv.slice(2));
