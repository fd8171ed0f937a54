/**
 * Prints where a `node --cpu-prof` profile spent its time: the functions with
 * the most self time and the most inclusive time, optionally only over the
 * profile's last N seconds (e.g. the transitions at the end of a fan-out run,
 * not the set-up before them).
 *
 *   npm run bench -- --only 4 --cpu-prof /tmp/prof
 *   npx tsx bench/profile-top.ts /tmp/prof/CPU.*.cpuprofile --last 20
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly endTime: number;
}

function label(frame: CallFrame): string {
  const file = frame.url.split("/").slice(-2).join("/");
  return `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
}

/** Self and inclusive µs per function label, over samples taken in the last `lastSeconds`. */
export function profileTimes(profile: Profile, lastSeconds = Infinity): { total: number; self: Map<string, number>; inclusive: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // Sample times run backwards from endTime, so "the last N seconds" needs no start time.
  const perNode = new Map<number, number>();
  let at = profile.endTime;
  let total = 0;
  for (let i = profile.samples.length - 1; i >= 0; i--) {
    const delta = profile.timeDeltas[i] ?? 0;
    if (profile.endTime - at <= lastSeconds * 1e6) {
      perNode.set(profile.samples[i]!, (perNode.get(profile.samples[i]!) ?? 0) + delta);
      total += delta;
    }
    at -= delta;
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, time] of perNode) {
    const key = label(byId.get(id)!.callFrame);
    self.set(key, (self.get(key) ?? 0) + time);
    const seen = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const k = label(byId.get(node)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + time);
    }
  }
  return { total, self, inclusive };
}

function top(times: Map<string, number>, total: number, count: number): string {
  return [...times]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`)
    .join("\n");
}

function main(argv: readonly string[]): void {
  const file = argv[0];
  const lastIndex = argv.indexOf("--last");
  const last = lastIndex === -1 ? Infinity : Number(argv[lastIndex + 1]);
  if (file === undefined || Number.isNaN(last)) {
    process.stderr.write("usage: tsx bench/profile-top.ts FILE.cpuprofile [--last SECONDS]\n");
    process.exitCode = 2;
    return;
  }
  const { total, self, inclusive } = profileTimes(JSON.parse(readFileSync(file, "utf8")) as Profile, last);
  process.stdout.write(`${(total / 1000).toFixed(0)} ms sampled\n\nself time\n${top(self, total, 30)}\n\ninclusive time\n${top(inclusive, total, 40)}\n`);
}

if (process.argv[1]?.endsWith("profile-top.ts")) main(process.argv.slice(2));
