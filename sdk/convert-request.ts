import { isMessage, type DescField, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describeValue } from "./describe-value.js";
import type { RelaxedInitShape } from "./relaxed-init.js";
import { durationFromInput, timestampFromInput } from "./time-input.js";

/**
 * Turns a relaxed request (milliseconds and Dates in Duration and Timestamp
 * fields) into the init shape `create()` and connect accept. It walks the
 * message descriptor, so every Duration/Timestamp field is found at any depth
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

function convertMessage(schema: DescMessage, value: unknown, path: string): unknown {
  switch (schema.typeName) {
    case "google.protobuf.Duration":
      return durationFromInput(value as never, path || "request");
    case "google.protobuf.Timestamp":
      return timestampFromInput(value as never, path || "request");
  }
  // A complete message already holds messages in every message field.
  if (value === undefined || isMessage(value, schema)) return value;
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date) {
    throw new ConnectError(`${path || "request"}: expected an object for ${schema.typeName}, got ${describeValue(value)}`, Code.InvalidArgument);
  }
  const input = value as Record<string, unknown>;
  const output: Record<string, unknown> = { ...input };
  for (const member of schema.members) {
    const present = input[member.localName];
    if (present === undefined) continue;
    if (member.kind === "field") {
      output[member.localName] = convertField(member, present, join(path, member.name));
      continue;
    }
    // A oneof is `{ case: localName, value }`; only a message member needs a look.
    const selected = present as { case?: unknown; value?: unknown };
    const field = member.fields.find((f) => f.localName === selected.case);
    if (field?.fieldKind === "message") {
      output[member.localName] = { ...selected, value: convertMessage(field.message, selected.value, join(path, field.name)) };
    }
  }
  return output;
}

function convertField(field: DescField, value: unknown, path: string): unknown {
  switch (field.fieldKind) {
    case "message":
      return convertMessage(field.message, value, path);
    case "list":
      if (field.listKind !== "message" || !Array.isArray(value)) return value;
      return value.map((item: unknown, i) => convertMessage(field.message, item, `${path}[${i}]`));
    case "map":
      if (field.mapKind !== "message" || typeof value !== "object" || value === null) return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, convertMessage(field.message, item, `${path}[${JSON.stringify(key)}]`)]),
      );
    default:
      return value;
  }
}

function join(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}
