import { execFileSync } from "node:child_process";
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  attributesFor,
  generatePrivateKey,
  parsePrivateKey,
  publicKeyFingerprint,
  signingRequest,
} from "../../../src/tls/certificate-request";

/** openssl's own reading of a CSR (it also verifies the CSR's signature). */
function opensslText(csr: string): string {
  return execFileSync("openssl", ["req", "-verify", "-noout", "-text"], { input: csr, encoding: "utf8" });
}

describe("certificate requests", () => {
  it("asks for the unit's address as subject and IP SAN, and its host name as DNS SAN", () => {
    expect(attributesFor("10.1.2.3", "juju-abc-0", true)).toEqual({
      commonName: "10.1.2.3",
      ipSans: ["10.1.2.3"],
      dnsSans: ["juju-abc-0"],
    });
    expect(attributesFor("10.1.2.3", "juju-abc-0", false)).toEqual({
      commonName: "juju-abc-0",
      ipSans: [],
      dnsSans: ["juju-abc-0"],
    });
  });

  it("builds a CSR openssl verifies, with a fresh unique identifier each time", () => {
    const key = generatePrivateKey();
    expect(key.startsWith("-----BEGIN PRIVATE KEY-----")).toBe(true);
    const attributes = attributesFor("10.1.2.3", "juju-abc-0", true);
    const first = signingRequest(key, attributes);
    const text = opensslText(first);
    expect(text).toContain("CN = 10.1.2.3");
    expect(text).toMatch(/x500UniqueIdentifier = [0-9a-f-]{36}/);
    expect(text).toContain("IP Address:10.1.2.3");
    expect(text).toContain("DNS:juju-abc-0");
    expect(text).toContain("sha256WithRSAEncryption");
    expect(signingRequest(key, attributes)).not.toBe(first);
    // The CSR carries the key's public half.
    const pub = execFileSync("openssl", ["req", "-noout", "-pubkey"], { input: first, encoding: "utf8" });
    const spki = createPublicKey(pub).export({ type: "spki", format: "der" });
    expect(createHash("sha256").update(spki).digest("hex").slice(0, 32)).toBe(publicKeyFingerprint(key));
    // A public key (a certificate's) gives the same fingerprint as the private key it belongs to.
    expect(publicKeyFingerprint(createPublicKey(pub))).toBe(publicKeyFingerprint(key));
  });

  it("takes an operator's key as PEM (PKCS#1 or PKCS#8) or base64 of PEM, and refuses anything else", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pkcs1 = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(parsePrivateKey(pkcs1)).toBe(pkcs8);
    expect(parsePrivateKey(Buffer.from(pkcs1).toString("base64"))).toBe(pkcs8);
    expect(() => parsePrivateKey("not a key")).toThrow(
      /internal-key is not an unencrypted RSA or EC private key/,
    );
  });
});
