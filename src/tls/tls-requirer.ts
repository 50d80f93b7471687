/**
 * The requirer side of `tls-certificates` (the v4 charm library's wire format): one certificate per
 * unit. The private key is generated here and kept in a unit-owned Juju secret (never in a databag,
 * never in argv; on disk only in the key store ZooKeeper reads, owner-only); the CSR goes to this
 * unit's databag as `certificate_signing_requests` = [{certificate_signing_request, ca: false}]; the
 * provider answers in its application databag with `certificates` = [{certificate_signing_request,
 * certificate, ca, chain}]. A certificate is used only if it answers this unit's current request and
 * matches its key; anything else is logged and ignored. Renewal: a new request with the same key once
 * 90 % of the certificate's lifetime has passed (the library's default); the old one serves until the
 * new one arrives.
 */
import { createHash, X509Certificate } from "node:crypto";
import { hostname } from "node:os";
import type { Hook, Relation } from "../../lib/juju";
import type { Machine } from "../ports/machine";
import { CONF_DIR, type PathSpec, WORKLOAD_GROUP, WORKLOAD_USER } from "../workload/paths";
import {
  attributesFor,
  generatePrivateKey,
  publicKeyFingerprint,
  type RequestAttributes,
  signingRequest,
} from "./certificate-request";

export const TLS_ENDPOINT = "certificates";
export const TLS_DIR = `${CONF_DIR}/tls`;
const owned = (path: string, mode: number): PathSpec => ({
  path,
  mode,
  owner: WORKLOAD_USER,
  group: WORKLOAD_GROUP,
});
export const TLS_PATHS = {
  dir: owned(TLS_DIR, 0o750),
  /** ZooKeeper's PEM key store: the PKCS#8 key, then the certificate chain (leaf first). */
  keyStore: owned(`${TLS_DIR}/server.pem`, 0o600),
  /** ZooKeeper's PEM trust store: the CA and any intermediates. */
  trustStore: owned(`${TLS_DIR}/ca.pem`, 0o644),
} as const;

const STATE_PATH = `${CONF_DIR}/.charm-tls.json`;
/** Renew once this share of a certificate's lifetime has passed (the v4 library's default). */
const RENEW_AFTER = 0.9;

interface TlsLocalState {
  /** The certificates relation, while it exists (set by its hooks; saves a relation-ids call). */
  readonly relationId?: number;
  /** The request in the databag: its CSR, what it asks for, the key it is for, and when. */
  readonly request?: {
    readonly csr: string;
    readonly attributes: RequestAttributes;
    readonly key: string;
    /** A renewal of this certificate (its fingerprint). */
    readonly renews?: string;
  };
}

export interface UnitCertificate {
  /** sha256 of the leaf certificate (DER), shortened. */
  readonly fingerprint: string;
  /** The CA chain a client needs to trust this server (PEM). */
  readonly caChain: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface TlsView {
  /** The certificates relation exists. */
  readonly related: boolean;
  /** This unit's certificate, in place in the key store; undefined while none is usable. */
  readonly certificate: UnitCertificate | undefined;
  /** Why there is none yet, for the log and the status. */
  readonly waitingFor?: string;
}

export interface TlsInput {
  /**
   * The key to use instead of the secret's: one this hook has just stored (the secret shows a new
   * revision only after the hook commits).
   */
  readonly key?: string;
  readonly address: string | undefined;
  readonly hostname: string;
  readonly includeIpSans: boolean;
  readonly now: Date;
}

function loadState(machine: Machine): TlsLocalState {
  try {
    return JSON.parse(machine.read(STATE_PATH) ?? "{}") as TlsLocalState;
  } catch {
    return {};
  }
}

function saveState(machine: Machine, state: TlsLocalState): void {
  machine.write(
    { path: STATE_PATH, mode: 0o600, owner: "root", group: "root" },
    `${JSON.stringify(state)}\n`,
  );
}

export function keySecretLabel(unit: string): string {
  return `tls.${unit.replace("/", "-")}.private-key`;
}

const normalize = (pem: string) => pem.replace(/\r/g, "").trim();

function certificateFingerprint(certificate: X509Certificate): string {
  return createHash("sha256").update(certificate.raw).digest("hex").slice(0, 32);
}

/** The unit's key from its secret, created on first use. */
export function unitKey(hook: Hook): string {
  const label = keySecretLabel(hook.model.unitName);
  // The latest revision: an owner too tracks one (Juju >= 3.1.7), and set-tls-private-key adds new ones.
  const existing = hook.model.secrets.get({ label, refresh: true })?.["private-key"];
  if (existing) return existing;
  const key = generatePrivateKey();
  hook.model.secrets.add(
    { "private-key": key },
    { label, owner: "unit", description: "this unit's TLS private key (certificates relation)" },
  );
  return key;
}

/** Stores an operator's key (set-tls-private-key); the next reconcile requests a certificate for it. */
export function replaceUnitKey(hook: Hook, key: string): void {
  const label = keySecretLabel(hook.model.unitName);
  const info = hook.model.secrets.info(label);
  if (info) hook.model.secrets.update(info.id, { "private-key": key });
  else
    hook.model.secrets.add(
      { "private-key": key },
      { label, owner: "unit", description: "this unit's TLS private key" },
    );
}

interface ProviderEntry {
  readonly certificate_signing_request: string;
  readonly certificate: string;
  readonly ca: string;
  readonly chain?: string[];
  readonly revoked?: boolean;
}

/** The provider's answers; malformed data is logged and ignored (no certificate, not a crash). */
function providerEntries(hook: Hook, relation: Relation): ProviderEntry[] {
  const app = relation.remoteApp;
  const raw = app ? relation.rawAppData(app).certificates : undefined;
  if (!raw) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!Array.isArray(parsed)) throw new Error("not a list");
    return parsed.filter(
      (entry): entry is ProviderEntry =>
        typeof entry === "object" &&
        entry !== null &&
        typeof entry.certificate_signing_request === "string" &&
        typeof entry.certificate === "string" &&
        typeof entry.ca === "string",
    );
  } catch (error) {
    hook.log.warn({ app, error: String(error) }, "ignoring malformed certificates from the TLS provider");
    return [];
  }
}

/** Splits concatenated PEM certificates. */
function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * One pass of the requirer: key, request, certificate. Writes the key and trust stores when a
 * certificate for the current request arrives.
 */
export function reconcileTls(hook: Hook, machine: Machine, input: TlsInput): TlsView {
  let state = loadState(machine);
  const { kind, relation: hookRelation } = hook.context;
  if (hookRelation?.endpoint === TLS_ENDPOINT) {
    state =
      kind === "relation-broken"
        ? { ...state, relationId: undefined }
        : { ...state, relationId: hookRelation.id };
  }
  if (state.relationId === undefined) {
    saveState(machine, state);
    // Without the relation the ensemble walks back to plaintext, a rolling restart per step, with
    // the certificate it has (still valid) until every server is off TLS.
    const installed = currentCertificate(machine, undefined);
    return {
      related: false,
      certificate: installed && installed.notAfter > input.now ? installed.view : undefined,
    };
  }
  const relation = hook.model.relations(TLS_ENDPOINT).find((candidate) => candidate.id === state.relationId);
  if (!relation || !input.address) {
    saveState(machine, state);
    return { related: true, certificate: undefined, waitingFor: "this unit's address" };
  }
  const key = input.key ?? unitKey(hook);
  const keyFingerprint = publicKeyFingerprint(key);
  const attributes = attributesFor(input.address, input.hostname, input.includeIpSans);
  const current = currentCertificate(machine, keyFingerprint);
  const renewalDue =
    current !== undefined &&
    input.now.getTime() >
      current.notBefore.getTime() + RENEW_AFTER * (current.notAfter.getTime() - current.notBefore.getTime());
  const requestMatches =
    state.request !== undefined &&
    state.request.key === keyFingerprint &&
    JSON.stringify(state.request.attributes) === JSON.stringify(attributes);
  const renewalRequested = current !== undefined && state.request?.renews === current.fingerprint;
  if (!requestMatches || (renewalDue && !renewalRequested)) {
    const csr = signingRequest(key, attributes);
    state = {
      ...state,
      request: {
        csr,
        attributes,
        key: keyFingerprint,
        ...(renewalDue && current ? { renews: current.fingerprint } : {}),
      },
    };
    hook.log.info(
      { commonName: attributes.commonName, renewal: renewalDue },
      renewalDue ? "requesting a renewed certificate" : "requesting a certificate",
    );
  }
  const request = state.request!;
  const published = JSON.stringify([{ certificate_signing_request: request.csr, ca: false }]);
  if (relation.rawUnitData(hook.model.unitName).certificate_signing_requests !== published)
    hook.tools.relationSet(
      relation.ref,
      hook.model.unitName,
      { certificate_signing_requests: published },
      false,
    );
  saveState(machine, state);

  const answer = providerEntries(hook, relation).find(
    (entry) => normalize(entry.certificate_signing_request) === normalize(request.csr),
  );
  if (answer && !answer.revoked) {
    const installed = install(hook, machine, key, keyFingerprint, answer, input.now);
    if (installed) return { related: true, certificate: installed };
  }
  if (current && current.notAfter > input.now) return { related: true, certificate: current.view };
  return { related: true, certificate: undefined, waitingFor: "a certificate from the TLS provider" };
}

/** The certificate in the key store, if it is for `keyFingerprint` (any, when undefined). */
function currentCertificate(
  machine: Machine,
  keyFingerprint: string | undefined,
): { fingerprint: string; notBefore: Date; notAfter: Date; view: UnitCertificate } | undefined {
  const keyStore = machine.read(TLS_PATHS.keyStore.path);
  const trust = machine.read(TLS_PATHS.trustStore.path);
  const [leaf] = pemCertificates(keyStore ?? "");
  if (!leaf || trust === undefined) return undefined;
  const certificate = new X509Certificate(leaf);
  if (keyFingerprint !== undefined && publicKeyFingerprint(certificate.publicKey) !== keyFingerprint)
    return undefined;
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  const fingerprint = certificateFingerprint(certificate);
  return {
    fingerprint,
    notBefore,
    notAfter,
    view: { fingerprint, caChain: trust.trim(), notBefore, notAfter },
  };
}

export function renewalSecretLabel(unit: string): string {
  return `tls.${unit.replace("/", "-")}.renewal`;
}

/**
 * Asks Juju to wake this unit when the certificate falls due for renewal, as the v4 library does: a
 * unit-owned secret revision that expires then fires `secret-expired`, whose reconcile requests the
 * renewal. A new certificate replaces the revision (the previous one is removed, or Juju would fire
 * for it every 5 minutes).
 */
function scheduleRenewal(hook: Hook, fingerprint: string, at: Date): void {
  const label = renewalSecretLabel(hook.model.unitName);
  const info = hook.model.secrets.info(label);
  const content = { certificate: fingerprint };
  if (!info) {
    hook.tools.secretAdd(content, {
      label,
      owner: "unit",
      expire: at.toISOString(),
      description: "expires when this unit's certificate is due for renewal",
    });
    return;
  }
  hook.tools.secretSet(info.id, { content, expire: at.toISOString() });
  hook.model.secrets.remove(info.id, info.revision);
}

/** Checks the provider's answer and writes the key and trust stores; undefined if it is unusable. */
function install(
  hook: Hook,
  machine: Machine,
  key: string,
  keyFingerprint: string,
  answer: ProviderEntry,
  now: Date,
): UnitCertificate | undefined {
  try {
    const [leafPem] = pemCertificates(answer.certificate);
    if (!leafPem) throw new Error("no certificate in the answer");
    const leaf = new X509Certificate(leafPem);
    if (publicKeyFingerprint(leaf.publicKey) !== keyFingerprint)
      throw new Error("the certificate is not for this unit's key");
    if (new Date(leaf.validTo) <= now) throw new Error(`the certificate expired on ${leaf.validTo}`);
    const chain = (answer.chain ?? []).flatMap(pemCertificates).map(normalize);
    const ca = pemCertificates(answer.ca).map(normalize);
    // Trust the CA and every intermediate of the chain (never the leaf itself) — and, while they are
    // valid, the CAs trusted so far: when the provider moves to a new CA, peers still presenting a
    // certificate of the old one must not be refused until they have their new one.
    const previous = pemCertificates(machine.read(TLS_PATHS.trustStore.path) ?? "")
      .map(normalize)
      .filter((pem) => new Date(new X509Certificate(pem).validTo) > now);
    const trusted = [
      ...new Set([...chain.filter((pem) => normalize(pem) !== normalize(leafPem)), ...ca, ...previous]),
    ];
    const intermediates = chain.filter((pem) => pem !== normalize(leafPem) && !ca.includes(pem));
    machine.ensureDirectory(TLS_PATHS.dir);
    const installed = machine.write(
      TLS_PATHS.keyStore,
      `${[normalize(key), normalize(leafPem), ...intermediates].join("\n")}\n`,
    );
    machine.write(TLS_PATHS.trustStore, `${trusted.join("\n")}\n`);
    const fingerprint = certificateFingerprint(leaf);
    if (installed) {
      const notBefore = new Date(leaf.validFrom).getTime();
      const lifetime = new Date(leaf.validTo).getTime() - notBefore;
      scheduleRenewal(hook, fingerprint, new Date(notBefore + RENEW_AFTER * lifetime));
    }
    return {
      fingerprint,
      caChain: trusted.join("\n"),
      notBefore: new Date(leaf.validFrom),
      notAfter: new Date(leaf.validTo),
    };
  } catch (error) {
    hook.log.warn({ error: String(error) }, "ignoring a certificate from the TLS provider");
    return undefined;
  }
}

/** reconcileTls with this unit's address (as the cluster last saw it), host name and config. */
export function reconcileUnitTls(
  hook: Hook,
  machine: Machine,
  address: string | undefined,
  now: Date,
  key?: string,
): TlsView {
  const includeIpSans = hook.tools.configGet()["certificate-include-ip-sans"] !== false;
  return reconcileTls(hook, machine, { key, address, hostname: hostname(), includeIpSans, now });
}
