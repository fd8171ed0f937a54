import { promises as dnsPromises } from "node:dns";
import { onTestFinished, vi, type MockInstance } from "vitest";

/**
 * Spies on the real resolvers (c-ares resolve4/resolve6 and getaddrinfo),
 * restored when the test ends, so a test can prove that a name was answered
 * without any query.
 */
export function spyOnRealResolvers(): MockInstance[] {
  const spies: MockInstance[] = [
    vi.spyOn(dnsPromises.Resolver.prototype, "resolve4"),
    vi.spyOn(dnsPromises.Resolver.prototype, "resolve6"),
    vi.spyOn(dnsPromises, "lookup"),
  ];
  onTestFinished(() => {
    for (const spy of spies) spy.mockRestore();
  });
  return spies;
}
