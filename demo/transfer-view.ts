/** One file transfer in the list: name, peer, a progress bar with percent, bytes and MB/s, then a link. */
import { formatBytes, formatRate, h } from "./dom.js";

export type Direction = "send" | "receive";

export class TransferView {
  readonly element: HTMLLIElement;
  /** Filled once the transfer finished (or failed): later progress events are ignored. */
  finished = false;
  /** The bytes are known to be a file (an offer or the file itself arrived), not some other large message. */
  named: boolean;
  /** How often it started over because its connection resumed (it is sent again whole). */
  private restarts = 0;
  private readonly started = performance.now();
  private readonly bar: HTMLElement;
  private readonly fill: HTMLElement;
  private readonly percent: HTMLElement;
  private readonly detail: HTMLElement;
  private readonly title: HTMLElement;
  private readonly status: HTMLElement;

  constructor(
    readonly direction: Direction,
    readonly peer: string,
    name: string | null,
    private size: number | null,
  ) {
    this.named = name !== null;
    this.fill = h("div", { class: "bar-fill" });
    this.percent = h("span", { class: "bar-percent", "data-testid": "percent" }, "0%");
    this.bar = h(
      "div",
      {
        class: "bar",
        role: "progressbar",
        "aria-valuemin": 0,
        "aria-valuemax": 100,
        "aria-valuenow": 0,
        "data-testid": `${direction}-progress`,
        "data-percent": 0,
      },
      this.fill,
      this.percent,
    );
    this.title = h("span", { class: "transfer-name", "data-testid": "transfer-name" }, name ?? "incoming data…");
    this.status = h("span", { class: "badge", "data-testid": "transfer-status" }, direction === "send" ? "sending" : "receiving");
    this.detail = h("div", { class: "transfer-detail", "data-testid": "transfer-detail" }, size === null ? "" : formatBytes(size));
    this.element = h(
      "li",
      { class: `transfer ${direction}`, "data-testid": "transfer", "data-direction": direction, "data-peer": peer, "data-state": "active" },
      h(
        "div",
        { class: "transfer-head" },
        h("span", { class: "transfer-arrow", "aria-hidden": "true" }, direction === "send" ? "↑" : "↓"),
        this.title,
        h("span", { class: "muted" }, direction === "send" ? `to ${peer}` : `from ${peer}`),
        this.status,
      ),
      this.bar,
      this.detail,
    );
  }

  /** The offer told what is coming. */
  name(name: string, size: number): void {
    this.named = true;
    this.size = size;
    this.title.textContent = name;
  }

  /** Its connection resumed on a new RTCPeerConnection while this was in flight: it comes again from the start. */
  restart(): void {
    if (this.finished) return;
    this.restarts += 1;
    this.element.dataset["restarts"] = String(this.restarts);
    this.status.textContent = this.direction === "send" ? "sending again" : "receiving again";
    this.status.title = "The connection moved to a new RTCPeerConnection while this was in flight: it is sent again whole.";
    this.status.classList.add("state-resent");
    this.setPercent(0);
  }

  progress(bytes: number, total: number): void {
    if (this.finished) return;
    const percent = total > 0 ? Math.min(99, Math.floor((bytes / total) * 100)) : 0;
    this.setPercent(percent);
    this.detail.textContent = `${formatBytes(bytes)} of ${formatBytes(total)} · ${formatRate(bytes, performance.now() - this.started)}`;
  }

  /** Done; `download` is the received file (receive side). */
  complete(bytes: number, download?: { blob: Blob; name: string }): void {
    if (this.finished) return;
    this.finished = true;
    this.setPercent(100);
    this.element.dataset["state"] = "done";
    this.status.textContent = this.direction === "send" ? "sent" : "received";
    this.status.classList.remove("state-resent");
    this.status.classList.add("state-open");
    const elapsed = performance.now() - this.started;
    this.detail.replaceChildren(`${formatBytes(bytes)} in ${(elapsed / 1000).toFixed(1)} s · ${formatRate(bytes, elapsed)}`);
    if (download) {
      const url = URL.createObjectURL(download.blob);
      this.detail.append(
        h("a", { class: "download", href: url, download: download.name, "data-testid": "download" }, `Save ${download.name}`),
      );
    }
  }

  fail(reason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.element.dataset["state"] = "failed";
    this.status.textContent = "failed";
    this.status.classList.remove("state-resent");
    this.status.classList.add("state-closed");
    this.detail.textContent = reason;
  }

  get knownSize(): number | null {
    return this.size;
  }

  private setPercent(percent: number): void {
    this.fill.style.width = `${percent}%`;
    this.percent.textContent = `${percent}%`;
    this.bar.setAttribute("aria-valuenow", String(percent));
    this.bar.dataset["percent"] = String(percent);
  }
}
