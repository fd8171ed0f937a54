import { spawnServer, type SpawnedServer } from "../support/spawn-server.js";

/**
 * Starts the server again on the same port and data directory, as a restart
 * after a crash does. The port can still be held for a moment after SIGKILL,
 * so EADDRINUSE is retried (up to `attempts` times, 250 ms apart).
 */
export async function restartServer(previous: SpawnedServer, attempts = 20): Promise<SpawnedServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnServer({ dataDir: previous.dataDir, port: previous.port });
    } catch (error) {
      if (attempt >= attempts || !String(error).includes("EADDRINUSE")) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
