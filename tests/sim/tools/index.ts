/**
 * The registry of emulated hook tools: every tool of Juju 3.x's jujuc server that a machine charm
 * can call (juju-contract Appendix A, §3.22), plus leader-get, leader-set and goal-state.
 */
import { ACTION_TOOLS } from "./action";
import type { ToolDef } from "./command";
import { CONFIG_TOOLS } from "./config";
import { MISC_TOOLS } from "./misc";
import { NETWORK_TOOLS } from "./network";
import { RELATION_TOOLS } from "./relation";
import { SECRET_TOOLS } from "./secret";
import { STATE_TOOLS } from "./state";
import { STATUS_TOOLS } from "./status";
import { STORAGE_TOOLS } from "./storage";

export type { ToolOutput } from "./command";

const ALL: readonly ToolDef[] = [
  ...RELATION_TOOLS,
  ...STATUS_TOOLS,
  ...CONFIG_TOOLS,
  ...ACTION_TOOLS,
  ...SECRET_TOOLS,
  ...STATE_TOOLS,
  ...NETWORK_TOOLS,
  ...STORAGE_TOOLS,
  ...MISC_TOOLS,
];

export const TOOLS: ReadonlyMap<string, ToolDef> = new Map(ALL.map((tool) => [tool.name, tool]));

/** Every tool name the emulator implements; one executable per name goes on the hook's PATH. */
export const TOOL_NAMES: readonly string[] = ALL.map((tool) => tool.name).sort();
