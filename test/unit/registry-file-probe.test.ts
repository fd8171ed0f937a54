import { describe, expect, it } from "vitest";
import type { ServiceConfig } from "../../server/domain/types.js";
import {
  createRegistryFileSerializer,
  fromRegistryFile,
  RegistryFormatError,
  toRegistryFile,
} from "../../server/store/registry-file-format.js";
import type { RegistryData } from "../../server/store/registry.js";

/** A service's `probe` in registry.json: written only when chosen; files without it still load. */

const base: ServiceConfig = {
  id: "svc_1",
  host: "db.internal",
  port: 5432,
  displayName: "db",
  checkIntervalMs: 30_000,
  checkTimeoutMs: 2_000,
  createdAt: Date.parse("2026-01-01T00:00:00Z"),
};
const data = (...services: ServiceConfig[]): RegistryData => ({ services, callers: [], subscriptions: [], outages: [] });

/** A registry.json as the server wrote it before close modes existed. */
const oldFile = {
  version: 1,
  services: [
    { id: "svc_1", host: "db.internal", port: 5432, displayName: "db", checkIntervalMs: 30000, checkTimeoutMs: 2000, createdAt: "2026-01-01T00:00:00.000Z" },
  ],
  callers: [],
  subscriptions: [],
  outages: [],
};

describe("registry file: probe", () => {
  it("loads a file written before probes existed: the service follows the server's default", () => {
    const [service] = fromRegistryFile(oldFile).services;
    expect(service).toEqual(base);
    expect(service).not.toHaveProperty("probe");
  });

  it("round-trips a chosen close mode, and writes nothing for a service that chose none", () => {
    const reset: ServiceConfig = { ...base, id: "svc_2", port: 5433, probe: { kind: "tcp", closeMode: "reset" } };
    const fin: ServiceConfig = { ...base, id: "svc_3", port: 5434, probe: { kind: "tcp", closeMode: "fin" } };
    const text = createRegistryFileSerializer()(data(base, reset, fin));
    expect(text).toBe(`${JSON.stringify(toRegistryFile(data(base, reset, fin)), null, 2)}\n`);
    const file = JSON.parse(text) as typeof oldFile;
    expect(file.services[0]).not.toHaveProperty("probe");
    expect(file.services[1]).toMatchObject({ probe: { kind: "tcp", closeMode: "reset" } });
    expect(fromRegistryFile(file).services).toEqual([base, reset, fin]);
  });

  it("has no form for an HTTP check (the format predates them): writing one is refused, naming the service", () => {
    const web: ServiceConfig = {
      ...base,
      id: "svc_web",
      port: 80,
      probe: {
        kind: "http",
        url: "http://db.internal/",
        method: "GET",
        headers: {},
        body: new Uint8Array(0),
        acceptedStatuses: [{ min: 200, max: 399 }],
        bodyRegex: "",
        bodyKeyword: "",
        invertBodyMatch: false,
        maxRedirects: 10,
        skipTlsVerify: false,
      },
    };
    expect(() => toRegistryFile(data(base, web))).toThrow(RegistryFormatError);
    expect(() => createRegistryFileSerializer()(data(web))).toThrow("service svc_web: an http check has no form in registry.json (TCP checks only)");
  });

  it.each([
    [{ kind: "http", url: "http://db.internal/" }, "$.services[0].probe.kind: expected \"tcp\""],
    [{ kind: "tcp", closeMode: "linger" }, "$.services[0].probe.closeMode: expected \"fin\" or \"reset\""],
    [{ kind: "tcp" }, "$.services[0].probe.closeMode: expected \"fin\" or \"reset\""],
    ["reset", "$.services[0].probe: expected an object"],
  ])("refuses probe %j, naming the field", (probe, message) => {
    const file = { ...oldFile, services: [{ ...oldFile.services[0], probe }] };
    expect(() => fromRegistryFile(file)).toThrow(RegistryFormatError);
    expect(() => fromRegistryFile(file)).toThrow(message);
  });
});
