import type { HttpProbe } from "../gen/monitor/v1/resources_pb.js";
import type { RelaxedInit } from "../relaxed-init.js";
import type { ParsedCommandLine } from "./parse-command-line.js";
import { parseCountFlag, parseExpectFlag, parseHeaderFlags } from "./parse-human-input.js";
import { UsageError } from "./usage-error.js";

/** The flags that set an HTTP check, as `services add URL` takes them. */
export const HTTP_ADD_FLAGS = {
  method: "value",
  header: "values",
  body: "value",
  expect: "value",
  match: "value",
  keyword: "value",
  invert: "switch",
  "max-redirects": "value",
  insecure: "switch",
} as const;

/** `services update` also takes the URL, and a way back from each switch. */
export const HTTP_UPDATE_FLAGS = { url: "value", ...HTTP_ADD_FLAGS, "no-headers": "switch", "no-invert": "switch", "no-insecure": "switch" } as const;

/** Help lines for {@link HTTP_ADD_FLAGS}, shared by add and update. */
export const HTTP_FLAGS_HELP = `  --method M         GET (default), HEAD or POST
  --header 'K: V'    a request header; repeat for more
  --body TEXT        the request body (POST only)
  --expect LIST      accepted status codes, e.g. 200-299,304 (default 200-399)
  --match REGEX      up only if the body matches this RE2 regex (its groups are reported)
  --keyword TEXT     up only if the body contains this text (instead of --match)
  --invert           up only if the body does NOT match / contain it
  --max-redirects N  redirects followed, 0 to 20 (default 10; 0: a 3xx is the answer)
  --insecure         accept any TLS certificate (expired, self-signed, wrong name)`;

/** An HttpProbe as the SDK's relaxed requests take it (every field optional). */
export type HttpSettings = Exclude<RelaxedInit<HttpProbe>, HttpProbe>;

/** What the HTTP flags given say: the settings, their update-mask paths, and the flags (for messages). */
export interface HttpFlags {
  readonly settings: HttpSettings;
  /** UpdateService mask paths of the settings named, e.g. "http.accepted_statuses". */
  readonly paths: readonly string[];
  /** The flags given, in the order of the flag list, e.g. ["expect", "match"]. */
  readonly given: readonly string[];
}

/**
 * Reads the HTTP flags of a command line. Only what the CLI must parse is
 * checked (status lists, header lines, counts, flags that exclude each
 * other); values such as a method or a regex go to the server, which names
 * what is wrong. `--match` and `--keyword` each clear the other, since a
 * check has at most one of them.
 */
export function readHttpFlags(input: ParsedCommandLine): HttpFlags {
  const { flags, lists } = input;
  const settings: HttpSettings = {};
  const paths: string[] = [];
  const set = <K extends keyof HttpSettings>(key: K, value: HttpSettings[K], ...named: string[]) => {
    settings[key] = value;
    for (const path of named) if (!paths.includes(path)) paths.push(path);
  };
  exclusive(flags, "match", "keyword");
  exclusive(flags, "invert", "no-invert");
  exclusive(flags, "insecure", "no-insecure");
  exclusive(flags, "header", "no-headers");

  const url = flags.get("url");
  if (url !== undefined) set("url", url, "http.url");
  const method = flags.get("method");
  if (method !== undefined) set("method", method.toUpperCase(), "http.method");
  if (lists.has("header")) set("headers", parseHeaderFlags(lists.get("header")!), "http.headers");
  if (flags.has("no-headers")) set("headers", {}, "http.headers");
  const body = flags.get("body");
  if (body !== undefined) set("body", new TextEncoder().encode(body), "http.body");
  const expect = flags.get("expect");
  if (expect !== undefined) set("acceptedStatuses", parseExpectFlag(expect), "http.accepted_statuses");
  const match = flags.get("match");
  if (match !== undefined) {
    set("bodyRegex", match, "http.body_regex", "http.body_keyword");
    set("bodyKeyword", "");
  }
  const keyword = flags.get("keyword");
  if (keyword !== undefined) {
    set("bodyKeyword", keyword, "http.body_keyword", "http.body_regex");
    set("bodyRegex", "");
  }
  if (flags.has("invert") || flags.has("no-invert")) set("invertBodyMatch", flags.has("invert"), "http.invert_body_match");
  const redirects = flags.get("max-redirects");
  if (redirects !== undefined) set("maxRedirects", parseCountFlag("max-redirects", redirects), "http.max_redirects");
  if (flags.has("insecure") || flags.has("no-insecure")) set("skipTlsVerify", flags.has("insecure"), "http.skip_tls_verify");

  const given = Object.keys(HTTP_UPDATE_FLAGS).filter((name) => flags.has(name));
  return { settings, paths, given };
}

function exclusive(flags: ReadonlyMap<string, string>, a: string, b: string): void {
  if (flags.has(a) && flags.has(b)) throw new UsageError(`--${a} and --${b} exclude each other`);
}
