import { randomToken, type MemberId } from "../contract/ids.js";
import type { DataPlane, PeerSettings } from "../contract/options.js";
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
  readonly dataPlane: DataPlane;
}

export function connectionLost(cause: PeerError): PeerError {
  return new PeerError(
    "connection-closed",
    "The sharedpeer worker was lost: this connection closed, and what was sent on it may not have arrived.",
    { cause },
  );
}

/** @internal A Peer object's link and member id, both replaced when the worker is lost (architecture flow 7). */
export class PeerAttachment {
  /** This Peer object in the hub; a new one for each worker, since a hub that is only thought lost may still know the old. */
  member: MemberId = newMemberId();
  ready: Promise<WorkerLink | undefined> = Promise.resolve(undefined);
  /** Set while a Peer that was disconnected when its worker died waits for reconnect() to attach again. */
  private orphanedBy: WorkerLink | undefined;

  constructor(
    private readonly hooks: AttachmentHooks,
    private readonly request: AttachRequest,
    public mode: WorkerMode,
  ) {}

  start(getLink: () => Promise<WorkerLink>): void {
    this.ready = this.attach(getLink);
  }

  /** reconnect() after a worker loss that left this Peer offline; false when there was none. */
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
      const hooks = { frame: (frame: MemberFrame) => this.hooks.frame(at, frame), lost: (error: PeerError) => this.linkLost(at, error) };
      link.addMember(this.member, hooks, this.request.dataPlane);
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

// A server-assigned id is never shared, also when it is asked for by name after a worker loss.
function attachSettings({ id: requestedId, settings, ownToken }: AttachRequest, mode: WorkerMode): PeerSettings {
  if (mode === "shared" && settings.share && requestedId !== null && !ownToken) {
    return { ...settings, token: sharedToken(settings, requestedId) };
  }
  return { ...settings, share: settings.share && requestedId !== null };
}
