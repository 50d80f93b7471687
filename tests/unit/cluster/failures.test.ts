import { describe, expect, it } from "vitest";
import { errorFromCode } from "../../../lib/zookeeper";
import { classifyFailure } from "../../../src/cluster/failures";

const zk = (code: number) => errorFromCode(code, { op: "reconfig", path: "/zookeeper/config" });

describe("classifyFailure", () => {
  it.each([
    ["NO_AUTH", -102, "blocked", /refuses the charm's admin user/],
    ["AUTH_FAILED", -115, "blocked", /refuses the charm's admin user/],
    ["RECONFIG_DISABLED", -123, "blocked", /dynamic reconfiguration disabled/],
    ["NEW_CONFIG_NO_QUORUM", -13, "waiting", /not done yet/],
    ["RECONFIG_IN_PROGRESS", -14, "waiting", /not done yet/],
    ["BAD_VERSION", -103, "waiting", /not done yet/],
    ["CONNECTION_LOSS", -4, "waiting", /not done yet/],
  ])("%s → %s", (_name, code, status, message) => {
    const failure = classifyFailure("reconfig (add zookeeper/3)", zk(code));
    expect(failure.status.name).toBe(status);
    expect(failure.permanent).toBe(status === "blocked");
    expect(failure.status.message).toMatch(message);
    expect(failure.status.message).toMatch(/^reconfig \(add zookeeper\/3\)/);
  });

  it("a reason without an error is a wait", () => {
    expect(classifyFailure("reconfig", "reconfig did not take effect")).toMatchObject({
      permanent: false,
      status: { name: "waiting" },
    });
  });
});
