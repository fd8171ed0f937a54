import pg from "pg";
import { describe, expect, it } from "vitest";
import { postgresStoreError } from "../../server/store/postgres-store-error.js";
import { parsePostgresTarget } from "../../server/store/postgres-target.js";
import { StoreError } from "../../server/store/store.js";

const target = parsePostgresTarget("postgres://monitor:hunter2@db.internal:5433/monitor");

function databaseError(code: string, message: string): pg.DatabaseError {
  const err = new pg.DatabaseError(message, message.length, "error");
  err.code = code;
  return err;
}

describe("postgresStoreError", () => {
  it.each([
    ["57P01", "terminating connection due to administrator command"],
    ["57P03", "the database system is starting up"],
    ["08006", "connection failure"],
    ["53100", "could not extend file: No space left on device"],
    ["53300", "sorry, too many clients already"],
    ["40001", "could not serialize access"],
    ["25006", "cannot execute INSERT in a read-only transaction"],
  ])("%s is unavailable", (code, message) => {
    const err = postgresStoreError(target, "write", databaseError(code, message));
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ kind: "unavailable", message: `postgres db.internal:5433/monitor: write: ${message} (${code})` });
  });

  it.each(["XX001", "XX002"])("%s (data corrupted) is corrupt", (code) => {
    expect(postgresStoreError(target, "load", databaseError(code, "invalid page in block 7"))).toMatchObject({ kind: "corrupt" });
  });

  it("a constraint violation is a plain Error: a bug, not the operator's to fix", () => {
    const cause = databaseError("23503", 'insert or update on table "subscriptions" violates foreign key constraint');
    const err = postgresStoreError(target, "write", cause);
    expect(err).not.toBeInstanceOf(StoreError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ message: expect.stringMatching(/^postgres db\.internal:5433\/monitor: write: .*\(23503\)$/), cause });
  });

  it("at open, a missing database or a refused login is unavailable; later it would be a bug", () => {
    expect(postgresStoreError(target, "open", databaseError("3D000", 'database "monitor" does not exist'))).toMatchObject({ kind: "unavailable" });
    expect(postgresStoreError(target, "open", databaseError("28P01", 'password authentication failed for user "monitor"'))).toMatchObject({
      kind: "unavailable",
    });
    expect(postgresStoreError(target, "write", databaseError("42501", "permission denied for table events"))).not.toBeInstanceOf(StoreError);
  });

  it("network and driver failures are unavailable", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5433"), { code: "ECONNREFUSED" });
    expect(postgresStoreError(target, "open", refused)).toMatchObject({
      kind: "unavailable",
      message: "postgres db.internal:5433/monitor: open: connect ECONNREFUSED 127.0.0.1:5433",
    });
    expect(postgresStoreError(target, "write", new Error("Connection terminated unexpectedly"))).toMatchObject({ kind: "unavailable" });
    expect(postgresStoreError(target, "open", new Error("timeout expired"))).toMatchObject({ kind: "unavailable" });
    const happyEyeballs = new AggregateError([Object.assign(new Error("connect ECONNREFUSED ::1:5433"), { code: "ECONNREFUSED" })], "");
    expect(postgresStoreError(target, "open", happyEyeballs)).toMatchObject({ kind: "unavailable" });
  });

  it("passes this code's own errors through unchanged", () => {
    const own = [new RangeError("retention"), new TypeError("x is undefined"), new StoreError("corrupt", "row"), new Error("not a CallerEvent")];
    for (const err of own) expect(postgresStoreError(target, "write", err)).toBe(err);
  });

  it("never lets the password through", () => {
    const err = postgresStoreError(target, "open", databaseError("28P01", "login with hunter2 refused"));
    expect((err as Error).message).toBe("postgres db.internal:5433/monitor: open: login with *** refused (28P01)");
  });
});
