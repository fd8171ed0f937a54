import type { Logger } from "pino";
import type { Registry } from "../store/registry.js";
import { createAuthFailureLog } from "./auth-failure-log.js";
import { openAdminTokenSource, type TokenFileSystem } from "./admin-token-source.js";
import type { AuthInterceptorDeps } from "./auth-interceptor.js";
import { createCallerTokenIndex } from "./caller-token-index.js";
import { createCredentialHolds } from "./credential-holds.js";

export interface AuthOptions {
  /** MONITOR_ADMIN_TOKENS, already checked. */
  readonly adminTokens?: readonly string[];
  /** --admin-tokens-file. */
  readonly adminTokensFile?: string;
  /** Tests' in-memory file system and poll interval. */
  readonly fileSystem?: TokenFileSystem;
  readonly pollMs?: number;
}

export interface RunningAuth {
  readonly interceptor: AuthInterceptorDeps;
  close(): void;
}

/**
 * Everything auth needs while the server runs: the admin tokens (following
 * the file), the caller-token index (following the registry), and the holds
 * that end a Watch stream when the token it was opened with goes away.
 */
export async function startAuth(
  options: AuthOptions,
  deps: { readonly registry: Pick<Registry, "listCallers" | "onChange">; readonly logger: Logger; readonly now: () => number; readonly counted?: (reason: string) => void },
): Promise<RunningAuth> {
  const { logger } = deps;
  const admins = await openAdminTokenSource({
    ...(options.adminTokens === undefined ? {} : { envTokens: options.adminTokens }),
    ...(options.adminTokensFile === undefined ? {} : { file: options.adminTokensFile }),
    ...(options.fileSystem === undefined ? {} : { fileSystem: options.fileSystem }),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    logger,
  });
  const callers = createCallerTokenIndex(deps.registry);
  const holds = createCredentialHolds();
  const stopAdmins = admins.onChange((set) => {
    const ended = holds.revoke((p) => p.kind === "admin" && !set.hasDigest(p.tokenDigest), "the admin token of this stream was removed");
    if (ended > 0) logger.info({ streams: ended }, `auth: ${ended} Watch stream(s) opened with a removed admin token ended`);
  });
  const stopCallers = callers.onRevoked((hash) => {
    const ended = holds.revoke((p) => p.kind === "caller" && p.tokenHash === hash, "the caller token of this stream was rotated or revoked");
    if (ended > 0) logger.info({ streams: ended }, `auth: ${ended} Watch stream(s) opened with a replaced caller token ended`);
  });
  logger.info({ adminTokens: admins.current().size }, `auth: on, ${admins.current().size} admin token(s)`);
  return {
    interceptor: {
      admins: () => admins.current(),
      callers,
      holds,
      onFailure: createAuthFailureLog(logger, deps.now, deps.counted),
    },
    close() {
      stopAdmins();
      stopCallers();
      callers.close();
      admins.close();
    },
  };
}
