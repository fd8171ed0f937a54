/** One problem in a scenario file, located by the path of the offending field. */
export interface ScenarioIssue {
  /** e.g. `listeners[1].script[0].at`; `(root)` for the document itself. */
  readonly path: string;
  readonly message: string;
}

/**
 * Thrown for an invalid scenario. It carries every issue found (not just the
 * first) so a person fixing a file sees all mistakes at once; the message has
 * one `path: message` line per issue, prefixed by the file name when known.
 */
export class ScenarioError extends Error {
  readonly issues: readonly ScenarioIssue[];

  constructor(issues: readonly ScenarioIssue[], source?: string) {
    const prefix = source === undefined ? "" : `${source}: `;
    super(issues.map((i) => `${prefix}${i.path}: ${i.message}`).join("\n"));
    this.name = "ScenarioError";
    this.issues = issues;
  }
}
