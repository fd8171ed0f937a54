import { fork, type ChildProcess } from "node:child_process";
import { ROOT } from "./bench-server.js";

/** A request without its id (the worker numbers them); distributes over unions. */
export type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** A reply as a worker sends it over IPC. */
type Reply = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: string };

/**
 * A helper child process (listener farm, bare loop) in its own process, so
 * its CPU is measured apart from the server's and the driver's. Requests and
 * answers travel over IPC; `Results` maps each op to what it answers.
 */
export interface ChildWorker<Req extends { readonly op: string }, Results extends Record<Req["op"], unknown>> {
  readonly pid: number;
  request<R extends WithoutId<Req>>(request: R): Promise<Results[R["op"] & keyof Results]>;
  /** Ends the process (SIGKILL) and resolves when it is gone. */
  kill(): Promise<void>;
}

/** How a worker is started beyond its script. */
export interface ForkWorkerOptions {
  /** Variables added to the driver's environment (e.g. NODE_EXTRA_CA_CERTS, read only at start). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Forks `script` (relative to the repository root) under tsx and waits until its IPC channel is up. */
export async function forkWorker<Req extends { readonly op: string }, Results extends Record<Req["op"], unknown>>(
  script: string,
  options: ForkWorkerOptions = {},
): Promise<ChildWorker<Req, Results>> {
  const child: ChildProcess = fork(script, [], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    execArgv: ["--import", "tsx", "--conditions=@service-monitor/source"],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      for (const waiter of pending.values()) waiter.reject(new Error(`${script} exited (${code ?? signal})`));
      pending.clear();
      resolve();
    }),
  );
  child.on("message", (message: Reply) => {
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(`${script}: ${message.error}`));
  });
  return {
    pid: child.pid!,
    request(request) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ ...request, id });
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/**
 * The child side: answers each request with `handle`'s result (or its error),
 * and exits when the parent goes away.
 */
export function serveRequests<Req extends { readonly id: number }>(handle: (request: Req) => Promise<unknown>): void {
  process.on("message", (message: Req) => {
    handle(message).then(
      (result) => process.send!({ id: message.id, ok: true, result } satisfies Reply),
      (error: unknown) =>
        process.send!({
          id: message.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies Reply),
    );
  });
  process.on("disconnect", () => process.exit(0));
}
