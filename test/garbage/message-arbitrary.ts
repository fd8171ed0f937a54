import { ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";
import fc from "fast-check";

/**
 * fast-check arbitraries for any protobuf message, built from its descriptor
 * (so a new request field is covered without editing the garbage suite):
 * every field present or absent, strings of any code points (and a few huge
 * ones), integers at and past their edges, enum numbers nobody declared, long
 * repeated fields, any oneof case. The result is the init object `create()`
 * takes; encoding it gives valid protobuf with hostile values.
 */

const MAX_DEPTH = 4;

const INT32 = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 1, 2 ** 31 - 1, -(2 ** 31)));
const UINT32 = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 1, 2 ** 32 - 1));
const INT64 = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(0n, -1n, 1n, 2n ** 63n - 1n, -(2n ** 63n), 315_576_000_001n, -315_576_000_001n, 86_400n, 1n << 53n),
);
const UINT64 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 1n, 2n ** 64n - 1n));
const HUGE_STRING = fc.integer({ min: 10_000, max: 200_000 }).map((n) => "\u00e9".repeat(n));
const STRING = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom("", " ", "\u0000", "../../etc/passwd", "%00", "a".repeat(257), "\ud800", "svc-1", "caller-1", "é", "🙂".repeat(64), "*", "'; DROP TABLE services; --"),
  },
  { weight: 1, arbitrary: HUGE_STRING },
);
const BYTES = fc.uint8Array({ maxLength: 64 });

function scalar(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0));
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return INT32;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return UINT32;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return INT64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return UINT64;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return STRING;
    case ScalarType.BYTES:
      return BYTES;
  }
}

/** Declared numbers and a few nobody declared (open enums keep them on the wire). */
const enumNumber = (desc: DescEnum) =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...desc.values.map((v) => v.number)) }, { weight: 1, arbitrary: INT32 });

function single(field: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
      return scalar(field.scalar);
    case "enum":
      return enumNumber(field.enum);
    case "message":
      return messageInit(field.message, depth + 1);
    case "list": {
      const item =
        field.listKind === "scalar" ? scalar(field.scalar) : field.listKind === "enum" ? enumNumber(field.enum) : messageInit(field.message, depth + 1);
      // Mostly short lists; now and then a long one (the server must bound what it accepts).
      return fc.oneof({ weight: 5, arbitrary: fc.array(item, { maxLength: 5 }) }, { weight: 1, arbitrary: fc.array(item, { minLength: 200, maxLength: 2_000 }) });
    }
    case "map": {
      const value =
        field.mapKind === "scalar" ? scalar(field.scalar) : field.mapKind === "enum" ? enumNumber(field.enum) : messageInit(field.message, depth + 1);
      return fc.array(fc.tuple(scalar(field.mapKey), value), { maxLength: 8 }).map((entries) => Object.fromEntries(entries.map(([k, v]) => [String(k), v])));
    }
  }
}

/** An init object for `desc`: each field (or oneof) present or absent. Deeper than MAX_DEPTH, empty. */
export function messageInit(desc: DescMessage, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  if (depth > MAX_DEPTH) return fc.constant({});
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of desc.fields) {
    if (field.oneof === undefined) parts[field.localName] = single(field, depth);
  }
  for (const oneof of desc.oneofs) {
    parts[oneof.localName] = fc.oneof(...oneof.fields.map((field) => single(field, depth).map((value) => ({ case: field.localName, value }))));
  }
  return fc.record(parts, { requiredKeys: [] });
}

/** Every field name of `desc` and the messages under it, as the proto and the JSON spell them (an id also by what it names). */
export function fieldNames(desc: DescMessage, seen = new Set<DescMessage>()): Set<string> {
  const names = new Set<string>();
  if (seen.has(desc)) return names;
  seen.add(desc);
  for (const field of desc.fields) {
    names.add(field.name);
    names.add(field.jsonName);
    // "service \"x\" not found" names service_id by what it identifies.
    if (field.name.endsWith("_id")) names.add(field.name.slice(0, -3));
    if (field.oneof !== undefined) names.add(field.oneof.name);
    const nested = field.fieldKind === "message" ? field.message : field.fieldKind === "list" && field.listKind === "message" ? field.message : undefined;
    if (nested !== undefined) for (const name of fieldNames(nested, seen)) names.add(name);
  }
  return names;
}
