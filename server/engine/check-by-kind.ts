import type { CheckResult, HttpProbeConfig, ServiceConfig } from "../domain/types.js";
import type { HttpCheckResult, HttpProbe, HttpProbeTarget } from "./http-probe.js";
import type { ProbeTarget, TcpProbe } from "./probe.js";
import type { PrepareCheck } from "./service-check.js";

/** One probe per kind of check, shared by every service of that kind. */
export interface Probes {
  readonly tcp: TcpProbe;
  readonly http: HttpProbe;
}

/**
 * The engine's PrepareCheck: each service's check built from its `probe`
 * once, by kind. A service with no probe is a TCP check that closes as the
 * server's default says (the TCP probe's own default). Adding a kind is one
 * more case here and its probe in `Probes`; the switch is exhaustive, so the
 * compiler points here when ProbeConfig grows.
 */
export function createCheckByKind(probes: Probes): PrepareCheck {
  return (service) => {
    const probe = service.probe;
    if (probe === undefined || probe.kind === "tcp") {
      const target = tcpTarget(service);
      return () => probes.tcp(target);
    }
    switch (probe.kind) {
      case "http": {
        const target = httpTarget(probe, service.checkTimeoutMs);
        return () => probes.http(target).then(toCheckResult);
      }
      default: {
        const unknown: never = probe;
        throw new Error(`no probe for kind ${JSON.stringify((unknown as { kind: unknown }).kind)}`);
      }
    }
  };
}

function tcpTarget(service: ServiceConfig): ProbeTarget {
  return {
    host: service.host,
    port: service.port,
    timeoutMs: service.checkTimeoutMs,
    // Undefined: the server's default close (--tcp-close).
    closeMode: service.probe?.kind === "tcp" ? service.probe.closeMode : undefined,
  };
}

function httpTarget(probe: HttpProbeConfig, timeoutMs: number): HttpProbeTarget {
  return {
    url: probe.url,
    method: probe.method,
    headers: probe.headers,
    ...(probe.body.length === 0 ? {} : { body: probe.body }),
    acceptedStatuses: probe.acceptedStatuses,
    bodyRegex: probe.bodyRegex,
    bodyKeyword: probe.bodyKeyword,
    invertBodyMatch: probe.invertBodyMatch,
    maxRedirects: probe.maxRedirects,
    skipTlsVerify: probe.skipTlsVerify,
    timeoutMs,
  };
}

/** The HTTP probe's result in the domain's shape: what only HTTP knows goes under `http`. */
function toCheckResult(result: HttpCheckResult): CheckResult {
  return {
    status: result.status,
    at: result.at,
    latencyMs: result.latencyMs,
    detail: result.detail,
    http: {
      statusCode: result.httpStatus,
      phases: result.phases,
      tlsExpiresAt: result.tlsExpiresAt,
      captures: result.captures.groups,
      namedCaptures: result.captures.named,
    },
  };
}
