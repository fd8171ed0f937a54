import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { beforeEach, describe, expect, it } from "vitest";
import { TcpCloseMode, TcpProbeSchema } from "../../sdk/gen/monitor/v1/resources_pb.js";
import { createInMemoryMonitor } from "../support/in-memory-monitor.js";

/** RegisterService's `oneof probe { TcpProbe tcp }`: stored, answered, and refused when unknown. */

let m: Awaited<ReturnType<typeof createInMemoryMonitor>>;
beforeEach(async () => {
  m = await createInMemoryMonitor();
});

const tcp = (closeMode: TcpCloseMode) => ({ case: "tcp" as const, value: create(TcpProbeSchema, { closeMode }) });

describe("RegisterService probe", () => {
  it("without a probe: a TCP check that follows the server's default (answered as tcp, UNSPECIFIED)", async () => {
    const { service } = await m.management.registerService({ host: "db.internal", port: 5432 });
    expect(service!.probe).toMatchObject({ case: "tcp", value: { closeMode: TcpCloseMode.UNSPECIFIED } });
    expect(m.registry.getService(service!.id)!.probe).toBeUndefined();
    // tcp with UNSPECIFIED is the same choice: nothing stored.
    const { service: again } = await m.management.registerService({ host: "db.internal", port: 5433, probe: tcp(TcpCloseMode.UNSPECIFIED) });
    expect(m.registry.getService(again!.id)!.probe).toBeUndefined();
  });

  it.each([
    [TcpCloseMode.FIN, "fin"],
    [TcpCloseMode.RESET, "reset"],
  ] as const)("stores and answers close mode %s", async (mode, stored) => {
    const { service } = await m.management.registerService({ host: "db.internal", port: 5432, probe: tcp(mode) });
    expect(service!.probe).toMatchObject({ case: "tcp", value: { closeMode: mode } });
    expect(m.registry.getService(service!.id)!.probe).toEqual({ kind: "tcp", closeMode: stored });
    const { service: got } = await m.management.getService({ serviceId: service!.id });
    expect(got!.probe).toMatchObject({ case: "tcp", value: { closeMode: mode } });
  });

  it("refuses a close mode it does not know, naming the field", async () => {
    const error = await m.management
      .registerService({ host: "db.internal", port: 5432, probe: tcp(7 as TcpCloseMode) })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toBe(
      "tcp.close_mode: must be TCP_CLOSE_MODE_FIN, TCP_CLOSE_MODE_RESET or unset, got 7",
    );
    expect(m.registry.listServices()).toHaveLength(0);
  });
});
