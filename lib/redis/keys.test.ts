import { describe, expect, it } from "vitest";
import { isStatePlaneKey, patrolChannel, patrolChannelPattern, patrolIdOfChannel, scopeSetKey, statePlaneScanPatterns } from "./keys";

describe("state-plane key recognition", () => {
  it("recognises every state-plane key of its own prefix and nothing of another deployment's", () => {
    for (const prefix of ["", "kochi:"]) {
      const ours = [
        scopeSetKey(prefix, { level: "zone", id: 3 }),
        scopeSetKey(prefix, { level: "city", id: null }),
        `${prefix}patrol:17:meta`,
        `${prefix}vehicle:4:active_patrol`,
        `${prefix}device:${"ab".repeat(32)}:vehicle`,
      ];
      for (const key of ours) expect(isStatePlaneKey(prefix, key), key).toBe(true);
      expect(isStatePlaneKey(prefix, `${prefix}patrol:last_status`)).toBe(false);
      expect(isStatePlaneKey(prefix, `other:${prefix}zone:3:active_patrols`)).toBe(false);
    }
    expect(isStatePlaneKey("", "kochi:zone:3:active_patrols")).toBe(false);
  });

  it("escapes glob characters of the prefix in SCAN and PSUBSCRIBE patterns", () => {
    expect(statePlaneScanPatterns("a*b:")).toEqual(["a\\*b:*:active_patrols", "a\\*b:patrol:*:meta", "a\\*b:vehicle:*:active_patrol", "a\\*b:device:*:vehicle"]);
    expect(patrolChannelPattern("x?:")).toBe("x\\?:live:patrol:*");
    expect(patrolIdOfChannel("p:", patrolChannel("p:", 42))).toBe(42);
  });
});
