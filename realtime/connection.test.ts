import { describe, expect, it } from "vitest";
import type { Scope } from "../lib/scope";
import { ConnectionRegistry, type Connection } from "./connection";

const ZONE: Scope = { level: "zone", id: 3 };

function connection(userId: number): Connection {
  return {
    claims: { userId, role: "COMMANDER", scope: ZONE },
    session: null as never,
    closed: Promise.resolve(),
    close: () => undefined,
    terminate: () => undefined,
  };
}

describe("ConnectionRegistry", () => {
  it("finds every open connection of one user, and only theirs", () => {
    const registry = new ConnectionRegistry();
    const [a1, a2, b1] = [connection(1), connection(1), connection(2)];
    for (const c of [a1, a2, b1]) registry.add(c);
    expect([...registry.ofUser(1)]).toEqual([a1, a2]);
    expect([...registry.ofUser(2)]).toEqual([b1]);
    expect(registry.ofUser(3).size).toBe(0);
    expect(registry.size).toBe(3);
    expect([...registry]).toEqual([a1, a2, b1]);
  });

  it("forgets a closed connection, and a user with none left", () => {
    const registry = new ConnectionRegistry();
    const [a1, a2] = [connection(1), connection(1)];
    registry.add(a1);
    registry.add(a2);
    registry.remove(a1);
    expect([...registry.ofUser(1)]).toEqual([a2]);
    registry.remove(a2);
    registry.remove(a2);
    expect(registry.ofUser(1).size).toBe(0);
    expect(registry.size).toBe(0);
  });
});
