/**
 * Four-letter-word probes over plain TCP, each with a deadline. The server writes its reply and
 * closes the connection. Only words in `4lw.commands.whitelist` are answered (notes §3.9: the
 * default is `srvr` alone).
 */
import { connect } from "node:net";
import {
  BadArgumentsError,
  FourLetterWordNotAllowedError,
  ProbeError,
  TimeoutError,
  type ZooKeeperError,
} from "./errors";
import {
  type ConfReport,
  type MntrReport,
  parseConf,
  parseMntr,
  parseRuok,
  parseSrvr,
  type SrvrReport,
} from "./four-letter-word-parsers";

export interface ProbeOptions {
  /** Deadline for connect + reply. Default 2 s. */
  readonly timeoutMs?: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 2_000;
const MAX_REPLY_BYTES = 1 << 20;

/** `"10.0.0.1:2181"` or `"[::1]:2181"` → host and port. */
export function parseEndpoint(server: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(server.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BadArgumentsError(`expected "address:port", got ${JSON.stringify(server)}`, { op: "4lw" });
  }
  return { host, port };
}

/** Sends one word and returns the whole reply. */
export function sendFourLetterWord(
  server: string,
  word: string,
  options: ProbeOptions = {},
): Promise<string> {
  const op = `4lw ${word}`;
  if (!/^[a-z]{4}$/.test(word)) {
    return Promise.reject(
      new BadArgumentsError(`not a four-letter word: ${JSON.stringify(word)}`, { op, server }),
    );
  }
  let endpoint: { host: string; port: number };
  try {
    endpoint = parseEndpoint(server);
  } catch (error) {
    return Promise.reject(error);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let connected = false;
    let settled = false;
    const socket = connect(endpoint);
    const finish = (error: ZooKeeperError | undefined, text?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(text ?? "");
    };
    const timer = setTimeout(() => {
      finish(
        new TimeoutError(`no ${connected ? "reply" : "connection"} within ${timeoutMs} ms`, {
          op,
          server,
          requestSent: connected,
        }),
      );
    }, timeoutMs);
    socket.on("connect", () => {
      connected = true;
      socket.end(word);
    });
    socket.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPLY_BYTES) {
        finish(new ProbeError(`reply larger than ${MAX_REPLY_BYTES} bytes`, { op, server }));
        return;
      }
      chunks.push(chunk);
    });
    socket.on("error", (error) => finish(new ProbeError(error.message, { op, server, cause: error })));
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.includes("is not executed because it is not in the whitelist")) {
        finish(new FourLetterWordNotAllowedError(text.trim(), { op, server }));
      } else {
        finish(undefined, text);
      }
    });
  });
}

/** `ruok`: true when the JVM answers `imok`. Liveness only — a server without quorum still says imok. */
export async function probeRuok(server: string, options: ProbeOptions = {}): Promise<boolean> {
  return parseRuok(await sendFourLetterWord(server, "ruok", options));
}

export async function probeSrvr(server: string, options: ProbeOptions = {}): Promise<SrvrReport> {
  return parseSrvr(await sendFourLetterWord(server, "srvr", options));
}

export async function probeMntr(server: string, options: ProbeOptions = {}): Promise<MntrReport> {
  return parseMntr(await sendFourLetterWord(server, "mntr", options));
}

export async function probeConf(server: string, options: ProbeOptions = {}): Promise<ConfReport> {
  return parseConf(await sendFourLetterWord(server, "conf", options));
}
