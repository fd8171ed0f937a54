import type { RegisterServiceRequest } from "../gen/monitor/v1/management_service_pb.js";
import type { RelaxedInit } from "../relaxed-init.js";
import { readHttpFlags } from "./http-flags.js";
import type { ParsedCommandLine } from "./parse-command-line.js";
import { parseCheckTarget, parseCloseFlag, parseDurationFlag } from "./parse-human-input.js";
import { UsageError } from "./usage-error.js";

/**
 * `services add TARGET --flags` → RegisterService's request: a URL is an
 * HTTP check set up by the HTTP flags, HOST:PORT a TCP check. A flag of the
 * other kind is a usage error naming it, rather than silently ignored.
 */
export function buildRegisterRequest(input: ParsedCommandLine): Exclude<RelaxedInit<RegisterServiceRequest>, RegisterServiceRequest> {
  const { positionals, flags } = input;
  const target = parseCheckTarget(positionals[0]!);
  const http = readHttpFlags(input);
  const close = flags.get("close");
  if (target.kind === "http" && close !== undefined) throw new UsageError("--close: only for a TCP check (HOST:PORT), not a URL");
  if (target.kind === "tcp" && http.given.length > 0) {
    throw new UsageError(`--${http.given[0]}: only for an HTTP check (give a URL, e.g. http://${positionals[0]}/)`);
  }
  const interval = flags.get("interval");
  const timeout = flags.get("timeout");
  return {
    displayName: flags.get("name") ?? "",
    ...(interval === undefined ? {} : { checkInterval: parseDurationFlag("interval", interval) }),
    ...(timeout === undefined ? {} : { checkTimeout: parseDurationFlag("timeout", timeout) }),
    ...(target.kind === "http"
      ? { http: { ...http.settings, url: target.url } }
      : { host: target.host, port: target.port, ...(close === undefined ? {} : { tcp: { closeMode: parseCloseFlag(close) } }) }),
  };
}
