/** @internal Ids that name things inside the hub. Branded so that one kind is never passed as another. */
export type TabId = string & { readonly __brand: "TabId" };
/** @internal One Peer object in one tab. */
export type MemberId = string & { readonly __brand: "MemberId" };
/** @internal One data connection inside the hub; unique for the worker's lifetime, unlike `dc_…` ids. */
export type ConnRef = number & { readonly __brand: "ConnRef" };

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** @internal Random base-36 text, like peerjs's randomToken but from the CSPRNG. */
export function randomToken(length = 11): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** @internal */
export function newTabId(): TabId {
  return `tab_${randomToken()}` as TabId;
}

/** @internal */
export function newConnectionId(): string {
  return `dc_${randomToken()}`;
}
