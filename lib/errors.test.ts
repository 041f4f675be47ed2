import { describe, expect, it } from "vitest";
import { isDatabaseDown } from "./errors";
import { Prisma } from "./generated/prisma/client";

/** A Prisma 7 error as the pg driver adapter produces it (messages copied from real failures). */
function prismaError(code: string, message: string, cause?: Record<string, unknown>): Error {
  return new Prisma.PrismaClientKnownRequestError(`\nInvalid \`prisma.patrol.create()\` invocation:\n\n${message}`, {
    code,
    clientVersion: "7.10.0",
    meta: cause ? { modelName: "Patrol", driverAdapterError: { name: "DriverAdapterError", cause } } : undefined,
  });
}

/** A plain error from the pg driver, with its `code` as node sets it. */
function pgError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

describe("isDatabaseDown", () => {
  it.each([
    ["server stopped (connection refused)", prismaError("P1001", "Can't reach database server at 127.0.0.1:5432", { kind: "DatabaseNotReachable" })],
    ["server shutting down under a pooled connection", prismaError("P2039", "Database error. Code: `57P01`. Message: `terminating connection due to administrator command`", { kind: "postgres", code: "57P01" })],
    ["server starting up", prismaError("P2039", "Database error. Code: `57P03`. Message: `the database system is starting up`", { kind: "postgres", code: "57P03" })],
    ["connection reset", prismaError("P1017", "Server has closed the connection.", { kind: "ConnectionClosed" })],
    ["socket timeout", prismaError("P1008", "Operation has timed out", { kind: "SocketTimeout" })],
    ["out of connections", prismaError("P2037", "Too many database connections opened: sorry, too many clients already", { kind: "TooManyConnections" })],
    ["connection failure (SQLSTATE class 08)", prismaError("P2039", "Database error. Code: `08006`. Message: `connection failure`", { kind: "postgres", code: "08006" })],
    ["pool connect timeout", pgError("timeout exceeded when trying to connect")],
    ["a server that stopped answering (query_timeout)", pgError("Query read timeout")],
    ["connection lost mid-query", pgError("Connection terminated unexpectedly")],
    ["socket refused", pgError("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
  ])("recognises %s", (_what, err) => {
    expect(isDatabaseDown(err)).toBe(true);
  });

  it("recognises the cause of a wrapped error", () => {
    expect(isDatabaseDown(new Error("request failed", { cause: pgError("Connection terminated unexpectedly") }))).toBe(true);
  });

  it.each([
    ["a unique violation", prismaError("P2002", "Unique constraint failed on the fields: (`vehicleId`)")],
    ["a missing record", prismaError("P2025", "No record was found for an update.")],
    ["a statement error", prismaError("P2039", "Database error. Code: `22P02`. Message: `invalid input syntax for type integer`", { kind: "postgres", code: "22P02" })],
    ["a bug", new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])("does not take %s for an outage", (_what, err) => {
    expect(isDatabaseDown(err)).toBe(false);
  });
});
