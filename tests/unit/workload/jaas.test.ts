import { describe, expect, it } from "vitest";
import { type JaasInput, renderJaas } from "../../../src/workload/jaas";
import { expectGolden } from "./golden";

const SAMPLE: JaasInput = {
  quorumServerUsers: [{ username: "sync", password: "sync-password-1" }],
  quorumLearner: { username: "sync", password: "sync-password-1" },
  serverUsers: [
    { username: "super", password: "super-password" },
    { username: "relation-7", password: "client-password" },
  ],
};

describe("renderJaas", () => {
  it("renders QuorumServer, QuorumLearner and Server sections", () => {
    expectGolden("jaas.conf", renderJaas(SAMPLE));
  });

  it("accepts several quorum users so a sync-password rotation can overlap old and new", () => {
    const text = renderJaas({
      ...SAMPLE,
      quorumServerUsers: [
        { username: "sync", password: "old" },
        { username: "sync2", password: "new" },
      ],
      quorumLearner: { username: "sync2", password: "new" },
    });
    expectGolden("jaas-rotation.conf", text);
  });

  it('escapes \\ and " inside quoted values', () => {
    const text = renderJaas({ ...SAMPLE, serverUsers: [{ username: "app", password: 'a"b\\c' }] });
    expect(text).toContain('user_app="a\\"b\\\\c";');
  });

  it.each([
    ["a space", "bad user"],
    ["a quote", 'x"y'],
    ["an equals sign", "a=b"],
    ["a semicolon", "a;b"],
    ["a newline", "a\nb"],
    ["an empty name", ""],
  ])("rejects a username with %s", (_, username) => {
    expect(() => renderJaas({ ...SAMPLE, serverUsers: [{ username, password: "pw" }] })).toThrow(
      /must match \[A-Za-z0-9_\.-\]\+/,
    );
    expect(() => renderJaas({ ...SAMPLE, quorumLearner: { username, password: "pw" } })).toThrow(
      /QuorumLearner/,
    );
  });

  it.each([
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${...} is what this case is about
    ["a ${...} expansion the JDK would apply", "pw${user.home}", /must not contain "\$\{"/],
    ["a line break that would end the quoted string", "pw\nuser_evil=x", /printable ASCII/],
    ["a non-ASCII character read in an unknown charset", "pässword", /printable ASCII/],
    ["nothing", "", /must not be empty/],
  ])("rejects a password with %s, without echoing it", (_, password, message) => {
    const attempt = (): string => renderJaas({ ...SAMPLE, serverUsers: [{ username: "app", password }] });
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      if (password !== "") expect(String(error)).not.toContain(password);
    }
  });

  it("rejects a duplicate user and an empty section", () => {
    expect(() =>
      renderJaas({
        ...SAMPLE,
        quorumServerUsers: [
          { username: "sync", password: "a" },
          { username: "sync", password: "b" },
        ],
      }),
    ).toThrow(/appears twice/);
    expect(() => renderJaas({ ...SAMPLE, serverUsers: [] })).toThrow(/Server: needs at least one user/);
  });
});
