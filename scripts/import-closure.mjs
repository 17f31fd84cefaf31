import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * The files `entry` reaches through the relative specifiers that `pattern` (a global regex whose
 * first group is the specifier) finds in each file; `toFile` maps a specifier's path to a file.
 */
export function importClosure(entry, pattern, toFile = (path) => path) {
  const reached = new Set();
  const pending = [resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop();
    if (reached.has(file)) continue;
    reached.add(file);
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(pattern)) pending.push(toFile(resolve(dirname(file), specifier)));
  }
  return [...reached];
}
