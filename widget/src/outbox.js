// The person's messages on their way: sent one at a time, in order, while online. One
// written offline waits for the connection; one whose send fails, or that gets no answer,
// is marked so the person can retry it. None is dropped without it showing.

const ANSWER_TIMEOUT_MS = 30000;
const SETTLE_MS = 400; // once an answer starts, time for the rest of it before the next send

export class Outbox {
  /**
   * ``send(message)`` resolves true when the answer came with it (REST), false when it
   * comes later (socket.io), and rejects if it could not be sent. ``onDelivery(record,
   * state)`` hears each change: "queued", "sending", "failed" (not sent), "noAnswer", or
   * null once answered. ``onWaiting(waiting)``: whether an answer is awaited.
   * @param {{send: (message: string) => Promise<boolean>, isOnline: () => boolean,
   *          onDelivery: (record: object, state: string|null) => void,
   *          onWaiting: (waiting: boolean) => void}} hooks
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.queue = [];
    this.awaiting = null; // the record sent whose answer has not come yet
    this.answerTimer = 0;
    this.nextTimer = 0;
  }

  /** Send ``record`` (``{text, payload?}``) in its turn; ``first``: before those waiting. */
  add(record, { first = false } = {}) {
    if (first) this.queue.unshift(record);
    else this.queue.push(record);
    this.hooks.onDelivery(record, "queued");
    this.pump();
  }

  /** Send the next message if online and none is waiting for its answer. */
  pump() {
    if (this.awaiting || !this.hooks.isOnline() || !this.queue.length) return;
    const record = this.queue.shift();
    this.awaiting = record;
    this.hooks.onDelivery(record, "sending");
    this.hooks.onWaiting(true);
    this.answerTimer = setTimeout(() => this.#fail(record, "noAnswer"), ANSWER_TIMEOUT_MS);
    this.hooks.send(record.payload || record.text).then(
      (answered) => answered && this.answered(),
      () => this.#fail(record, "failed"),
    );
  }

  /** An answer came: the message awaiting it is done, and the next goes shortly. */
  answered() {
    const record = this.awaiting;
    if (!record) return;
    this.#finish();
    this.hooks.onDelivery(record, null);
    clearTimeout(this.nextTimer);
    this.nextTimer = setTimeout(() => this.pump(), SETTLE_MS);
  }

  /** The connection dropped: the message awaiting its answer will not get it. */
  disconnected() {
    const record = this.awaiting;
    // after the failed send's own rejection, if there is one: that says "not sent"
    if (record) setTimeout(() => this.#fail(record, "noAnswer"), 0);
  }

  /** Forget every message on its way (start over). */
  clear() {
    this.#finish();
    this.queue = [];
    clearTimeout(this.nextTimer);
  }

  #fail(record, state) {
    if (this.awaiting !== record) return;
    this.#finish();
    this.hooks.onDelivery(record, state);
    this.pump();
  }

  #finish() {
    clearTimeout(this.answerTimer);
    this.awaiting = null;
    this.hooks.onWaiting(false);
  }
}
