import type { HttpResponseSpec } from "./http-response.js";

function sameHeaders(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/**
 * The fields in which `to` differs from `from` (headers as a whole: they
 * replace each other, never merge). Empty when the two answer alike. Tells
 * the CLI what a step changed, lets the validator reject a step that changes
 * nothing, and lets the schedule skip a cycle phase that repeats the answer.
 */
export function diffResponse(from: HttpResponseSpec, to: HttpResponseSpec): Partial<HttpResponseSpec> {
  return {
    ...(from.status === to.status ? {} : { status: to.status }),
    ...(from.body === to.body ? {} : { body: to.body }),
    ...(sameHeaders(from.headers, to.headers) ? {} : { headers: to.headers }),
    ...(from.delayMs === to.delayMs ? {} : { delayMs: to.delayMs }),
  };
}
