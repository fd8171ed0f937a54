import { create } from "@bufbuild/protobuf";
import { hostPortOfUrl } from "../domain/service-target.js";
import {
  type HttpProbe,
  HttpProbeSchema,
  type Service,
  TcpCloseMode,
  TcpProbeSchema,
} from "@service-monitor/sdk/gen/monitor/v1/resources_pb.js";
import { invalidArgument } from "../domain/monitor-error.js";
import { quoteInput } from "../domain/quote-input.js";
import type { ServiceSettingsInput } from "./service-settings.js";

/**
 * UpdateService's field mask (AIP-134), as a pure function: the current
 * settings with the masked fields taken from the request's service. The
 * result is checked afterwards exactly as a registration is
 * (checkServiceSettings), so this file knows which fields exist, not what
 * values they may hold.
 *
 * - A named field that is unset in the request goes back to its default
 *   (AIP-134: the mask says what to replace, the message what with).
 * - `tcp` / `http` replace the whole probe, which is how the kind of check is
 *   switched; `tcp.close_mode` and `http.<field>` change one setting of the
 *   probe the service already has (naming one of the other kind is refused:
 *   switching needs the whole probe).
 * - An HTTP check names its host and port in its URL: when the result is an
 *   HTTP check, host and port are cleared unless the mask names them (and
 *   then the check refuses non-empty ones, naming the field).
 * - An empty mask means every field set in the request (non-default; inside
 *   the probe, each set setting when the kind stays the same, the whole probe
 *   when it changes). "*" replaces every field.
 * - Output-only fields (id, state, create_time, paused, pause_time) are
 *   ignored, as AIP-203 asks, so a mask made from a whole Service works.
 * - Anything else is refused with INVALID_ARGUMENT naming update_mask.paths[i].
 */
export function applyServiceMask(
  current: ServiceSettingsInput,
  patch: Service,
  paths: readonly string[],
): ServiceSettingsInput {
  checkMaskPaths(paths);
  if (paths.includes("*")) return settingsFromPatch(patch);
  const named = paths.length === 0 ? impliedPaths(current, patch) : paths;

  let next: ServiceSettingsInput = { ...current };
  const tcpAt = named.indexOf("tcp");
  const httpAt = named.indexOf("http");
  if (tcpAt >= 0 && httpAt >= 0) {
    throw invalidArgument(
      `update_mask.paths[${Math.max(tcpAt, httpAt)}]`,
      'names both "tcp" and "http": a service has one kind of check',
    );
  }
  // The whole probe first, so one mask may switch the kind and then name the new kind's fields.
  if (tcpAt >= 0) next = { ...next, probe: { case: "tcp", value: tcpOf(patch) } };
  if (httpAt >= 0) next = { ...next, probe: { case: "http", value: httpOf(patch) } };

  named.forEach((path, i) => {
    switch (path) {
      case "display_name":
        next = { ...next, displayName: patch.displayName };
        return;
      case "check_interval":
        next = { ...next, checkInterval: patch.checkInterval };
        return;
      case "check_timeout":
        next = { ...next, checkTimeout: patch.checkTimeout };
        return;
      case "host":
        next = { ...next, host: patch.host };
        return;
      case "port":
        next = { ...next, port: patch.port };
        return;
      case "tcp.close_mode": {
        if (next.probe.case === "http") throw wrongKind(i, path, "a TCP", "HTTP", "tcp");
        const closeMode = patch.probe.case === "tcp" ? patch.probe.value.closeMode : TcpCloseMode.UNSPECIFIED;
        next = { ...next, probe: { case: "tcp", value: create(TcpProbeSchema, { closeMode }) } };
        return;
      }
      default: {
        const setting = HTTP_SETTINGS[path];
        if (setting === undefined) return; // "tcp", "http" (done above) or output only
        if (next.probe.case !== "http") throw wrongKind(i, path, "an HTTP", "TCP", "http");
        const value = httpOf(patch)[setting];
        next = { ...next, probe: { case: "http", value: { ...next.probe.value, [setting]: value } } };
      }
    }
  });
  return next.probe.case === "http" ? clearHostPortForHttp(next, named) : next;
}

/** Mask paths of HttpProbe's settings → its field names in the generated message. */
const HTTP_SETTINGS: Readonly<Record<string, keyof HttpProbeSettings>> = {
  "http.url": "url",
  "http.method": "method",
  "http.headers": "headers",
  "http.body": "body",
  "http.accepted_statuses": "acceptedStatuses",
  "http.body_regex": "bodyRegex",
  "http.body_keyword": "bodyKeyword",
  "http.invert_body_match": "invertBodyMatch",
  "http.max_redirects": "maxRedirects",
  "http.skip_tls_verify": "skipTlsVerify",
};

type HttpProbeSettings = Omit<HttpProbe, "$typeName" | "$unknown">;

const TOP_LEVEL = ["display_name", "check_interval", "check_timeout", "host", "port", "tcp", "http", "tcp.close_mode"];
const OUTPUT_ONLY = ["id", "state", "create_time", "paused", "pause_time"];

/**
 * Every path is one UpdateService knows; throws naming the first that is
 * not. applyServiceMask checks too; the handler calls this first so bad
 * input is reported before an unknown id.
 */
export function checkMaskPaths(paths: readonly string[]): void {
  paths.forEach((path, i) => {
    if (path === "*" || TOP_LEVEL.includes(path) || path in HTTP_SETTINGS) return;
    if (OUTPUT_ONLY.includes(path) || path.startsWith("state.")) return;
    throw invalidArgument(
      `update_mask.paths[${i}]`,
      `${quoteInput(path)} is not a field UpdateService can change (display_name, check_interval, check_timeout, host, port, tcp, tcp.close_mode, http, http.<field> or *)`,
    );
  });
}

/** "*": the request's service as it is, unset fields at their defaults (no probe = TCP). */
function settingsFromPatch(patch: Service): ServiceSettingsInput {
  const probe: ServiceSettingsInput["probe"] =
    patch.probe.case === "http" ? { case: "http", value: patch.probe.value } : { case: "tcp", value: tcpOf(patch) };
  // An HTTP check's host and port are its URL's: a Service as GetService answers it has them
  // filled in, and "*" over such a Service must work, so the URL's own are not taken as input
  // (others still are, and are refused).
  const own = probe.case === "http" ? urlHostPort(probe.value.url) : undefined;
  return {
    host: own !== undefined && patch.host.toLowerCase() === own.host ? "" : patch.host,
    port: own !== undefined && patch.port === own.port ? 0 : patch.port,
    displayName: patch.displayName,
    checkInterval: patch.checkInterval,
    checkTimeout: patch.checkTimeout,
    probe,
  };
}

/** The paths an empty mask stands for: the fields set (non-default) in the request. */
function impliedPaths(current: ServiceSettingsInput, patch: Service): string[] {
  const paths: string[] = [];
  if (patch.displayName !== "") paths.push("display_name");
  if (patch.checkInterval !== undefined) paths.push("check_interval");
  if (patch.checkTimeout !== undefined) paths.push("check_timeout");
  const currentKind = current.probe.case === "http" ? "http" : "tcp";
  // As with "*": an HTTP check's own host and port (its URL's) are output, so a whole Service from GetService updates.
  const own = httpHostPortAfter(current, patch);
  if (patch.host !== "" && patch.host.toLowerCase() !== own?.host) paths.push("host");
  if (patch.port !== 0 && patch.port !== own?.port) paths.push("port");
  const { probe } = patch;
  if (probe.case === "tcp") {
    if (currentKind !== "tcp") paths.push("tcp");
    else if (probe.value.closeMode !== TcpCloseMode.UNSPECIFIED) paths.push("tcp.close_mode");
  } else if (probe.case === "http") {
    if (currentKind !== "http") paths.push("http");
    else {
      const h = probe.value;
      const set: Record<keyof HttpProbeSettings, boolean> = {
        url: h.url !== "",
        method: h.method !== "",
        headers: Object.keys(h.headers).length > 0,
        body: h.body.length > 0,
        acceptedStatuses: h.acceptedStatuses.length > 0,
        bodyRegex: h.bodyRegex !== "",
        bodyKeyword: h.bodyKeyword !== "",
        invertBodyMatch: h.invertBodyMatch,
        maxRedirects: h.maxRedirects !== undefined,
        skipTlsVerify: h.skipTlsVerify,
      };
      for (const [path, setting] of Object.entries(HTTP_SETTINGS)) if (set[setting]) paths.push(path);
    }
  }
  return paths;
}

function clearHostPortForHttp(next: ServiceSettingsInput, named: readonly string[]): ServiceSettingsInput {
  return {
    ...next,
    host: named.includes("host") ? next.host : "",
    port: named.includes("port") ? next.port : 0,
  };
}

const tcpOf = (patch: Service) => (patch.probe.case === "tcp" ? patch.probe.value : create(TcpProbeSchema));
const httpOf = (patch: Service) => (patch.probe.case === "http" ? patch.probe.value : create(HttpProbeSchema));

function wrongKind(i: number, path: string, needs: string, is: string, whole: string) {
  return invalidArgument(
    `update_mask.paths[${i}]`,
    `${quoteInput(path)} changes ${needs} check, but the service is checked by ${is}; name "${whole}" to switch the kind of check`,
  );
}

/** The host and port a URL names, or undefined for one that does not parse (checked later, naming it). */
function urlHostPort(url: string): { host: string; port: number } | undefined {
  if (!URL.canParse(url)) return undefined;
  const { host, port } = hostPortOfUrl(new URL(url));
  return { host: host.toLowerCase(), port };
}

/** For an update that leaves the service an HTTP check, the host and port of the URL it will have. */
function httpHostPortAfter(current: ServiceSettingsInput, patch: Service): { host: string; port: number } | undefined {
  const probe = patch.probe.case === undefined ? current.probe : patch.probe;
  if (probe.case !== "http") return undefined;
  const patchedUrl = patch.probe.case === "http" ? patch.probe.value.url : "";
  const currentUrl = current.probe.case === "http" ? current.probe.value.url : "";
  return urlHostPort(patchedUrl !== "" ? patchedUrl : currentUrl);
}
