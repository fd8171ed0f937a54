import { formatAddress } from "./format-address.js";
import type { ServiceConfig } from "./types.js";

/**
 * What a service checks, as one key and as words. Two services may not check
 * the same target: a TCP check is one host:port, an HTTP check one method and
 * URL (several HTTP checks of one host:port, or a TCP and an HTTP check of
 * it, are different targets). Host names compare without case; the URL is
 * stored as the URL parser normalises it, so its host is lower case already.
 */

/** The registry's uniqueness key of a service's target. */
export function targetKey(service: Pick<ServiceConfig, "host" | "port" | "probe">): string {
  const probe = service.probe;
  if (probe?.kind === "http") return `http|${probe.method}|${probe.url}`;
  return `tcp|${service.host.toLowerCase()}|${service.port}`;
}

/**
 * The target as an operator reads it: "127.0.0.1:5432", "[::1]:80",
 * "https://example.test/health", "POST https://example.test/hook".
 */
export function describeTarget(service: Pick<ServiceConfig, "host" | "port" | "probe">): string {
  const probe = service.probe;
  if (probe?.kind === "http") return probe.method === "GET" ? probe.url : `${probe.method} ${probe.url}`;
  return formatAddress(service.host, service.port);
}

/**
 * The host and port an HTTP check connects to first: the URL's host (an IPv6
 * literal without its brackets) and its port, or the scheme's default.
 */
export function hostPortOfUrl(url: URL): { host: string; port: number } {
  const host = url.hostname.startsWith("[") && url.hostname.endsWith("]") ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  return { host, port };
}
