/**
 * The clients the check loop (check-loop-child.ts) can drive, each as "make
 * one check of target i, then call done once": the server's own probes, and
 * the bare clients they are compared with. Everything a client needs per
 * target (options objects, URLs) is built once up front, so a check costs
 * only what the client itself costs.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { Agent, Client } from "undici";
import { createDnsCache } from "../../server/engine/dns-cache.js";
import { createHttpProbe } from "../../server/engine/http-probe.js";
import { createTcpProbe } from "../../server/engine/probe.js";

/**
 * - `http-probe`: the server's HTTP(S) probe (createHttpProbe), with the
 *   server's DNS cache as its resolver.
 * - `node-http`: the floor of that probe: `http.request` / `https.request`
 *   with `agent: false` (a fresh connection, `Connection: close`), the body
 *   drained, nothing else.
 * - `undici`: undici 7 the way a check would have to use it: an Agent with
 *   `pipelining: 0` and `reset: true` per request (`Connection: close`), so
 *   every request opens its own connection, the body drained.
 * - `undici-client`: undici 7 with a fresh `Client` per request (and
 *   `reset: true`), closed after the body: the other way to get a new
 *   connection per check, without the Agent's pool in between.
 * - `tcp-probe-fin` / `tcp-probe-reset`: the server's TCP probe (createTcpProbe)
 *   closing with FIN (the default) or RST, against TCP listeners.
 */
export type LoopClientKind = "http-probe" | "node-http" | "undici" | "undici-client" | "tcp-probe-fin" | "tcp-probe-reset";

/** Where one check goes: an http(s) URL, or `tcp://127.0.0.1:PORT` for the TCP probe. */
export type LoopTarget = string;

/** Called once per check: undefined when it succeeded (up / 2xx), else why not. */
export type LoopDone = (failure: string | undefined) => void;

/** Starts one check of `targets[index]`. */
export type LoopCheck = (index: number, done: LoopDone) => void;

/** Bounds every check; loopback answers in milliseconds, so only a broken run reaches it. */
const TIMEOUT_MS = 5000;

/** Makes the client `kind` for `targets`. HTTPS certificates must be trusted by the process (NODE_EXTRA_CA_CERTS). */
export function createLoopClient(kind: LoopClientKind, targets: readonly LoopTarget[]): LoopCheck {
  switch (kind) {
    case "http-probe":
      return httpProbeClient(targets);
    case "node-http":
      return nodeHttpClient(targets);
    case "undici":
      return undiciClient(targets);
    case "undici-client":
      return undiciFreshClient(targets);
    case "tcp-probe-fin":
      return tcpProbeClient(targets, "fin");
    case "tcp-probe-reset":
      return tcpProbeClient(targets, "reset");
  }
}

function httpProbeClient(targets: readonly LoopTarget[]): LoopCheck {
  const dns = createDnsCache();
  const probe = createHttpProbe({ resolve: dns.resolve });
  const probeTargets = targets.map((url) => ({ url, timeoutMs: TIMEOUT_MS }));
  return (index, done) => {
    void probe(probeTargets[index]!).then((result) => done(result.status === "up" ? undefined : result.detail));
  };
}

function nodeHttpClient(targets: readonly LoopTarget[]): LoopCheck {
  const prepared = targets.map((target) => {
    const url = new URL(target);
    const options: RequestOptions = {
      host: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      method: "GET",
      agent: false,
      timeout: TIMEOUT_MS,
    };
    return { secure: url.protocol === "https:", options };
  });
  return (index, done) => {
    const { secure, options } = prepared[index]!;
    let finished = false;
    const finish = (failure: string | undefined): void => {
      if (finished) return;
      finished = true;
      done(failure);
    };
    const onResponse = (response: IncomingMessage): void => {
      const status = response.statusCode ?? 0;
      response.on("end", () => finish(status >= 200 && status < 400 ? undefined : `status ${status}`));
      response.on("error", (error) => finish(error.message));
      response.resume();
    };
    const request = (secure ? httpsRequest : httpRequest)(options, onResponse);
    request.on("error", (error) => finish(error.message));
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.end();
  };
}

function undiciClient(targets: readonly LoopTarget[]): LoopCheck {
  // pipelining 0: no keep-alive; reset: "Connection: close" and the socket
  // closed after the response, so each request connects (and handshakes) anew.
  const agent = new Agent({ pipelining: 0, connect: { timeout: TIMEOUT_MS }, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  const prepared = targets.map((target) => {
    const url = new URL(target);
    return { origin: url.origin, path: url.pathname, method: "GET" as const, reset: true };
  });
  return (index, done) => {
    agent.request(prepared[index]!, (error, data) => {
      if (error !== null) {
        done(error.message);
        return;
      }
      const status = data.statusCode;
      data.body.on("end", () => done(status >= 200 && status < 400 ? undefined : `status ${status}`));
      data.body.on("error", (bodyError: Error) => done(bodyError.message));
      data.body.resume();
    });
  };
}

function undiciFreshClient(targets: readonly LoopTarget[]): LoopCheck {
  const prepared = targets.map((target) => {
    const url = new URL(target);
    return { origin: url.origin, request: { path: url.pathname, method: "GET" as const, reset: true } };
  });
  return (index, done) => {
    const { origin, request } = prepared[index]!;
    const client = new Client(origin, { pipelining: 0, connect: { timeout: TIMEOUT_MS }, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
    const finish = (failure: string | undefined): void => {
      void client.destroy();
      done(failure);
    };
    client.request(request, (error, data) => {
      if (error !== null) {
        finish(error.message);
        return;
      }
      const status = data.statusCode;
      data.body.on("end", () => finish(status >= 200 && status < 400 ? undefined : `status ${status}`));
      data.body.on("error", (bodyError: Error) => finish(bodyError.message));
      data.body.resume();
    });
  };
}

function tcpProbeClient(targets: readonly LoopTarget[], closeMode: "fin" | "reset"): LoopCheck {
  const dns = createDnsCache();
  const probe = createTcpProbe({ resolve: dns.resolve, closeMode });
  const probeTargets = targets.map((target) => {
    const url = new URL(target);
    return { host: url.hostname, port: Number(url.port), timeoutMs: TIMEOUT_MS };
  });
  return (index, done) => {
    void probe(probeTargets[index]!).then((result) => done(result.status === "up" ? undefined : result.detail));
  };
}
