import { describe, expect, it } from "vitest";
import { acceptResponse, resumeRequest } from "../../sdk/accept-response.js";
import { changeAt, snapshotAt } from "./watch-responses.js";

const fresh = { sequence: 0n, yielded: false };
const at = (sequence: number) => ({ sequence: BigInt(sequence), yielded: true });

describe("acceptResponse", () => {
  it("takes an event only after the position", () => {
    expect(acceptResponse(at(4), changeAt(5))).toBe(true);
    expect(acceptResponse(at(4), changeAt(4))).toBe(false);
    expect(acceptResponse(at(4), changeAt(2))).toBe(false);
    expect(acceptResponse({ sequence: 4n, yielded: false }, changeAt(4))).toBe(false); // resuming after 4: 4 is old
  });

  it("takes the first snapshot, even at sequence 0", () => {
    expect(acceptResponse(fresh, snapshotAt(0))).toBe(true);
    expect(acceptResponse(fresh, snapshotAt(7))).toBe(true);
  });

  it("after a reconnect from 0, takes a snapshot only if it reflects newer events", () => {
    expect(acceptResponse(at(0), snapshotAt(0))).toBe(false);
    expect(acceptResponse(at(0), snapshotAt(3))).toBe(true);
  });

  it("always takes a resync snapshot, even one behind the position (the server's log was reset)", () => {
    expect(acceptResponse(at(9), snapshotAt(9, true))).toBe(true);
    expect(acceptResponse(at(9), snapshotAt(2, true))).toBe(true);
  });
});

describe("resumeRequest", () => {
  it("asks for replay_from_start only after a snapshot at sequence 0 and nothing since", () => {
    expect(resumeRequest(at(0))).toEqual({ afterSequence: 0n, replayFromStart: true });
    expect(resumeRequest(fresh)).toEqual({ afterSequence: 0n, replayFromStart: false });
    expect(resumeRequest(at(3))).toEqual({ afterSequence: 3n, replayFromStart: false });
    expect(resumeRequest({ sequence: 3n, yielded: false })).toEqual({ afterSequence: 3n, replayFromStart: false });
  });
});
