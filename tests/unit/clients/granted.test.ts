import { describe, expect, it } from "vitest";
import { checkGranted } from "../../../src/clients/granted";

describe("checkGranted (peer app bag `clients`)", () => {
  it("accepts relation ids mapped to chroot, permissions and optional secrets", () => {
    const value = {
      "3": { chroot: "/kafka", perms: "cdrwa", secrets: { user: "secret:abc" } },
      "7": { chroot: "/a", perms: "r" },
    };
    expect(checkGranted(value)).toEqual(value);
  });

  it.each([
    ["an array", []],
    ["a non-numeric key", { kafka: { chroot: "/kafka", perms: "cdrwa" } }],
    ["a grant without perms", { "3": { chroot: "/kafka" } }],
    ["secrets that are not strings", { "3": { chroot: "/kafka", perms: "r", secrets: { user: 1 } } }],
    ["null", null],
  ])("refuses %s", (_name, value) => {
    expect(checkGranted(value)).toBeUndefined();
  });
});
