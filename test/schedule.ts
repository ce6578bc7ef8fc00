/**
 * The order npm test hands its files to the runner: longest first (seconds measured in an
 * earlier run, test/durations.json), so that the run ends on short files in both lanes
 * instead of one long file running alone. A file the table does not know goes first if it
 * starts a stack (it may be long) and last if it does not (most such files take a second).
 */
export function longestFirst(files: string[], seconds: Record<string, number>, startsStack: (file: string) => boolean): string[] {
  const expected = (file: string) => seconds[file] ?? (startsStack(file) ? Infinity : 0);
  // Ties keep the given (sorted) order, so that the order is the same on every machine.
  return files.map((file, index) => ({ file, index, expected: expected(file) })).sort((a, b) => b.expected - a.expected || a.index - b.index).map((x) => x.file);
}
