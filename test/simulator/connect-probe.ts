import { connect } from "node:net";

/**
 * Connects once and reports the outcome, like the monitor's TCP check:
 * "connected" or the error code (ECONNREFUSED when a listener is down).
 * `reset` ends with an RST, as the monitor's probe does.
 */
export function probe(host: string, port: number, reset = false): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      socket.destroy();
      resolve(err.code ?? err.message);
    });
  });
}
