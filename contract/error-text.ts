/**
 * The one way a thrown value becomes text, on both sides of the worker boundary: an Error's
 * message (its name too when `withName`), anything else as `String()` gives it.
 */
export function errorText(error: unknown, withName = false): string {
  if (error instanceof Error) return withName ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
