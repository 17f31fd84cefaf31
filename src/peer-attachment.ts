import { randomToken, type MemberId } from "../contract/ids.js";
import type { PeerSettings } from "../contract/options.js";
import type { WorkerMode } from "../contract/worker-api.js";
import { sharedToken } from "./options.js";
import { PeerError, toPeerError } from "./peer-error.js";
import type { MemberFrame, WorkerLink } from "./worker-link.js";

const newMemberId = () => `m_${randomToken()}` as MemberId;

/** @internal What an attachment asks of its Peer object. */
export interface AttachmentHooks {
  /** No attaching once the Peer object is destroyed. */
  destroyed(): boolean;
  /** The id the server gave this Peer object last, if any. */
  lastId(): string | null;
  frame(link: WorkerLink, frame: MemberFrame): void;
  /** The worker died and the Peer object has said so; true: attach to a fresh worker now, false: on resume(). */
  lost(error: PeerError): boolean;
  /** Attaching failed, not because the worker died. */
  failed(error: PeerError): void;
}

/** @internal What a Peer object asks for: `id` null for one the server assigns; `ownToken`: the app gave a token. */
export interface AttachRequest {
  readonly id: string | null;
  readonly settings: PeerSettings;
  readonly ownToken: boolean;
}

/** What a worker loss does to the connections and calls: each ends with this error. */
export function connectionLost(cause: PeerError): PeerError {
  return new PeerError(
    "connection-closed",
    "The sharedpeer worker was lost: this connection closed, and what was sent on it may not have arrived.",
    { cause },
  );
}

/**
 * One Peer object's place in a hub: the link its calls go through and its member id there, both
 * replaced when the worker is lost (architecture flow 7).
 * @internal
 */
export class PeerAttachment {
  /** This Peer object in the hub; a new one for each worker, since a hub that is only thought lost may still know the old. */
  member: MemberId = newMemberId();
  /** The link calls go through; undefined when there is none (never attached, or waiting for resume()). */
  ready: Promise<WorkerLink | undefined> = Promise.resolve(undefined);
  /** Set while a Peer that was disconnected when its worker died waits for reconnect() to attach again. */
  private orphanedBy: WorkerLink | undefined;

  constructor(
    private readonly hooks: AttachmentHooks,
    private readonly request: AttachRequest,
    /** Where the hub runs: what `worker: "auto"` picked, until a link says. */
    public mode: WorkerMode,
  ) {}

  /** Attaches through the link `getLink()` gives. */
  start(getLink: () => Promise<WorkerLink>): void {
    this.ready = this.attach(getLink);
  }

  /** After a worker loss that left this Peer offline: attaches to the fresh worker; false when there was no such loss. */
  resume(): boolean {
    const lost = this.orphanedBy;
    if (!lost) return false;
    this.orphanedBy = undefined;
    this.ready = this.attach(() => lost.replacement());
    return true;
  }

  private async attach(getLink: () => Promise<WorkerLink>): Promise<WorkerLink | undefined> {
    let link: WorkerLink | undefined;
    try {
      link = await getLink();
      this.mode = link.mode;
      if (this.hooks.destroyed()) return undefined;
      const at = link;
      link.addMember(this.member, { frame: (frame) => this.hooks.frame(at, frame), lost: (error) => this.linkLost(at, error) });
      // After a worker loss, a Peer without a requested id asks for the one it was given.
      const id = this.request.id ?? this.hooks.lastId();
      await link.api.attach(link.tabId, this.member, id, attachSettings(this.request, link.mode));
      return link;
    } catch (error) {
      // A link lost meanwhile has told linkLost(), which attaches again.
      if (!link?.lost) this.hooks.failed(toPeerError(error, "browser-incompatible"));
      return undefined;
    }
  }

  private linkLost(link: WorkerLink, error: PeerError): void {
    if (this.hooks.destroyed()) return;
    const again = this.hooks.lost(error);
    this.member = newMemberId();
    if (again) {
      this.ready = this.attach(() => link.replacement());
    } else {
      this.orphanedBy = link;
      this.ready = Promise.resolve(undefined);
    }
  }
}

/**
 * The settings a Peer attaches with: a requested id in a SharedWorker, without a token of the app's,
 * is shared under the token kept for it; a server-assigned id is never shared, also when it is
 * asked for by name after a worker loss.
 */
function attachSettings({ id: requestedId, settings, ownToken }: AttachRequest, mode: WorkerMode): PeerSettings {
  if (mode === "shared" && settings.share && requestedId !== null && !ownToken) {
    return { ...settings, token: sharedToken(settings, requestedId) };
  }
  return { ...settings, share: settings.share && requestedId !== null };
}
