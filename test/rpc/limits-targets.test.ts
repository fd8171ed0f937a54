import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_ALLOW_TARGETS, parseTargetPolicy, type TargetPolicy } from "../../server/limits/target-policy.js";
import { createInMemoryMonitor, type InMemoryMonitor } from "../support/in-memory-monitor.js";
import { refusalOf } from "../support/refusal.js";

/** --allow-targets at registration: PERMISSION_DENIED naming the field, nothing stored. */

const policy = (text: string) => parseTargetPolicy(text) as TargetPolicy;
let m: InMemoryMonitor | undefined;
afterEach(() => m?.close());


describe("--allow-targets at registration", () => {
  it("refuses the metadata address by default, as a TCP host and in an HTTP URL", async () => {
    m = await createInMemoryMonitor({ targetPolicy: policy(DEFAULT_ALLOW_TARGETS) });
    const tcp = await refusalOf(m.management.registerService({ host: "169.254.169.254", port: 80 }));
    expect(tcp.code).toBe(Code.PermissionDenied);
    expect(tcp.rawMessage).toBe("host 169.254.169.254 is not allowed by --allow-targets");
    const http = await refusalOf(
      m.management.registerService({ probe: { case: "http", value: { url: "http://[fd00:ec2::254]/latest/meta-data/" } } }),
    );
    expect(http.code).toBe(Code.PermissionDenied);
    expect(http.rawMessage).toBe("http.url: host fd00:ec2::254 is not allowed by --allow-targets");
    expect(m.registry.listServices()).toHaveLength(0);
    expect(m.probes).toHaveLength(0);
    await m.management.registerService({ host: "127.0.0.1", port: 80 });
    expect(m.registry.listServices()).toHaveLength(1);
  });

  it("refuses moving a service to a refused host, but edits that keep the target pass", async () => {
    m = await createInMemoryMonitor({ targetPolicy: policy("127.0.0.2/32") });
    const { service } = await m.management.registerService({ host: "127.0.0.2", port: 80 });
    const moved = await refusalOf(
      m.management.updateService({ service: { id: service!.id, host: "127.0.0.1", port: 80 }, updateMask: { paths: ["host"] } }),
    );
    expect(moved.code).toBe(Code.PermissionDenied);
    expect(moved.rawMessage).toBe("host 127.0.0.1 is not allowed by --allow-targets");
    expect(m.registry.getService(service!.id)!.host).toBe("127.0.0.2");
    await m.management.updateService({ service: { id: service!.id, displayName: "two" }, updateMask: { paths: ["display_name"] } });
    expect(m.registry.getService(service!.id)!.displayName).toBe("two");
  });
});
