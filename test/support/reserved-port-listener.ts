import { createListener, type SimListener } from "../../simulator/index.js";

/**
 * A simulator listener on a port below the kernel's ephemeral range
 * (32768-60999 on Linux), picked at random. Port 0 would come from that
 * range, and while a test holds its listener down, any other process's
 * port-0 listener or outgoing connection could take the port, and the
 * monitor would then see "up" where the test meant "down".
 */
export async function createReservedPortListener(): Promise<{ listener: SimListener; port: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    // The default bind retry (2 s on EADDRINUSE) only costs time on a rare collision.
    const listener = createListener({ port });
    try {
      await listener.up();
      return { listener, port };
    } catch {
      await listener.close();
    }
  }
  throw new Error("no free port in 20000-31999 after 50 tries");
}
