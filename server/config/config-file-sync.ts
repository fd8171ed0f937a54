import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { Logger } from "pino";
import type { Millis } from "../domain/types.js";
import type { Registry, RegistryData } from "../store/registry.js";
import { applyConfigChanges, type FailedChange } from "./apply-config-changes.js";
import { formatConfigIssues } from "./format-config-issues.js";
import { parseConfigFile } from "./parse-config-file.js";
import { planConfigChanges, type ConfigChange } from "./plan-config-changes.js";
import { readConfigFile } from "./read-config-file.js";
import type { ConfigIssue } from "./read-json-fields.js";
import { adoptedBy, formatSummary, summarizeChanges } from "./summarize-config-changes.js";

/** A config file that could not be applied at start: the server must not start without what it declares. */
export class ConfigFileError extends Error {
  override readonly name = "ConfigFileError";
}

export interface ConfigFileSyncOptions {
  /** The file, as the operator named it (messages repeat it as given). */
  readonly path: string;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly now: () => Millis;
  /** How long the file must stay unchanged before it is read again; default 300 ms (an editor's save is several events). */
  readonly debounceMs?: number;
}

export interface ConfigFileSync {
  /** Stops watching; resolves once an apply in progress has finished. */
  close(): Promise<void>;
}

/** What one read of the file came to. */
type SyncOutcome =
  | { readonly kind: "refused"; readonly issues: readonly ConfigIssue[] }
  | { readonly kind: "unchanged" }
  | { readonly kind: "applied"; readonly applied: readonly ConfigChange[]; readonly failed: readonly FailedChange[] };

export const DEFAULT_CONFIG_DEBOUNCE_MS = 300;

const registryData = (registry: Registry): RegistryData => ({
  services: registry.listServices(),
  callers: registry.listCallers(),
  subscriptions: registry.listSubscriptions(),
  outages: registry.listOutages(),
});

function describeChange(change: ConfigChange): string {
  switch (change.kind) {
    case "add_service":
    case "update_service":
    case "remove_service":
      return `${change.kind.replace("_", " ")} ${change.service.id}`;
    case "add_caller":
    case "update_caller":
    case "remove_caller":
      return `${change.kind.replace("_", " ")} ${change.caller.id}`;
    case "set_subscription":
    case "remove_subscription":
      return `${change.kind.replace("_", " ")} ${change.subscription.callerId} → ${change.subscription.serviceId}`;
    case "add_outage":
    case "replace_outage":
    case "remove_outage":
      return `${change.kind.replace("_", " ")} ${change.outage.id}`;
  }
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Keeps the registry in line with a `--config` file: applies it once now —
 * rejecting with a {@link ConfigFileError} naming the file, the JSON path and
 * the rule when it is refused or cannot be applied in full — then again each
 * time the file changes.
 *
 * The directory is watched, not the file: editors save by writing a new file
 * and renaming it over the old one, which ends a watch on the old file's
 * inode. Events are debounced; applies never overlap, and a change that
 * arrives during one is applied after it. A file refused at run time is
 * logged and the running state kept: a typo in an edit must not unregister
 * anything.
 */
export async function startConfigFileSync(options: ConfigFileSyncOptions): Promise<ConfigFileSync> {
  const { path, registry, logger, now } = options;
  const debounceMs = options.debounceMs ?? DEFAULT_CONFIG_DEBOUNCE_MS;
  const log = logger.child({ configFile: path });

  async function syncOnce(): Promise<SyncOutcome> {
    const read = await readConfigFile(path);
    if (!read.ok) return { kind: "refused", issues: [read.issue] };
    const current = registryData(registry);
    const parsed = parseConfigFile(read.value, current);
    if (!parsed.ok) return { kind: "refused", issues: parsed.issues };
    const at = now();
    for (const outage of parsed.desired.outages) {
      if (outage.endMs <= at && registry.getOutage(outage.id) === undefined) {
        log.info({ outageId: outage.id }, `config file ${path}: outage ${outage.id} ended at ${new Date(outage.endMs).toISOString()}; not scheduled`);
      }
    }
    const plan = planConfigChanges(parsed.desired, current, at);
    if (plan.length === 0) return { kind: "unchanged" };
    for (const change of plan) {
      const adopted = adoptedBy(change);
      if (adopted !== undefined) log.info(`config file ${path} adopts ${adopted} (created through the API; the file manages it from now on)`);
    }
    return { kind: "applied", ...(await applyConfigChanges(registry, plan)) };
  }

  function report(outcome: SyncOutcome, atStart: boolean): void {
    switch (outcome.kind) {
      case "refused":
        if (!atStart) {
          log.error({ issues: outcome.issues }, `config file refused, running state kept: ${formatConfigIssues(path, outcome.issues)}`);
        }
        return;
      case "unchanged":
        log[atStart ? "info" : "debug"](`config file ${path}: the registry already matches it`);
        return;
      case "applied": {
        const summary = summarizeChanges(outcome.applied);
        log.info(summary, `config file ${path} applied: ${formatSummary(summary)}`);
        for (const { change, error } of outcome.failed) {
          log.error({ err: error, change: change.kind }, `config file ${path}: could not ${describeChange(change)}: ${errorMessage(error)}`);
        }
        return;
      }
    }
  }

  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  // Applies run one after another on this chain; `queued` coalesces the
  // events that arrive while one runs into a single apply after it.
  let tail: Promise<unknown> = Promise.resolve();
  let queued = false;

  function enqueue(): void {
    if (closed || queued) return;
    queued = true;
    tail = tail.then(async () => {
      queued = false;
      if (closed) return;
      try {
        report(await syncOnce(), false);
      } catch (error) {
        log.error({ err: error }, `config file ${path}: applying it failed: ${errorMessage(error)}`);
      }
    });
  }

  const file = basename(path);
  // Watching starts before the first read, so an edit made while it is applied is not missed.
  let watcher: FSWatcher;
  try {
    watcher = watch(dirname(resolve(path)), { persistent: false }, (_event, name) => {
      // Some platforms do not say which file changed; reading once too often is harmless.
      if (name !== null && name !== file) return;
      clearTimeout(timer);
      timer = setTimeout(enqueue, debounceMs);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigFileError(`${path}: ${code === "ENOENT" ? "not found (nor its directory)" : `its directory cannot be watched (${code ?? errorMessage(error)})`}`);
  }
  watcher.on("error", (error) => log.error({ err: error }, `config file ${path}: watching it failed; edits are no longer applied`));

  const closeAll = async () => {
    closed = true;
    clearTimeout(timer);
    watcher.close();
    await tail;
  };

  const firstSync = syncOnce();
  tail = firstSync.catch(() => undefined);
  let first: SyncOutcome;
  try {
    first = await firstSync;
  } catch (error) {
    await closeAll();
    throw error;
  }
  if (first.kind === "refused") {
    await closeAll();
    throw new ConfigFileError(formatConfigIssues(path, first.issues));
  }
  report(first, true);
  if (first.kind === "applied" && first.failed.length > 0) {
    await closeAll();
    const failures = first.failed.map(({ change, error }) => `could not ${describeChange(change)}: ${errorMessage(error)}`);
    throw new ConfigFileError(`${path}: ${failures.join("; ")}`);
  }
  return { close: closeAll };
}
