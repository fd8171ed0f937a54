/** How many characters of an input value an error message repeats. */
export const QUOTED_INPUT_MAX_CHARS = 64;

/**
 * Characters that are not printable or that reorder or hide text on a
 * terminal (C0/C1 controls, DEL, zero-width and bidi controls, line and
 * paragraph separators, BOM, interlinear annotation marks). JSON.stringify
 * already escapes C0 controls, quotes, backslashes and lone surrogates.
 */
const UNPRINTABLE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/**
 * An input value as an error message may show it: in double quotes, with
 * non-printable characters escaped, cut after `maxChars` characters with "…"
 * and the full length.
 *
 * Every message that repeats a client's input goes through this, because a
 * message is copied into the grpc-message trailer and the server log: a 10 MB
 * id repeated verbatim cost gigabytes once encoded, and control characters in
 * an id could forge log lines or rewrite a terminal.
 */
export function quoteInput(value: string, maxChars: number = QUOTED_INPUT_MAX_CHARS): string {
  let head = value.length > maxChars ? value.slice(0, maxChars) : value;
  // Do not cut a surrogate pair in half (it would show as an escaped lone surrogate).
  const last = head.charCodeAt(head.length - 1);
  if (head.length < value.length && last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  const quoted = JSON.stringify(head).replace(
    UNPRINTABLE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  if (head.length === value.length) return quoted;
  return `${quoted.slice(0, -1)}…" (${value.length} characters)`;
}
