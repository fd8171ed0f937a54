import { describe, expect, it } from "vitest";
import { idleSince, isIdleFor, streamClosed, streamOpened } from "../../server/http/session-activity.js";

describe("HTTP/2 session activity", () => {
  it("is idle from the start until the timeout has passed", () => {
    const fresh = idleSince(1000);
    expect(isIdleFor(fresh, 1999, 1000)).toBe(false);
    expect(isIdleFor(fresh, 2000, 1000)).toBe(true);
  });

  it("is never idle while a stream is open, however long ago it opened", () => {
    const watching = streamOpened(idleSince(0));
    expect(isIdleFor(watching, 10 * 24 * 3_600_000, 1000)).toBe(false);
  });

  it("counts streams: idle again only when the last one closes, from that moment", () => {
    const two = streamOpened(streamOpened(idleSince(0)));
    const one = streamClosed(two, 5000);
    expect(one).toEqual({ kind: "busy", openStreams: 1 });
    expect(isIdleFor(one, 60_000, 1000)).toBe(false);
    const none = streamClosed(one, 7000);
    expect(none).toEqual({ kind: "idle", since: 7000 });
    expect(isIdleFor(none, 7999, 1000)).toBe(false);
    expect(isIdleFor(none, 8000, 1000)).toBe(true);
  });

  it("keeps the idle start if a close arrives for a session already idle", () => {
    expect(streamClosed(idleSince(100), 900)).toEqual({ kind: "idle", since: 100 });
  });
});
