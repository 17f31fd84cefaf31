import { existsSync } from "node:fs";

/**
 * No browser to drive; its message says how to get one.
 *
 * @example
 * try { await launchChromium(); } catch (e) { if (e instanceof NoBrowserError) console.error(e.message); }
 */
export class NoBrowserError extends Error {
  override readonly name = "NoBrowserError";
}

/** Where to look for one browser, in order, and what to say when it is nowhere. */
export interface BrowserSearch {
  /** The environment variable that names the binary (`CHROME_PATH`, `FIREFOX_PATH`). */
  readonly envVar: string;
  readonly systemPaths: readonly string[];
  /** Playwright's own build (`browserType.executablePath()`), which throws where it has none. */
  readonly playwrightExecutable: (() => string) | undefined;
  readonly howToGet: string;
}

/**
 * The binary named by `envVar`, else the first system path that exists, else undefined when
 * Playwright's own build is installed; throws `NoBrowserError` with `howToGet` otherwise.
 *
 * @example
 * findExecutable({ envVar: "CHROME_PATH", systemPaths: ["/usr/bin/chromium"], playwrightExecutable: undefined, howToGet: "apt-get install chromium" });
 */
export function findExecutable(search: BrowserSearch): string | undefined {
  const fromEnv = process.env[search.envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new NoBrowserError(`${search.envVar} is ${fromEnv}, but there is no file there.`);
    return fromEnv;
  }
  const system = search.systemPaths.find((path) => existsSync(path));
  if (system) return system;
  if (ownExists(search.playwrightExecutable)) return undefined;
  throw new NoBrowserError(search.howToGet);
}

function ownExists(playwrightExecutable: (() => string) | undefined): boolean {
  try {
    const own = playwrightExecutable?.();
    return own !== undefined && existsSync(own);
  } catch {
    return false;
  }
}
