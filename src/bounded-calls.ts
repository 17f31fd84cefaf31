import { PeerError } from "./peer-error.js";

/** A control call that takes longer than this is rejected (the worker is stuck or gone). */
export const CALL_TIMEOUT_MS = 10_000;

/** `Api` with every method returning a Promise, as the tab sees the hub. */
export type BoundedApi<Api> = {
  readonly [K in keyof Api]: Api[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

type AnyCall = (...args: unknown[]) => unknown;

/**
 * Every control call to the hub is bounded (the model of birpc, https://github.com/antfu/birpc):
 * it settles within `timeout` ms, and `close(error)` rejects every call still pending and every
 * later one, so nothing waits forever on a worker that died. Rejections are `PeerError`s.
 *
 * @example
 * const calls = new BoundedCalls(wrap<WorkerApi>(port), 10_000);
 * await calls.api.attach(tab, member, id, settings); // rejects with a PeerError, never hangs
 * calls.close(new PeerError("network", "Lost the worker."));
 */
export class BoundedCalls<Api extends object> {
  readonly api: BoundedApi<Api>;
  private readonly pending = new Set<(error: PeerError) => void>();
  private closedWith: PeerError | undefined;

  constructor(
    remote: Api,
    private readonly timeout = CALL_TIMEOUT_MS,
  ) {
    const methods = new Map<PropertyKey, AnyCall>();
    const target = {} as BoundedApi<Api>;
    this.api = new Proxy(target, {
      get: (_, name) => {
        // Not a thenable: awaiting the api object must not call the worker.
        if (name === "then") return undefined;
        let method = methods.get(name);
        if (!method) {
          method = (...args) => this.run(String(name), () => (Reflect.get(remote, name) as AnyCall)(...args));
          methods.set(name, method);
        }
        return method;
      },
    });
  }

  /** Why the calls were closed, if they were. */
  get closed(): PeerError | undefined {
    return this.closedWith;
  }

  /** Rejects every pending call with `error`, and every call from now on. */
  close(error: PeerError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const reject of [...this.pending]) reject(error);
    this.pending.clear();
  }

  private run(name: string, call: () => unknown): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const settle = (error: PeerError) => {
        clearTimeout(timer);
        this.pending.delete(settle);
        reject(error);
      };
      const timer = setTimeout(
        () => settle(new PeerError("network", `The sharedpeer worker did not answer ${name}() within ${this.timeout} ms.`)),
        this.timeout,
      );
      this.pending.add(settle);
      Promise.resolve()
        .then(call)
        .then(
          (value) => {
            if (!this.pending.delete(settle)) return;
            clearTimeout(timer);
            resolve(value);
          },
          (error: unknown) => {
            if (!this.pending.delete(settle)) return;
            clearTimeout(timer);
            reject(error);
          },
        );
    });
  }
}
