import type { Service } from "../gen/monitor/v1/resources_pb.js";
import type { RelaxedInit } from "../relaxed-init.js";
import { readHttpFlags } from "./http-flags.js";
import type { ParsedCommandLine } from "./parse-command-line.js";
import { parseCloseFlag, parseDurationFlag, parseHostPort } from "./parse-human-input.js";
import { UsageError } from "./usage-error.js";

/** An UpdateServiceRequest as the SDK takes it. */
export interface ServiceUpdate {
  readonly service: Exclude<RelaxedInit<Service>, Service>;
  readonly updateMask: readonly string[];
}

/** The flags `services update` reads itself (the HTTP ones are in http-flags.ts). */
export const UPDATE_FLAGS = ["name", "interval", "timeout", "address", "close"] as const;

/**
 * `services update ID --flags` → UpdateService's request, whose mask names
 * exactly what the operator gave, so nothing else changes. The kind of check
 * is switched only when the flags say what the new one is: `--url` turns a
 * TCP check into an HTTP one (the other HTTP flags set it up, the rest at
 * their defaults), `--address HOST:PORT` an HTTP check into a TCP one. HTTP
 * flags on a TCP check without `--url`, or `--close` on an HTTP check without
 * `--address`, are usage errors rather than the server's refusal, which
 * speaks of mask paths the operator never typed.
 *
 * @param current the service as GetService answered (its kind of check decides the mask).
 */
export function buildServiceUpdate(current: Service, input: ParsedCommandLine): ServiceUpdate {
  const { flags } = input;
  const service: Exclude<RelaxedInit<Service>, Service> = { id: current.id };
  const paths: string[] = [];
  const name = flags.get("name");
  if (name !== undefined) {
    service.displayName = name;
    paths.push("display_name");
  }
  const interval = flags.get("interval");
  if (interval !== undefined) {
    service.checkInterval = parseDurationFlag("interval", interval);
    paths.push("check_interval");
  }
  const timeout = flags.get("timeout");
  if (timeout !== undefined) {
    service.checkTimeout = parseDurationFlag("timeout", timeout);
    paths.push("check_timeout");
  }

  const http = readHttpFlags(input);
  const address = flags.get("address");
  const close = flags.get("close");
  if (address !== undefined && http.given.length > 0) {
    throw new UsageError(`--address and --${http.given[0]} exclude each other: a service is checked by TCP (HOST:PORT) or HTTP (a URL)`);
  }
  const isHttp = current.probe.case === "http";
  if (address !== undefined) {
    Object.assign(service, parseHostPort(address));
    paths.push("host", "port");
  }
  const closeMode = close === undefined ? undefined : parseCloseFlag(close);
  if (isHttp) {
    if (address !== undefined) {
      // HTTP → TCP: the whole TCP probe, its close mode as given or the server's default.
      service.tcp = closeMode === undefined ? {} : { closeMode };
      paths.push("tcp");
    } else if (closeMode !== undefined) {
      throw new UsageError(`--close: ${current.id} is an HTTP check; give --address HOST:PORT too to switch it to a TCP check`);
    }
    if (http.paths.length > 0) {
      service.http = http.settings;
      paths.push(...http.paths);
    }
  } else {
    if (closeMode !== undefined) {
      service.tcp = { closeMode };
      paths.push("tcp.close_mode");
    }
    if (http.given.length > 0) {
      if (!flags.has("url")) {
        throw new UsageError(`--${http.given[0]}: ${current.id} is a TCP check; give --url too to switch it to an HTTP check`);
      }
      // TCP → HTTP: the whole probe, so settings not given take their defaults.
      service.http = http.settings;
      paths.push("http");
    }
  }
  if (paths.length === 0) {
    throw new UsageError("nothing to change: give at least one of --name, --interval, --timeout, --address, --close, --url or an HTTP flag");
  }
  return { service, updateMask: paths };
}
