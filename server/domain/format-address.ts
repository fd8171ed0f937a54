/** "host:port", with an IPv6 host in brackets ("[::1]:80"), as an operator would type it. */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
