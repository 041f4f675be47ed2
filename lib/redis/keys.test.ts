import { describe, expect, it } from "vitest";
import { isStatePlaneKey, keyLayout, patrolChannel, patrolChannelPattern, patrolIdOfChannel, scopeSetKey, statePlaneScanPatterns } from "./keys";

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

describe("key layouts", () => {
  const single = keyLayout(false);
  const cluster = keyLayout(true);
  const zone = { level: "zone", id: 3 } as const;

  it("keeps DESIGN §4's names exactly under a single Redis", () => {
    expect(single.scopeSetKey("p:", zone)).toBe("p:zone:3:active_patrols");
    expect(single.patrolMetaKey("p:", 7)).toBe("p:patrol:7:meta");
    expect(single.vehicleActivePatrolKey("p:", 4)).toBe("p:vehicle:4:active_patrol");
    expect(single.lastStatusKey("p:")).toBe("p:patrol:last_status");
    expect(single.patrolChannel("p:", 7)).toBe("p:live:patrol:7");
    expect(single.statePlaneReadyKey("p:")).toBe("p:state_plane:ready");
    expect(single.telemetryRateKey("p:", 4, 7, 99)).toBe("p:ratelimit:telemetry:4:99");
    expect(single.historyStreamKey("p:")).toBe("p:history:points");
    expect(single.historyStreamKey("p:", 7)).toBe("p:history:points");
  });

  it("puts every key of one patrol in its slot under Redis Cluster, and the state plane behind {sp}", () => {
    const perPatrol = [
      cluster.patrolMetaKey("p:", 7),
      cluster.patrolLastFrameKey("p:", 7),
      cluster.patrolLastTsKey("p:", 7),
      cluster.patrolLiveFramesKey("p:", 7, 99),
      cluster.patrolEndedKey("p:", 7),
      cluster.patrolCredentialKey("p:", 7),
      cluster.patrolChannel("p:", 7),
      cluster.telemetryRateKey("p:", 4, 7, 99),
      cluster.historyStreamKey("p:", 7),
    ];
    for (const key of perPatrol) expect(hashTag(key), key).toBe("7");
    expect(cluster.patrolChannel("p:", 7)).toBe("p:live:patrol:{7}");
    expect(cluster.patrolIdOfChannel("p:", cluster.patrolChannel("p:", 7))).toBe(7);
    for (const key of [cluster.scopeSetKey("p:", zone), cluster.scopeSetKey("p:", { level: "city", id: null }), cluster.vehicleActivePatrolKey("p:", 4), cluster.statePlaneReadyKey("p:")]) {
      expect(hashTag(key), key).toBe("sp");
    }
    expect(() => cluster.historyStreamKey("p:")).toThrow(/own stream/);
  });

  it("recognises the cluster layout's state-plane keys and scans for them", () => {
    const ours = [
      cluster.scopeSetKey("k:", zone),
      cluster.patrolMetaKey("k:", 17),
      cluster.patrolCredentialKey("k:", 17),
      cluster.vehicleActivePatrolKey("k:", 4),
      cluster.deviceVehicleKey("k:", "ab".repeat(32)),
    ];
    for (const key of ours) expect(cluster.isStatePlaneKey("k:", key), key).toBe(true);
    expect(cluster.isStatePlaneKey("k:", cluster.statePlaneReadyKey("k:"))).toBe(false);
    expect(cluster.isStatePlaneKey("k:", cluster.patrolLastTsKey("k:", 17))).toBe(false);
    expect(cluster.statePlaneScanPatterns("k:")).toContain("k:patrol:{*}:cred");
  });
});

/** The part of `key` Redis Cluster hashes: the first non-empty `{…}`, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf("{");
  const close = open < 0 ? -1 : key.indexOf("}", open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
