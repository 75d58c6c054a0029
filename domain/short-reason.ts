/** A reason as a sweep carries it: its first line, bounded. */
export const SHORT_REASON_MAX = 400;

/**
 * A sweep keeps one result per recipe in its state, its continue-as-new
 * input and its result, all bounded by Temporal's payload limits; a red
 * reason can hold kilobytes of command output. The sweep keeps the first
 * line (the step and the error line), the recipe's result.json in the run
 * directory keeps everything.
 */
export function shortReason(reason: string, max = SHORT_REASON_MAX): string {
  const first = reason.split('\n', 1)[0]!;
  const cut = first.length > max ? first.slice(0, max - 1) : first;
  return cut.length < reason.length ? `${cut}…` : cut;
}
