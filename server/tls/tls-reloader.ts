import type { Logger } from "pino";
import { certificateExpiry } from "./certificate-expiry.js";
import type { CertificateSummary } from "./certificate-summary.js";
import { loadTlsMaterial, type TlsFiles, type TlsLoad, type TlsMaterial } from "./load-tls-material.js";
import { watchFiles, type FileWatch } from "./watch-files.js";

/** Twice a day: a warning 14 days ahead is repeated about 28 times before the end. */
const EXPIRY_CHECK_MS = 12 * 60 * 60 * 1000;

/** What one reload did: the new certificate, or why the old one stays. */
export type TlsReload =
  | { readonly kind: "reloaded"; readonly certificate: CertificateSummary }
  | { readonly kind: "kept"; readonly file: string; readonly reason: string };

export interface TlsReloader {
  /** Reads the files again; on success new connections get the new certificate, open ones keep theirs. */
  reload(trigger: string): Promise<TlsReload>;
  close(): void;
}

/** Logs a served certificate: which one, and a warning when it ends within 14 days or has ended. */
export function logCertificate(logger: Logger, certificate: CertificateSummary, nowMs: number, context: string): void {
  const { subject, subjectAltNames, notAfter, serialNumber } = certificate;
  const fields = { tls: { subject, subjectAltNames, notAfter, serialNumber } };
  logger.info(fields, `${context}: certificate ${subject} (${subjectAltNames.join(", ") || "no SANs"}), valid until ${notAfter}`);
  warnOfExpiry(logger, certificate, nowMs);
}

/** Warns when the served certificate ends within 14 days or has ended; says nothing otherwise. */
function warnOfExpiry(logger: Logger, certificate: CertificateSummary, nowMs: number): void {
  const { subject, subjectAltNames, notAfter, serialNumber } = certificate;
  const fields = { tls: { subject, subjectAltNames, notAfter, serialNumber } };
  const expiry = certificateExpiry(certificate.notAfterMs, nowMs);
  if (expiry.kind === "expired") logger.warn(fields, `TLS certificate ${subject} expired at ${notAfter}: clients will refuse it`);
  if (expiry.kind === "expires_soon") logger.warn(fields, `TLS certificate ${subject} expires in ${expiry.days} day(s), at ${notAfter}: renew it`);
}

/**
 * Re-reads the TLS files when they change (watched, debounced) and when asked
 * (SIGHUP), and hands what loads to `apply`. A load that fails keeps the old
 * material and logs which file and why: a half-written file while a renewal
 * runs must not take the server's TLS down.
 */
export function startTlsReloader(options: {
  readonly files: TlsFiles;
  /** The certificate served now, whose expiry is checked twice a day until a reload replaces it. */
  readonly initial: CertificateSummary;
  /** For tests: the repeating timer of that check (default setInterval, unref'd). */
  readonly every?: (callback: () => void, ms: number) => { stop(): void };
  readonly apply: (material: TlsMaterial) => void;
  readonly logger: Logger;
  readonly now: () => number;
  /** For tests: load with something else than the files (default loadTlsMaterial). */
  readonly load?: (files: TlsFiles) => Promise<TlsLoad>;
}): TlsReloader {
  const { files, logger } = options;
  const load = options.load ?? loadTlsMaterial;
  // A server runs for months: the warning at start is long gone from view
  // when the certificate nears its end, so it is repeated.
  let current = options.initial;
  const every =
    options.every ??
    ((callback: () => void, ms: number) => {
      const timer = setInterval(callback, ms).unref();
      return { stop: () => clearInterval(timer) };
    });
  const expiryCheck = every(() => warnOfExpiry(logger, current, options.now()), EXPIRY_CHECK_MS);
  // One load at a time, and a trigger during one runs another after it: the
  // files may have changed again while the first read them.
  let running: Promise<TlsReload> | undefined;
  let again: Promise<TlsReload> | undefined;
  async function once(trigger: string): Promise<TlsReload> {
    const loaded = await load(files);
    if (!loaded.ok) {
      logger.error({ tls: { file: loaded.file } }, `TLS reload (${trigger}) failed: ${loaded.file}: ${loaded.reason}; still serving the previous certificate`);
      return { kind: "kept", file: loaded.file, reason: loaded.reason };
    }
    options.apply(loaded.material);
    current = loaded.material.certificate;
    logCertificate(logger, loaded.material.certificate, options.now(), `TLS reloaded (${trigger})`);
    return { kind: "reloaded", certificate: loaded.material.certificate };
  }
  function reload(trigger: string): Promise<TlsReload> {
    if (running === undefined) {
      running = once(trigger).finally(() => (running = undefined));
      return running;
    }
    again ??= running.then(() => {
      again = undefined;
      return reload(trigger);
    });
    return again;
  }
  const watched: FileWatch = watchFiles(
    [files.certFile, files.keyFile, ...(files.clientCaFile === undefined ? [] : [files.clientCaFile])],
    () => void reload("files changed"),
    { onWatchError: (directory, error) => logger.warn({ err: error }, `TLS: cannot watch ${directory} for changes; polling it every 5 s`) },
  );
  return {
    reload,
    close() {
      watched.close();
      expiryCheck.stop();
    },
  };
}
