/**
 * Loads a charm as Juju would from a `.charm` file or a charm directory: metadata.yaml (or the
 * metadata keys of charmcraft.yaml), config options from config.yaml or charmcraft.yaml's `config:`,
 * actions from actions.yaml or charmcraft.yaml's `actions:`.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import type { ActionDecl, Charm, CharmMeta, ConfigOptionDecl, EndpointDecl, StorageDecl } from "./model";

function readYaml(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  const value = parse(readFileSync(path, "utf8")) as unknown;
  return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

function endpoints(value: unknown): Record<string, EndpointDecl> {
  const out: Record<string, EndpointDecl> = {};
  for (const [name, raw] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    const decl = (typeof raw === "string" ? { interface: raw } : raw) as EndpointDecl;
    if (!decl?.interface) throw new Error(`endpoint ${name} has no interface`);
    out[name] = decl;
  }
  return out;
}

/** Unpacks a .charm (zip) into `dir`, or copies a charm directory there; returns the loaded charm. */
export function loadCharm(source: string, dir: string, revision = 0): Charm {
  const path = resolve(source);
  if (!existsSync(path)) throw new Error(`charm ${source} not found`);
  mkdirSync(dir, { recursive: true });
  if (statSync(path).isDirectory()) {
    cpSync(path, dir, {
      recursive: true,
      filter: (item) => !/\/(node_modules|\.git|\.sim|build)(\/|$)/.test(item.slice(path.length)),
    });
  } else {
    execFileSync("unzip", ["-q", "-o", path, "-d", dir]);
  }
  if (!existsSync(join(dir, "dispatch")) && !existsSync(join(dir, "hooks"))) {
    throw new Error(`${source} is not a charm: it has neither dispatch nor hooks/`);
  }
  return readCharm(dir, revision);
}

/** Reads a charm's metadata, config options and actions from its directory (nothing is copied). */
export function readCharm(dir: string, revision = 0): Charm {
  const recipe = readYaml(join(dir, "charmcraft.yaml")) ?? {};
  const metadata = readYaml(join(dir, "metadata.yaml")) ?? recipe;
  if (typeof metadata.name !== "string") throw new Error(`${dir} has no charm name in its metadata`);
  const meta: CharmMeta = {
    name: metadata.name,
    peers: endpoints(metadata.peers),
    provides: endpoints(metadata.provides),
    requires: endpoints(metadata.requires),
    storage: (metadata.storage ?? {}) as Record<string, StorageDecl>,
    extraBindings: Object.keys((metadata["extra-bindings"] ?? {}) as object),
  };
  const configFile =
    readYaml(join(dir, "config.yaml")) ?? (recipe.config as Record<string, unknown> | undefined);
  const config = (configFile?.options ?? {}) as Record<string, ConfigOptionDecl>;
  const actions = (readYaml(join(dir, "actions.yaml")) ?? recipe.actions ?? {}) as Record<string, ActionDecl>;
  return { dir, meta, config, actions, revision };
}
