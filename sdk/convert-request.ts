import { isMessage, ScalarType, type DescField, type DescMessage, type DescOneof, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { parseStatusRanges } from "./config/status-ranges.js";
import { describeValue } from "./describe-value.js";
import { enumFromInput } from "./enum-from-input.js";
import { fieldMaskFromInput } from "./field-mask-from-input.js";
import type { RelaxedInitShape } from "./relaxed-init.js";
import { durationFromInput, timestampFromInput } from "./time-input.js";

/**
 * Turns a relaxed request into the init shape `create()` and connect accept:
 * milliseconds and Dates in Duration and Timestamp fields, a oneof member
 * given by its own name (`{ http: {...} }` for `probe: { case: "http", value }`),
 * enum values by name (`"paused"`), a string for bytes (UTF-8), an array of
 * paths for a FieldMask, and "200-299,304" for a list of status ranges. It
 * walks the message descriptor, so every such field is found at any depth
 * (nested messages, repeated fields, map values, oneof members), and a field
 * added to the proto later is handled without touching this code. Other
 * values are left as they are; the input is never modified.
 *
 * @throws ConnectError (INVALID_ARGUMENT) whose message starts with the
 *   field's path in proto names, e.g. `polling_interval: …` or
 *   `services[0].state.since_time: …`.
 */
export function convertRequest<Desc extends DescMessage>(
  schema: Desc,
  request: RelaxedInitShape<Desc> | undefined,
): MessageInitShape<Desc> {
  return convertMessage(schema, request ?? {}, "") as MessageInitShape<Desc>;
}

/** Lists of these messages may also be written as text, parsed by the function. */
const LIST_FROM_TEXT: Readonly<Record<string, (text: string, path: string) => unknown[]>> = {
  "monitor.v1.StatusRange": (text, path) => {
    if (text.trim() === "") return [];
    const result = parseStatusRanges(text);
    if (!result.ok) throw invalid(path, result.message);
    return result.ranges.map((r) => ({ ...r }));
  },
};

function invalid(path: string, message: string): ConnectError {
  return new ConnectError(`${path || "request"}: ${message}`, Code.InvalidArgument);
}

function convertMessage(schema: DescMessage, value: unknown, path: string): unknown {
  switch (schema.typeName) {
    case "google.protobuf.Duration":
      return durationFromInput(value as never, path || "request");
    case "google.protobuf.Timestamp":
      return timestampFromInput(value as never, path || "request");
    case "google.protobuf.FieldMask":
      return isMessage(value, schema) ? value : fieldMaskFromInput(value, path || "request");
  }
  // A complete message already holds messages in every message field.
  if (value === undefined || isMessage(value, schema)) return value;
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date) {
    throw invalid(path, `expected an object for ${schema.typeName}, got ${describeValue(value)}`);
  }
  const input = value as Record<string, unknown>;
  const output: Record<string, unknown> = { ...input };
  for (const member of schema.members) {
    if (member.kind === "field") {
      const present = input[member.localName];
      if (present !== undefined) output[member.localName] = convertField(member, present, join(path, member.name));
      continue;
    }
    const chosen = chosenOneofMember(member, input, path);
    if (chosen === undefined) continue;
    for (const field of member.fields) delete output[field.localName];
    const converted = convertField(chosen.field, chosen.value, join(path, chosen.field.name));
    // An explicit { case, value } nothing changed in is passed on as it is.
    const given = input[member.localName] as { value?: unknown } | undefined;
    output[member.localName] = given !== undefined && given.value === converted ? given : { case: chosen.field.localName, value: converted };
  }
  return output;
}

/**
 * Which member of a oneof the input sets, and to what: either the oneof's own
 * `{ case, value }` or one member by its name; more than one is refused, as
 * the message could hold only one of them.
 */
function chosenOneofMember(oneof: DescOneof, input: Record<string, unknown>, path: string): { field: DescField; value: unknown } | undefined {
  const named = oneof.fields.filter((f) => input[f.localName] !== undefined);
  const selected = input[oneof.localName] as { case?: unknown; value?: unknown } | undefined;
  const explicit = selected === undefined ? undefined : oneof.fields.find((f) => f.localName === selected.case);
  if (named.length + (explicit === undefined ? 0 : 1) > 1) {
    const given = [...(explicit === undefined ? [] : [`${oneof.localName}.case "${explicit.localName}"`]), ...named.map((f) => f.localName)];
    throw invalid(join(path, named[0]?.name ?? oneof.name), `only one of ${oneof.fields.map((f) => f.localName).join(", ")} may be set (oneof ${oneof.name}), got ${given.join(" and ")}`);
  }
  if (named[0] !== undefined) return { field: named[0], value: input[named[0].localName] };
  return explicit === undefined ? undefined : { field: explicit, value: selected!.value };
}

function convertField(field: DescField, value: unknown, path: string): unknown {
  switch (field.fieldKind) {
    case "message":
      return convertMessage(field.message, value, path);
    case "enum":
      return enumFromInput(field.enum, value, path);
    case "scalar":
      return convertScalar(field.scalar, value);
    case "list":
      if (field.listKind === "message" && typeof value === "string") {
        const parse = LIST_FROM_TEXT[field.message.typeName];
        if (parse !== undefined) return parse(value, path);
      }
      if (!Array.isArray(value)) return value;
      switch (field.listKind) {
        case "message":
          return value.map((item: unknown, i) => convertMessage(field.message, item, `${path}[${i}]`));
        case "enum":
          return value.map((item: unknown, i) => enumFromInput(field.enum, item, `${path}[${i}]`));
        default:
          return field.scalar === ScalarType.BYTES ? value.map((item: unknown) => convertScalar(field.scalar, item)) : value;
      }
    case "map":
      if (typeof value !== "object" || value === null) return value;
      if (field.mapKind === "scalar" && field.scalar !== ScalarType.BYTES) return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => {
          const at = `${path}[${JSON.stringify(key)}]`;
          if (field.mapKind === "message") return [key, convertMessage(field.message, item, at)];
          if (field.mapKind === "enum") return [key, enumFromInput(field.enum, item, at)];
          return [key, convertScalar(field.scalar, item)];
        }),
      );
  }
}

/** A string in a bytes field is its UTF-8 encoding (an HTTP body is usually text). */
function convertScalar(scalar: ScalarType, value: unknown): unknown {
  return scalar === ScalarType.BYTES && typeof value === "string" ? new TextEncoder().encode(value) : value;
}

function join(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}
