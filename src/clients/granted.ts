/**
 * What the leader records, per client relation, of what it granted (peer app bag `clients`): the
 * chroot, the permissions and the Juju secrets holding the fields the client asked for as secrets.
 */
export interface GrantedClient {
  readonly chroot: string;
  readonly perms: string;
  /** The Juju secrets (by group: `user`, `tls`) holding fields the client asked to receive as secrets. */
  readonly secrets?: Readonly<Record<string, string>>;
}

export type GrantedClients = Readonly<Record<string, GrantedClient>>;

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === "string")
  );
}

/** The `clients` record if `value` has its shape (relation ids → grants), else undefined. */
export function checkGranted(value: unknown): Record<string, GrantedClient> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const result: Record<string, GrantedClient> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!/^\d+$/.test(key) || typeof item !== "object" || item === null) return undefined;
    const { chroot, perms, secrets } = item as Record<string, unknown>;
    if (typeof chroot !== "string" || typeof perms !== "string") return undefined;
    if (secrets !== undefined && !isStringMap(secrets)) return undefined;
    result[key] = { chroot, perms, ...(secrets ? { secrets } : {}) };
  }
  return result;
}
