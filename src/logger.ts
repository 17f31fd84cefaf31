import type { LogLevel } from "../contract/options.js";

/**
 * `logFunction(level, ...args)` of peerjs: receives every line the `debug` level lets through,
 * worker lines included.
 *
 * @example
 * new Peer("alice", { debug: 3, logFunction: (level, ...args) => myLogger.log(level, args) });
 */
export type LogFunction = (level: LogLevel, ...args: unknown[]) => void;

const CONSOLE: Record<Exclude<LogLevel, 0>, (...args: unknown[]) => void> = {
  1: (...args) => console.error(...args),
  2: (...args) => console.warn(...args),
  3: (...args) => console.log(...args),
};

/** @internal One logger per Peer object (peerjs has one global logger that every Peer rewires). */
export class Logger {
  constructor(
    readonly level: LogLevel,
    private readonly logFunction: LogFunction | undefined,
  ) {}

  log(level: Exclude<LogLevel, 0>, ...args: unknown[]): void {
    if (level > this.level) return;
    if (this.logFunction) this.logFunction(level, "sharedpeer:", ...args);
    else CONSOLE[level]("sharedpeer:", ...args);
  }

  warn(...args: unknown[]): void {
    this.log(2, ...args);
  }
}

/** @internal `debug` as peerjs takes it (0–3), plus booleans (`true` = 3). */
export function toLogLevel(debug: number | boolean | undefined): LogLevel {
  if (debug === true) return 3;
  if (debug === false || debug === undefined) return 0;
  const level = Math.max(0, Math.min(3, Math.floor(debug)));
  return level as LogLevel;
}
