import { describe, expect, it } from "vitest";
import { parsePostgresTarget } from "../../server/store/postgres-target.js";

describe("parsePostgresTarget", () => {
  it.each([
    ["postgres://monitor:secret@127.0.0.1:5432/monitor", "postgres 127.0.0.1:5432/monitor"],
    ["postgresql://monitor@db.internal/monitor?sslmode=require", "postgres db.internal:5432/monitor"],
    ["postgres://monitor@[::1]:6543/mon%20itor", "postgres [::1]:6543/mon itor"],
    ["postgres://monitor@localhost", "postgres localhost:5432/monitor"],
    ["postgres:///monitor?host=/run/postgresql", "postgres /run/postgresql:5432/monitor"],
  ])("%s is described as %s", (url, description) => {
    const target = parsePostgresTarget(url);
    expect(target.description).toBe(description);
    expect(target.name).toBe(description.replace(/^postgres /, ""));
  });

  it("redacts the password, raw or percent-encoded", () => {
    expect(parsePostgresTarget("postgres://u:s3cret@h/d").redact("bad s3cret here, s3cret")).toBe("bad *** here, ***");
    expect(parsePostgresTarget("postgres://u:p%40ss@h/d").redact("p@ss and p%40ss")).toBe("*** and ***");
    expect(parsePostgresTarget("postgres://u@h/d").redact("nothing to hide")).toBe("nothing to hide");
  });

  it("refuses what is not a PostgreSQL URL without quoting it", () => {
    expect(() => parsePostgresTarget("mysql://u:s3cret@h/d")).toThrow('the PostgreSQL URL starts with "mysql:": expected postgres://');
    expect(() => parsePostgresTarget("u:s3cret@h/d")).toThrow(/^the PostgreSQL URL/);
    expect(() => parsePostgresTarget("not a url s3cret")).toThrow(/^the PostgreSQL URL is not a URL/);
  });
});
