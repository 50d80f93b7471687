/**
 * The unit's private key and certificate signing request, as the tls-certificates v4 library makes
 * them: RSA 2048, a CSR signed with SHA-256 whose subject is `CN=<common name>` plus an
 * x500UniqueIdentifier (a fresh UUID, so every request differs) and whose SAN extension lists the
 * unit's IP addresses and host name. OpenSSL builds the CSR; the key reaches it through a pipe,
 * never in argv or a file.
 */
import { spawnSync } from "node:child_process";
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
} from "node:crypto";

/** What a request asks for; a different value means a new request. */
export interface RequestAttributes {
  readonly commonName: string;
  readonly ipSans: readonly string[];
  readonly dnsSans: readonly string[];
}

export function attributesFor(address: string, hostname: string, includeIpSans: boolean): RequestAttributes {
  return {
    commonName: includeIpSans ? address : hostname,
    ipSans: includeIpSans ? [address] : [],
    dnsSans: [hostname],
  };
}

/** A new private key, PKCS#8 PEM (the form ZooKeeper's PEM key store reads). */
export function generatePrivateKey(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
  return privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

/**
 * A key an operator supplied (set-tls-private-key): PEM, or base64 of a PEM, as the Python charm
 * accepts; returned as PKCS#8 PEM. Throws with a message fit for the action on anything else.
 */
export function parsePrivateKey(input: string): string {
  const text = input.includes("-----BEGIN") ? input : Buffer.from(input, "base64").toString("utf8");
  try {
    const key = createPrivateKey(text);
    if (key.asymmetricKeyType !== "rsa" && key.asymmetricKeyType !== "ec")
      throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
    return key.export({ type: "pkcs8", format: "pem" }).toString();
  } catch (error) {
    throw new Error(
      `internal-key is not an unencrypted RSA or EC private key in PEM (or base64 of PEM): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** sha256 of a key's public half (from a private key PEM, or a certificate's public key): what ties a request and a certificate to the key. */
export function publicKeyFingerprint(key: string | KeyObject): string {
  const publicKey = typeof key === "string" || key.type === "private" ? createPublicKey(key) : key;
  const der = publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("hex").slice(0, 32);
}

/** A CSR (PEM, trimmed) for `attributes`, signed by the key. */
export function signingRequest(privateKeyPem: string, attributes: RequestAttributes): string {
  const escapeDn = (value: string) => value.replace(/[/\\+=,]/g, (c) => `\\${c}`);
  const sans = [
    ...attributes.ipSans.map((ip) => `IP:${ip}`),
    ...attributes.dnsSans.map((name) => `DNS:${name}`),
  ];
  // The key arrives on stdin; `<(cat)` hands it to openssl as a real pipe (Node's stdin is a
  // socket, which openssl cannot open as /dev/stdin). It is never in argv or in a file.
  const args = [
    "-c",
    'exec openssl req -new -sha256 -key <(cat) "$@"',
    "openssl",
    "-subj",
    `/CN=${escapeDn(attributes.commonName)}/x500UniqueIdentifier=${randomUUID()}`,
    "-utf8",
    ...(sans.length > 0 ? ["-addext", `subjectAltName=${sans.join(",")}`] : []),
  ];
  const result = spawnSync("bash", args, { input: privateKeyPem, encoding: "utf8" });
  if (result.status !== 0 || !result.stdout.includes("CERTIFICATE REQUEST"))
    throw new Error(
      `openssl req failed: ${(result.stderr || String(result.error ?? "")).trim().slice(-300)}`,
    );
  return result.stdout.trim();
}
