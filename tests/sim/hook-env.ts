/**
 * The environment Juju builds for a hook or an action (J:internal/worker/uniter/runner/context/
 * context.go `HookVars`, juju-contract §1.3): built, never inherited from the agent.
 */
import type { HookDescriptor } from "./hook-context";
import type { Model, Unit } from "./model";

export const JUJU_VERSION = "3.6.4";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin";

export interface HookEnvironmentOptions {
  readonly contextId: string;
  readonly socketAddress: string;
  readonly charmDir: string;
  /**
   * The unit's agent restarted: its relation-broken hooks export an empty JUJU_REMOTE_APP (the
   * relation state fills it only in SynchronizeScopes; LP 1960934).
   */
  readonly remoteAppForgotten?: boolean;
}

export function hookEnvironment(
  model: Model,
  unit: Unit,
  hook: HookDescriptor | undefined,
  options: HookEnvironmentOptions,
): NodeJS.ProcessEnv {
  const tag = `unit-${unit.app}-${unit.number}`;
  const env: NodeJS.ProcessEnv = {
    JUJU_UNIT_NAME: unit.name,
    JUJU_MODEL_NAME: model.name,
    JUJU_MODEL_UUID: model.uuid,
    JUJU_VERSION: model.jujuVersion,
    JUJU_CHARM_DIR: options.charmDir,
    CHARM_DIR: options.charmDir,
    JUJU_CONTEXT_ID: options.contextId,
    JUJU_AGENT_SOCKET_ADDRESS: options.socketAddress,
    JUJU_AGENT_SOCKET_NETWORK: "unix",
    JUJU_API_ADDRESSES: "127.0.0.1:17070",
    JUJU_MACHINE_ID: unit.machine,
    JUJU_PRINCIPAL_UNIT: "",
    JUJU_AVAILABILITY_ZONE: "",
    CLOUD_API_VERSION: "",
    JUJU_CHARM_HTTP_PROXY: "",
    JUJU_CHARM_HTTPS_PROXY: "",
    JUJU_CHARM_FTP_PROXY: "",
    JUJU_CHARM_NO_PROXY: "",
    PATH: `/var/lib/juju/tools/${tag}:${DEFAULT_PATH}`,
    APT_LISTCHANGES_FRONTEND: "none",
    DEBIAN_FRONTEND: "noninteractive",
    LANG: "C.UTF-8",
    TERM: "tmux-256color",
  };
  if (!hook) return env;
  if (hook.kind === "action") {
    Object.assign(env, {
      JUJU_DISPATCH_PATH: `actions/${hook.name}`,
      JUJU_HOOK_NAME: "",
      JUJU_ACTION_NAME: hook.name,
      JUJU_ACTION_UUID: hook.actionId,
      JUJU_ACTION_TAG: `action-${hook.actionId}`,
    });
    return env;
  }
  env.JUJU_DISPATCH_PATH = `hooks/${hook.name}`;
  env.JUJU_HOOK_NAME = hook.name;
  if (hook.relationId !== undefined) {
    const relation = model.relations[hook.relationId]!;
    const endpoint = relation.endpoints.find((e) => e.app === unit.app)!.endpoint;
    env.JUJU_RELATION = endpoint;
    env.JUJU_RELATION_ID = `${endpoint}:${hook.relationId}`;
    const forgotten = hook.name.endsWith("-relation-broken") && options.remoteAppForgotten === true;
    env.JUJU_REMOTE_APP = forgotten ? "" : (hook.remoteApp ?? "");
    env.JUJU_REMOTE_UNIT = hook.remoteUnit ?? "";
    if (hook.departingUnit !== undefined) env.JUJU_DEPARTING_UNIT = hook.departingUnit;
  }
  if (hook.secretId !== undefined) {
    env.JUJU_SECRET_ID = hook.secretId;
    env.JUJU_SECRET_LABEL = hook.secretLabel ?? "";
    if (hook.secretRevision) env.JUJU_SECRET_REVISION = String(hook.secretRevision);
  }
  if (hook.storageId !== undefined) {
    const storage = model.storage[hook.storageId];
    env.JUJU_STORAGE_ID = hook.storageId;
    if (storage) {
      env.JUJU_STORAGE_LOCATION = storage.location;
      env.JUJU_STORAGE_KIND = storage.kind;
    }
  }
  return env;
}
