import { describe, expect, it } from "vitest";
import { guardResolve } from "../../server/limits/guard-resolve.js";
import { addressAllowed, DEFAULT_ALLOW_TARGETS, hostAllowed, parseTargetPolicy, type TargetPolicy } from "../../server/limits/target-policy.js";
import { parseServerArgs } from "../../server/server-args.js";

const policy = (text: string): TargetPolicy => {
  const parsed = parseTargetPolicy(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
};

describe("the default --allow-targets", () => {
  const p = policy(DEFAULT_ALLOW_TARGETS);
  it.each(["169.254.169.254", "169.254.0.1", "fe80::1", "fd00:ec2::254", "::ffff:169.254.169.254"])("refuses %s", (ip) => {
    expect(hostAllowed(p, ip)).toBe(false);
    expect(addressAllowed(p, "metadata.example", ip)).toBe(false);
  });
  it.each(["127.0.0.1", "::1", "10.1.2.3", "db.internal", "fd00:ec2::255"])("allows %s", (host) => {
    expect(hostAllowed(p, host)).toBe(true);
  });
  it("is what the server uses without the flag", () => {
    const parsed = parseServerArgs([], {});
    expect(parsed.kind === "run" && parsed.args.allowTargets.text).toBe(DEFAULT_ALLOW_TARGETS);
  });
});

describe("--allow-targets rules", () => {
  it("first match decides: an exclusion before a wider allow wins, and after it loses", () => {
    expect(addressAllowed(policy("!10.0.0.5,10.0.0.0/8"), "10.0.0.5", "10.0.0.5")).toBe(false);
    expect(addressAllowed(policy("!10.0.0.5,10.0.0.0/8"), "10.0.0.6", "10.0.0.6")).toBe(true);
    expect(addressAllowed(policy("10.0.0.0/8,!10.0.0.5"), "10.0.0.5", "10.0.0.5")).toBe(true);
  });

  it("matches host patterns without case and a trailing dot; *.domain is subdomains only", () => {
    const p = policy("*.example.com,db.internal");
    expect(hostAllowed(p, "API.example.com.")).toBe(true);
    expect(hostAllowed(p, "a.b.example.com")).toBe(true);
    expect(hostAllowed(p, "example.com")).toBe(false);
    expect(hostAllowed(p, "db.internal")).toBe(true);
    expect(hostAllowed(p, "xdb.internal")).toBe(false);
    // No CIDR rule: IP literals match nothing.
    expect(hostAllowed(p, "127.0.0.1")).toBe(false);
  });

  it("lets a name through registration when only CIDRs could allow it, and judges its address at connect", () => {
    const p = policy("127.0.0.2/32");
    expect(hostAllowed(p, "localhost")).toBe(true);
    expect(hostAllowed(p, "127.0.0.1")).toBe(false);
    expect(addressAllowed(p, "localhost", "127.0.0.1")).toBe(false);
    expect(addressAllowed(p, "localhost", "127.0.0.2")).toBe(true);
    // With no allowing CIDR, a name no host rule matches is refused at once.
    expect(hostAllowed(policy("!127.0.0.0/8"), "localhost")).toBe(false);
  });

  it("lets an explicitly named host reach whatever it resolves to", () => {
    expect(addressAllowed(policy("db.internal,!10.0.0.0/8,*"), "db.internal", "10.0.0.7")).toBe(true);
    expect(addressAllowed(policy("db.internal,!10.0.0.0/8,*"), "other.internal", "10.0.0.7")).toBe(false);
  });

  it.each([
    ["", "empty entry"],
    ["10.0.0.0/8,", "empty entry"],
    ["10.0.0.0/33", "prefix length must be 0-32"],
    ["::1/129", "prefix length must be 0-128"],
    ["bad host!", "expected a CIDR"],
    ["*example.com", "expected a CIDR"],
  ])("refuses %j", (text, message) => {
    expect(parseTargetPolicy(text)).toContain(message);
    expect(parseServerArgs(["--allow-targets", text === "" ? "," : text], {})).toMatchObject({
      kind: "error",
      message: expect.stringMatching(/^--allow-targets: /),
    });
  });

  it("takes MONITOR_ALLOW_TARGETS", () => {
    const parsed = parseServerArgs([], { MONITOR_ALLOW_TARGETS: "127.0.0.0/8" });
    expect(parsed.kind === "run" && parsed.args.allowTargets.text).toBe("127.0.0.0/8");
  });
});

describe("guardResolve", () => {
  it("turns a refused address into a resolution failure naming it, and passes others and failures through", async () => {
    const refused: string[] = [];
    const resolve = guardResolve(
      async (host) =>
        host === "nowhere"
          ? { ok: false, code: "ENOTFOUND", detail: "unknown host nowhere" }
          : { ok: true, address: host === "localhost" ? "127.0.0.1" : "127.0.0.2", family: 4 },
      policy("127.0.0.2/32"),
      (detail) => refused.push(detail),
    );
    expect(await resolve("localhost")).toEqual({ ok: false, code: "EREFUSEDBYPOLICY", detail: "address 127.0.0.1 refused by --allow-targets" });
    expect(await resolve("two.internal")).toEqual({ ok: true, address: "127.0.0.2", family: 4 });
    expect(await resolve("nowhere")).toMatchObject({ ok: false, code: "ENOTFOUND" });
    expect(refused).toEqual(["localhost: address 127.0.0.1 refused by --allow-targets"]);
  });
});
