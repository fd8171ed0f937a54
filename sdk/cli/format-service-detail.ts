import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { formatStatusRanges } from "../config/status-ranges.js";
import type { HttpCheckResult, HttpProbe, Service } from "../gen/monitor/v1/resources_pb.js";
import { ServiceStatus, TcpCloseMode } from "../gen/monitor/v1/resources_pb.js";
import { toMillis } from "../to-millis.js";
import { formatAddress, statusCell } from "./format-target.js";
import { formatLatency, humanSpan, relativeTime, type Paint } from "./format-values.js";

/** HttpProbe's defaults, as the server fills them in (shown when a field is unset). */
const DEFAULT_REDIRECTS = 10;

/**
 * `services get ID`: every setting of the service and what its last check
 * saw, one "Key: value" line each, keys aligned. Times are absolute (ISO)
 * with how long ago; for an HTTP check also the request it makes, what
 * counts as up, and the last response's status code, phases, certificate
 * expiry and captures.
 */
export function formatServiceDetail(service: Service, paint: Paint, now: number): string {
  const rows: Array<[string, string]> = [
    ["ID", service.id],
    ["Name", service.displayName || "-"],
    ...probeRows(service),
    ["Interval", span(service.checkInterval)],
    ["Timeout", span(service.checkTimeout)],
    ["Created", when(service.createTime, now)],
    ["Paused", service.paused ? `since ${when(service.pauseTime, now)}` : "no"],
    ...stateRows(service, paint, now),
  ];
  const width = Math.max(...rows.map(([key]) => key.length)) + 1;
  return rows
    .map(([key, value]) => `${`${key}:`.padEnd(width)}  ${value.split("\n").join(`\n${" ".repeat(width + 2)}`)}`)
    .join("\n")
    .concat("\n");
}

function probeRows(service: Service): Array<[string, string]> {
  const { probe } = service;
  if (probe.case !== "http") {
    const mode = probe.case === "tcp" ? probe.value.closeMode : TcpCloseMode.UNSPECIFIED;
    const close = mode === TcpCloseMode.FIN ? "fin" : mode === TcpCloseMode.RESET ? "reset" : "the server's default (--tcp-close)";
    return [["Check", `TCP connect to ${formatAddress(service.host, service.port)}, closed with ${close}`]];
  }
  const h = probe.value;
  const headers = Object.entries(h.headers).map(([name, value]) => `${name}: ${value}`);
  return [
    ["Check", `HTTP ${h.method || "GET"} ${h.url}`],
    ["Expect", h.acceptedStatuses.length === 0 ? "200-399" : formatStatusRanges(h.acceptedStatuses)],
    ["Body check", bodyCheck(h)],
    ...(headers.length === 0 ? [] : [["Headers", headers.join("\n")] as [string, string]]),
    ...(h.body.length === 0 ? [] : [["Request body", `${h.body.length} bytes: ${JSON.stringify(new TextDecoder().decode(h.body.subarray(0, 200)))}`] as [string, string]]),
    ["Redirects", (h.maxRedirects ?? DEFAULT_REDIRECTS) === 0 ? "not followed" : `followed, at most ${h.maxRedirects ?? DEFAULT_REDIRECTS}`],
    ["TLS verify", h.skipTlsVerify ? "off (any certificate is accepted)" : "on"],
  ];
}

function bodyCheck(h: HttpProbe): string {
  const not = h.invertBodyMatch ? "does not " : "";
  if (h.bodyRegex !== "") return `up if the body ${not}${h.invertBodyMatch ? "match" : "matches"} /${h.bodyRegex}/`;
  if (h.bodyKeyword !== "") return `up if the body ${not}${h.invertBodyMatch ? "contain" : "contains"} ${JSON.stringify(h.bodyKeyword)}`;
  return "none";
}

function stateRows(service: Service, paint: Paint, now: number): Array<[string, string]> {
  const st = service.state;
  if (st === undefined) return [["Status", statusCell(paint, service)]];
  const unchecked = st.lastCheckTime === undefined;
  const rows: Array<[string, string]> = [
    ["Status", `${statusCell(paint, service)}${st.sinceTime === undefined || st.status === ServiceStatus.UNSPECIFIED ? "" : ` since ${when(st.sinceTime, now)}`}`],
    ["Last check", unchecked ? "not checked yet" : `${when(st.lastCheckTime, now)}, took ${formatLatency(toMillis(st.lastLatency))}`],
  ];
  if (st.detail !== "") rows.push(["Detail", st.detail]);
  rows.push(["Checked every", span(st.effectiveInterval)]);
  if (st.nextCheckTime !== undefined) rows.push(["Next check", relativeTime(toMillis(st.nextCheckTime), now)]);
  if (st.inPlannedOutage) rows.push(["Planned outage", paint.yellow("now (nothing is announced)")]);
  if (st.http !== undefined) rows.push(...httpResultRows(st.http, now));
  return rows;
}

function httpResultRows(r: HttpCheckResult, now: number): Array<[string, string]> {
  const phase = (name: string, d: HttpCheckResult["dns"]) => `${name} ${formatLatency(toMillis(d) ?? 0)}`;
  const rows: Array<[string, string]> = [
    ["HTTP status", r.statusCode === 0 ? "no response" : String(r.statusCode)],
    ["Phases", [phase("dns", r.dns), phase("connect", r.connect), phase("tls", r.tls), phase("first byte", r.firstByte), phase("total", r.total)].join("  ")],
  ];
  if (r.tlsExpireTime !== undefined) rows.push(["TLS expires", when(r.tlsExpireTime, now)]);
  if (r.captures.length > 0) rows.push(["Captures", r.captures.map((c, i) => `${i + 1}: ${JSON.stringify(c)}`).join("  ")]);
  const named = Object.entries(r.namedCaptures);
  if (named.length > 0) rows.push(["Named captures", named.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join("  ")]);
  return rows;
}

const span = (d: Parameters<typeof toMillis>[0] | undefined) => (d === undefined ? "-" : humanSpan(toMillis(d)));

/** "2026-11-23T11:00:00.000Z (12s ago)", "-" for no time. */
function when(t: Timestamp | undefined, now: number): string {
  return t === undefined ? "-" : `${timestampDate(t).toISOString()} (${relativeTime(toMillis(t), now)})`;
}
