import type { ConfigIssue } from "./read-json-fields.js";

/** How many issues one message lists; the rest are counted. */
const LISTED = 20;

/**
 * `monitor.json: $.services[2].port: must be between 1 and 65535, got 0`,
 * one per issue, joined by "; " (a log line stays one line). An issue with
 * no path is about the whole file: `monitor.json: not found`.
 */
export function formatConfigIssues(file: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.slice(0, LISTED).map((issue) => (issue.path === "" ? `${file}: ${issue.rule}` : `${file}: ${issue.path}: ${issue.rule}`));
  if (issues.length > LISTED) lines.push(`and ${issues.length - LISTED} more`);
  return lines.join("; ");
}
