import type { DescMethod } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import * as reflectionV1 from "../../server/gen/grpc/reflection/v1/reflection_pb.js";
import { ManagementService } from "../../sdk/gen/monitor/v1/management_service_pb.js";
import { WatchService } from "../../sdk/gen/monitor/v1/watch_service_pb.js";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";

const ADMIN_TOKEN = "admin-token-for-the-policy-test";
const WRONG_TOKEN = "smc_thisTokenWasNeverIssuedByTheServer0000000";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Fixture {
  readonly m: InMemoryMonitor;
  readonly serviceId: string;
  readonly outageId: string;
  /** Caller tokens by caller id. */
  readonly tokens: { readonly alice: string; readonly bob: string };
}

/** A monitor with auth on: a service, callers alice (subscribed) and bob, one planned outage. */
async function fixture(): Promise<Fixture> {
  const m = await open({ auth: { adminTokens: [ADMIN_TOKEN] } });
  const headers = bearer(ADMIN_TOKEN);
  const { service } = await m.management.registerService({ host: "127.0.0.1", port: 1 }, { headers });
  const alice = await m.management.registerCaller({ callerId: "alice" }, { headers });
  const bob = await m.management.registerCaller({ callerId: "bob" }, { headers });
  await m.management.subscribe({ callerId: "alice", serviceId: service!.id }, { headers });
  const now = m.clock.now();
  const { outage } = await m.management.schedulePlannedOutage(
    { serviceId: service!.id, startTime: timestampFromMs(now + 60_000), endTime: timestampFromMs(now + 120_000) },
    { headers },
  );
  return { m, serviceId: service!.id, outageId: outage!.id, tokens: { alice: alice.callerToken, bob: bob.callerToken } };
}

/**
 * A valid request for every RPC, so the right token gets OK; `owner` is the
 * caller whose own token may also make the call (everything else is admin only).
 */
type Sample = (f: Fixture) => { readonly request: object; readonly owner?: "alice" };
const SAMPLES: Record<string, Sample> = {
  "ManagementService.RegisterService": () => ({ request: { host: "127.0.0.2", port: 2 } }),
  "ManagementService.GetService": (f) => ({ request: { serviceId: f.serviceId } }),
  "ManagementService.ListServices": () => ({ request: {} }),
  "ManagementService.UpdateService": (f) => ({
    request: { service: { id: f.serviceId, displayName: "renamed" }, updateMask: { paths: ["display_name"] } },
  }),
  "ManagementService.PauseService": (f) => ({ request: { serviceId: f.serviceId } }),
  "ManagementService.ResumeService": (f) => ({ request: { serviceId: f.serviceId } }),
  "ManagementService.UnregisterService": (f) => ({ request: { serviceId: f.serviceId } }),
  "ManagementService.RegisterCaller": () => ({ request: { callerId: "carol" } }),
  "ManagementService.RotateCallerToken": () => ({ request: { callerId: "alice" } }),
  "ManagementService.UnregisterCaller": () => ({ request: { callerId: "alice" } }),
  "ManagementService.ListCallers": () => ({ request: {} }),
  "ManagementService.Subscribe": (f) => ({ request: { callerId: "bob", serviceId: f.serviceId } }),
  "ManagementService.Unsubscribe": (f) => ({ request: { callerId: "alice", serviceId: f.serviceId } }),
  "ManagementService.ListSubscriptions": () => ({ request: { callerId: "alice" }, owner: "alice" }),
  "ManagementService.SchedulePlannedOutage": (f) => ({
    request: {
      serviceId: f.serviceId,
      startTime: timestampFromMs(f.m.clock.now() + 300_000),
      endTime: timestampFromMs(f.m.clock.now() + 600_000),
    },
  }),
  "ManagementService.CancelPlannedOutage": (f) => ({ request: { outageId: f.outageId } }),
  "ManagementService.ListPlannedOutages": () => ({ request: {} }),
  "ManagementService.ListCheckResults": (f) => ({ request: { serviceId: f.serviceId } }),
  "ManagementService.GetServiceStats": (f) => ({ request: { serviceId: f.serviceId } }),
  "ManagementService.ListStatusChanges": (f) => ({ request: { serviceId: f.serviceId } }),
  "WatchService.Watch": () => ({ request: { callerId: "alice" }, owner: "alice" }),
};

/** Every RPC the two services define, from their descriptors: a new RPC without a sample (and so without a checked policy) fails below. */
const METHODS: DescMethod[] = [...ManagementService.methods, ...WatchService.methods];
const nameOf = (method: DescMethod) => `${method.parent.name}.${method.name}`;

type Outcome = "OK" | keyof typeof Code;

/** Makes the call with these headers; a stream counts as OK once its first message arrives. */
async function call(f: Fixture, method: DescMethod, request: object, headers: Record<string, string>): Promise<{ outcome: Outcome; message: string }> {
  const client = createClient(method.parent, f.m.transport) as unknown as Record<string, (req: object, options: object) => unknown>;
  const invoke = client[method.localName]!;
  try {
    if (method.methodKind === "server_streaming") {
      const abort = new AbortController();
      const stream = invoke(request, { headers, signal: abort.signal }) as AsyncIterable<unknown>;
      for await (const _ of stream) break;
      abort.abort();
    } else {
      await invoke(request, { headers });
    }
    return { outcome: "OK", message: "" };
  } catch (error) {
    const e = ConnectError.from(error);
    return { outcome: Code[e.code] as keyof typeof Code, message: e.rawMessage };
  }
}

const opened: InMemoryMonitor[] = [];
async function open(options: Parameters<typeof createInMemoryMonitor>[0]): Promise<InMemoryMonitor> {
  const m = await createInMemoryMonitor(options);
  opened.push(m);
  return m;
}
afterEach(async () => {
  for (const m of opened.splice(0)) await m.close();
});

let f: Fixture;

describe("auth policy: every RPC with no token, a wrong token, another caller's token and the right one", () => {
  it("has a sample request for exactly the RPCs the descriptors define", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(METHODS.map(nameOf).sort());
  });

  describe.each(METHODS.map((method) => [nameOf(method), method] as const))("%s", (name, method) => {
    it("no token: UNAUTHENTICATED, saying the metadata is missing", async () => {
      f = await fixture();
      const { request } = SAMPLES[name]!(f);
      const result = await call(f, method, request, {});
      expect(result.outcome).toBe("Unauthenticated");
      expect(result.message).toContain("no credentials");
    });

    it("a wrong token: UNAUTHENTICATED, without repeating it", async () => {
      f = await fixture();
      const { request } = SAMPLES[name]!(f);
      const result = await call(f, method, request, bearer(WRONG_TOKEN));
      expect(result.outcome).toBe("Unauthenticated");
      expect(result.message).toContain("not valid");
      expect(result.message).not.toContain(WRONG_TOKEN);
    });

    it("not a Bearer header: UNAUTHENTICATED", async () => {
      f = await fixture();
      const { request } = SAMPLES[name]!(f);
      const result = await call(f, method, request, { authorization: `Basic ${ADMIN_TOKEN}` });
      expect(result.outcome).toBe("Unauthenticated");
      expect(result.message).not.toContain(ADMIN_TOKEN);
    });

    it("another caller's token: PERMISSION_DENIED, naming the RPC", async () => {
      f = await fixture();
      const { request } = SAMPLES[name]!(f);
      const result = await call(f, method, request, bearer(f.tokens.bob));
      expect(result.outcome).toBe("PermissionDenied");
      expect(result.message).toContain(method.name);
    });

    it("the right token: OK", async () => {
      f = await fixture();
      const { request, owner } = SAMPLES[name]!(f);
      expect(await call(f, method, request, bearer(ADMIN_TOKEN))).toEqual({ outcome: "OK", message: "" });
      if (owner !== undefined) {
        // A fresh fixture: the admin's call may have changed what the owner's would see.
        f = await fixture();
        expect(await call(f, method, SAMPLES[name]!(f).request, bearer(f.tokens[owner]))).toEqual({ outcome: "OK", message: "" });
      }
    });
  });
});

describe("what a caller token may do", () => {
  it("lists only its own subscriptions: an empty or other caller_id is PERMISSION_DENIED naming caller_id", async () => {
    f = await fixture();
    const headers = bearer(f.tokens.alice);
    const own = await f.m.management.listSubscriptions({ callerId: "alice" }, { headers });
    expect(own.subscriptions.map((s) => s.callerId)).toEqual(["alice"]);
    for (const callerId of ["", "bob"]) {
      const result = await call(f, ManagementService.method.listSubscriptions, { callerId }, headers);
      expect(result.outcome).toBe("PermissionDenied");
      expect(result.message).toContain("caller_id");
    }
  });

  it("may not watch another caller even with a valid token", async () => {
    f = await fixture();
    const result = await call(f, WatchService.method.watch, { callerId: "bob" }, bearer(f.tokens.alice));
    expect(result).toEqual({ outcome: "PermissionDenied", message: 'Watch: caller_id "bob" is not the caller this token belongs to' });
  });

  it("an admin token may watch any caller", async () => {
    f = await fixture();
    expect((await call(f, WatchService.method.watch, { callerId: "bob" }, bearer(ADMIN_TOKEN))).outcome).toBe("OK");
  });
});

describe("open services", () => {
  it("health answers with no token", async () => {
    f = await fixture();
    const { status } = await f.m.health.check({});
    expect(status).toBeGreaterThan(0);
  });

  it("reflection answers with no token", async () => {
    f = await fixture();
    const reflection = createClient(reflectionV1.ServerReflection, f.m.transport);
    async function* one() {
      yield { host: "", messageRequest: { case: "listServices" as const, value: "" } };
    }
    const names: string[] = [];
    for await (const answer of reflection.serverReflectionInfo(one())) {
      if (answer.messageResponse.case === "listServicesResponse") names.push(...answer.messageResponse.value.service.map((s) => s.name));
    }
    expect(names).toContain("monitor.v1.ManagementService");
  });

  it("reflection is not served at all with reflection off", async () => {
    const m = await open({ auth: { adminTokens: [ADMIN_TOKEN] }, reflection: false });
    const reflection = createClient(reflectionV1.ServerReflection, m.transport);
    async function* one() {
      yield { host: "", messageRequest: { case: "listServices" as const, value: "" } };
    }
    const error = await (async () => {
      for await (const _ of reflection.serverReflectionInfo(one()));
    })().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(error?.code).toBe(Code.Unimplemented);
  });
});

describe("auth off", () => {
  it("every call works without a token, as before", async () => {
    const m = await open({});
    const { caller, callerToken } = await m.management.registerCaller({ callerId: "alice" });
    expect(caller?.hasToken).toBe(true);
    expect(callerToken).toMatch(/^smc_[A-Za-z0-9_-]{43}$/);
    expect((await m.management.listCallers({})).callers).toHaveLength(1);
    for await (const _ of m.watch.watch({ callerId: "alice" })) break;
  });
});
