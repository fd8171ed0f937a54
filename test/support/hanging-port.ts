import { spawn } from "node:child_process";
import { connect, type Socket } from "node:net";

/** A loopback port whose TCP connects neither succeed nor fail: they hang until the connecting side gives up. */
export interface HangingPort {
  readonly port: number;
  close(): Promise<void>;
}

// Listens with the smallest accept queue, says its port, then blocks its
// event loop for good: nothing ever accepts.
const CHILD = `
const net = require("node:net");
const server = net.createServer();
server.listen({ host: "127.0.0.1", port: 0, backlog: 1 }, () => {
  process.stdout.write(server.address().port + "\\n");
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
`;

/**
 * A port where a check stays in flight for its whole timeout, so a service
 * can be kept "not checked yet" for as long as a test needs. A child process
 * listens and never accepts; this side fills the accept queue with
 * connections of its own, after which Linux drops every further SYN (the
 * connecting side retries, then times out). Loopback only.
 */
export async function createHangingPort(): Promise<HangingPort> {
  const child = spawn(process.execPath, ["-e", CHILD], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const line = /^(\d+)\n/.exec(out);
      if (line !== null) resolve(Number(line[1]));
    });
    void exited.then(() => reject(new Error("the hanging-port child exited before listening")));
  });
  // backlog 1 queues up to two finished handshakes; a few more make sure
  // the queue is full whatever the kernel rounds it to.
  const fillers: Socket[] = [];
  for (let i = 0; i < 4; i++) {
    const socket = connect({ host: "127.0.0.1", port });
    socket.on("error", () => undefined);
    fillers.push(socket);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  return {
    port,
    async close() {
      for (const socket of fillers) socket.destroy();
      child.kill("SIGKILL");
      await exited;
    },
  };
}
