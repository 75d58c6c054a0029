/** The innermost message of a Temporal failure chain (ActivityFailure → ApplicationFailure → …). */
export function causeMessage(e: unknown): string {
  let err: unknown = e;
  while (err instanceof Error && err.cause) err = err.cause;
  return err instanceof Error ? err.message : String(err);
}
