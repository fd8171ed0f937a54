/**
 * Left-aligned columns separated by two spaces, like `kubectl get`. Widths
 * count visible characters, so cells may carry ANSI colour.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const visible = (cell: string) => cell.replace(/\x1b\[[0-9;]*m/g, "").length;
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((row) => visible(row[i] ?? ""))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + " ".repeat(widths[i]! - visible(cell))))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}
