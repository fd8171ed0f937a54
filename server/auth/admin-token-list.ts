/** Shorter admin tokens are refused: they could be guessed by trying. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

export type AdminTokenList =
  | { readonly ok: true; readonly tokens: readonly string[] }
  | { readonly ok: false; readonly error: string };

/**
 * Checks admin tokens. The messages say which entry (by position), never the
 * token itself: a start-up error ends up in logs. The caller prefixes the
 * flag or variable the tokens came from.
 */
function checkTokens(entries: ReadonlyArray<{ token: string; where: string }>): AdminTokenList {
  for (const { token, where } of entries) {
    if (/\s/.test(token)) return { ok: false, error: `the token ${where} contains whitespace` };
    if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
      return {
        ok: false,
        error: `the token ${where} is ${token.length} characters; admin tokens must be at least ${MIN_ADMIN_TOKEN_LENGTH}`,
      };
    }
  }
  return { ok: true, tokens: [...new Set(entries.map((entry) => entry.token))] };
}

/** `MONITOR_ADMIN_TOKENS`: comma-separated; spaces around a comma are allowed, empty entries ignored. */
export function parseAdminTokensEnv(value: string): AdminTokenList {
  const entries = value
    .split(",")
    .map((raw, i) => ({ token: raw.trim(), where: `at position ${i + 1}` }))
    .filter((entry) => entry.token !== "");
  return checkTokens(entries);
}

/**
 * An admin-tokens file: one token a line; blank lines and lines starting with
 * `#` are ignored; surrounding spaces and a CR (a file saved on Windows) are
 * trimmed. No tokens at all is a valid list: nobody is admin.
 */
export function parseAdminTokensFile(text: string): AdminTokenList {
  const entries = text
    .split("\n")
    .map((raw, i) => ({ token: raw.trim(), where: `on line ${i + 1}` }))
    .filter((entry) => entry.token !== "" && !entry.token.startsWith("#"));
  return checkTokens(entries);
}
