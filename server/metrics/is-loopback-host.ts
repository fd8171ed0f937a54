import { isIP } from "node:net";

/**
 * Whether binding `host` keeps a port on this machine: "localhost",
 * 127.0.0.0/8, ::1 (and its IPv4-mapped form). Anything else, including
 * 0.0.0.0 and ::, can be reached from the network.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1" || /^::ffff:127\./i.test(bare) || /^(0{1,4}:){7}0{0,3}1$/.test(bare);
  return false;
}
