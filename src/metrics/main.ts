/**
 * The `zookeeper-metrics` service: `node dist/metrics.js <settings.json> <address:port>`.
 * Serves GET /metrics on the unit's address (anything else is 404) and, every two seconds, checks
 * the server's health, waking the charm through `juju-exec` when it differs from the health the
 * charm last reported (health-watch.ts).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { type ExporterSettings, readHealth, scrape } from "./exporter";
import { CONTENT_TYPE } from "./exposition";
import { delivered, type Health, HealthWatch, parseReportedHealth, wakeCommand } from "./health-watch";

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
  log("server health differs from the charm's last report: waking the charm", { ...health });
  return new Promise((resolve) => {
    // A bare environment: juju-exec refuses to run inside a hook context, and needs none.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    execFile(command!, args, { timeout: WAKE_TIMEOUT_MS, env }, (error, _stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : undefined) : 0;
      const reached = delivered(code, stderr);
      if (!reached)
        log("juju-exec did not reach the unit agent; trying again after a pause", {
          error: stderr.trim().slice(-300),
        });
      resolve(reached);
    });
  });
}

function readOrNothing(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The settings, or undefined (logged) while the charm has not written them whole. */
function settingsOrNothing(path: string): ExporterSettings | undefined {
  try {
    return readSettings(path);
  } catch (error) {
    log("cannot read the settings", { error: String(error) });
    return undefined;
  }
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
    const settings = settingsOrNothing(settingsPath);
    if (!settings) {
      response.writeHead(503, { "content-type": "text/plain" }).end("settings not readable\n");
      return;
    }
    scrape(settings).then(
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
  server.on("error", (error) => {
    // The unit's address not there yet (early at boot), or the port taken: systemd starts us again.
    log("cannot serve", { error: String(error) });
    process.exit(1);
  });
  server.listen(Number(match[2]), match[1], () =>
    log(`serving ZooKeeper metrics on http://${listen}/metrics`),
  );
  const watch = new HealthWatch(async (health) => {
    const settings = settingsOrNothing(settingsPath);
    return settings ? wake(settings, health) : false;
  });
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    const settings = settingsOrNothing(settingsPath);
    if (!settings?.charmDir) {
      polling = false;
      return;
    }
    // The wake is not awaited: polling goes on (and sees further changes) while the charm runs.
    readHealth(settings)
      .then((health) => {
        const reported = settings.reportedHealth ? readOrNothing(settings.reportedHealth) : undefined;
        watch
          .observe(health, parseReportedHealth(reported))
          .catch((error: unknown) => log("wake failed", { error: String(error) }));
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
