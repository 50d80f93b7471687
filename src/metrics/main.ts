/**
 * The `zookeeper-metrics` service: `node dist/metrics.js <settings.json> <address:port>`.
 * Serves GET /metrics on the unit's address; anything else is 404.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { type ExporterSettings, scrape } from "./exporter";
import { CONTENT_TYPE } from "./exposition";

function readSettings(path: string): ExporterSettings {
  return JSON.parse(readFileSync(path, "utf8")) as ExporterSettings;
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
  server.listen(Number(match[2]), match[1], () => {
    process.stdout.write(`serving ZooKeeper metrics on http://${listen}/metrics\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main(process.argv.slice(2));
