/** The activity list: what happened to the peer and its connections, errors in red. */
import { byId, clock, h } from "./dom.js";

const MAX_ENTRIES = 60;

export type ActivityKind = "info" | "ok" | "error";

export function note(kind: ActivityKind, text: string, errorType?: string): void {
  const list = byId("activity");
  const entry = h(
    "li",
    { class: `activity ${kind}`, "data-kind": kind, "data-testid": kind === "error" ? "error" : undefined, "data-type": errorType },
    h("time", {}, clock()),
    h("span", {}, text),
  );
  list.prepend(entry);
  while (list.children.length > MAX_ENTRIES) list.lastElementChild?.remove();
  byId("activity-empty").hidden = true;
}
