/** Ends every switch over a union, so that a new member is a compile error, not a silent drop. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
