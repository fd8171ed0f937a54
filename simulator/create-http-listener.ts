import { createServer } from "node:http";
import type { SimHttpListener, WebListenerOptions } from "./create-web-listener.js";
import { createWebListener } from "./create-web-listener.js";

/**
 * Creates a plain-HTTP simulated service in the "down" state; `up()` starts
 * it. Every request gets the current {@link SimHttpListener.response}.
 */
export function createHttpListener(options: WebListenerOptions = {}): SimHttpListener {
  return createWebListener(options, {
    protocol: "http",
    prepare: () => Promise.resolve(),
    makeServer: (handler) => createServer(handler),
  }).listener;
}
