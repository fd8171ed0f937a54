import { BlockList, isIP } from "node:net";

/**
 * One entry of --allow-targets. A tagged union: a CIDR matches an address,
 * a host pattern matches a name, `*` matches everything.
 */
export type TargetRule =
  | { readonly kind: "cidr"; readonly allow: boolean; readonly text: string; readonly list: BlockList }
  | { readonly kind: "host"; readonly allow: boolean; readonly text: string; readonly pattern: string }
  | { readonly kind: "any"; readonly allow: boolean; readonly text: string };

/**
 * The check-target policy: rules in the order written; the first that
 * matches decides (so `!10.0.0.5,10.0.0.0/8` allows the subnet but one
 * address, and anything put first wins). Nothing matching is refused.
 */
export interface TargetPolicy {
  readonly rules: readonly TargetRule[];
  /** As written, for logs and messages. */
  readonly text: string;
}

/**
 * Everything but link-local addresses, where cloud metadata services answer
 * (169.254.169.254 is in 169.254.0.0/16; fd00:ec2::254 is AWS's IPv6 one):
 * a monitor that checks any host a client names must not become a way to
 * read a cloud instance's credentials.
 */
export const DEFAULT_ALLOW_TARGETS = "!169.254.0.0/16,!fe80::/10,!fd00:ec2::254/128,*";

const HOST_LABELS = /^(\*\.)?([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/** "::ffff:169.254.169.254" is that IPv4 address: match it as such, or a mapped form would slip past a v4 rule. */
function normaliseAddress(address: string): { address: string; family: "ipv4" | "ipv6" } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped?.[1] ?? address;
  const version = isIP(plain);
  if (version === 0) return undefined;
  return { address: plain, family: version === 4 ? "ipv4" : "ipv6" };
}

const normaliseName = (name: string) => name.toLowerCase().replace(/\.$/, "");

function parseRule(entry: string): TargetRule | { error: string } {
  const allow = !entry.startsWith("!");
  const body = allow ? entry : entry.slice(1);
  if (body === "*") return { kind: "any", allow, text: entry };
  const slash = body.indexOf("/");
  const ip = slash === -1 ? body : body.slice(0, slash);
  const version = isIP(ip);
  if (version !== 0) {
    const max = version === 4 ? 32 : 128;
    const prefixText = slash === -1 ? String(max) : body.slice(slash + 1);
    const prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > max) return { error: `${JSON.stringify(entry)}: prefix length must be 0-${max}` };
    const list = new BlockList();
    list.addSubnet(ip, prefix, version === 4 ? "ipv4" : "ipv6");
    return { kind: "cidr", allow, text: entry, list };
  }
  const pattern = normaliseName(body);
  if (!HOST_LABELS.test(pattern)) return { error: `${JSON.stringify(entry)}: expected a CIDR, an IP address, a host name, *.domain or *` };
  return { kind: "host", allow, text: entry, pattern };
}

/** Parses --allow-targets: comma-separated rules, `!` to exclude; a string is the error. */
export function parseTargetPolicy(text: string): TargetPolicy | string {
  const entries = text.split(",").map((entry) => entry.trim());
  if (entries.some((entry) => entry === "" || entry === "!")) return "empty entry (two commas, or a trailing one?)";
  const rules: TargetRule[] = [];
  for (const entry of entries) {
    const rule = parseRule(entry);
    if ("error" in rule) return rule.error;
    rules.push(rule);
  }
  return { rules, text: entries.join(",") };
}

function hostMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith("*.")) return name.endsWith(pattern.slice(1));
  return name === pattern;
}

/**
 * Whether a check may connect to `address`, reached through `name` (the
 * service's host; for an IP literal, the address itself): the first rule
 * matching either decides.
 */
export function addressAllowed(policy: TargetPolicy, name: string, address: string): boolean {
  const ip = normaliseAddress(address);
  const host = normaliseName(name);
  for (const rule of policy.rules) {
    if (rule.kind === "any") return rule.allow;
    if (rule.kind === "host" && isIP(host) === 0 && hostMatches(rule.pattern, host)) return rule.allow;
    if (rule.kind === "cidr" && ip !== undefined && rule.list.check(ip.address, ip.family)) return rule.allow;
  }
  return false;
}

/**
 * Whether a service may be registered with this host. An IP literal is
 * judged now, as it will be at connect time. A name is judged by the host
 * rules and `*` in order, CIDRs skipped (its addresses are not known yet);
 * a name no such rule matches is let through only if some CIDR could allow
 * its addresses, which are then judged before every connect.
 */
export function hostAllowed(policy: TargetPolicy, host: string): boolean {
  if (normaliseAddress(host) !== undefined) return addressAllowed(policy, host, host);
  const name = normaliseName(host);
  for (const rule of policy.rules) {
    if (rule.kind === "any") return rule.allow;
    if (rule.kind === "host" && hostMatches(rule.pattern, name)) return rule.allow;
  }
  return policy.rules.some((rule) => rule.kind === "cidr" && rule.allow);
}
