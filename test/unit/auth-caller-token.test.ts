import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashToken, issueCallerToken } from "../../server/auth/caller-token.js";

describe("caller tokens", () => {
  it("issues smc_ and 256 random bits in base64url, with the SHA-256 hex of it as the stored hash", () => {
    const issued = issueCallerToken();
    expect(issued.token).toMatch(/^smc_[A-Za-z0-9_-]{43}$/);
    expect(issued.hash).toBe(createHash("sha256").update(issued.token).digest("hex"));
    expect(issued.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(issued.hash).not.toContain(issued.token.slice(4));
  });

  it("never issues the same token twice", () => {
    const tokens = new Set(Array.from({ length: 200 }, () => issueCallerToken().token));
    expect(tokens.size).toBe(200);
  });

  it("hashes deterministically, and different tokens differently", () => {
    expect(hashToken("smc_a")).toBe(hashToken("smc_a"));
    expect(hashToken("smc_a")).not.toBe(hashToken("smc_b"));
    expect(hashToken("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});
