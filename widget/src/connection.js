// Talks to Rasa: socket.io first, the REST channel when socket.io cannot connect.
import { io } from "socket.io-client";
import { normaliseAlert } from "./alert.js";
import { readParts } from "./parts.js";

export const STATES = Object.freeze(["connecting", "online", "reconnecting", "unavailable"]);

const FAILS_BEFORE_REST = 2; // failed socket.io attempts before trying REST
const FAILS_BEFORE_UNAVAILABLE = 4; // ... before telling the user the assistant is unavailable

/**
 * A bot message as the widget uses it: text, quick-reply buttons, any alert, and its parts
 * if they add up to the text (parts.js).
 */
export function normaliseMessage(data) {
  const raw = data && typeof data === "object" ? data : {};
  const text = typeof raw.text === "string" ? raw.text : "";
  const list = Array.isArray(raw.quick_replies) ? raw.quick_replies : raw.buttons;
  const buttons = (Array.isArray(list) ? list : [])
    .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
    .map((b) => ({ title: b.title, payload: b.payload }));
  const alert = normaliseAlert(raw.alert); // emergency or crisis guidance, as data
  if (!text && !buttons.length) return null;
  const parts = readParts(text, raw.parts, alert); // the body and small print, or null
  return { text, buttons, ...(alert ? { alert } : {}), ...(parts ? { parts } : {}) };
}

export class Connection {
  /**
   * The server issues the session: ``sessionId`` is the token it confirmed last time (or
   * a local id it will replace), and ``onSession`` receives each token it confirms.
   * ``metadata`` goes with every message (``{country: "GB"}``: the local numbers).
   * @param {{serverUrl: string, socketPath: string, sessionId: string, metadata?: object,
   *          onState: (state: string) => void, onMessage: (m: object) => void,
   *          onSession: (id: string) => void}} options
   */
  constructor(options) {
    this.serverUrl = options.serverUrl;
    this.metadata = options.metadata || null;
    this.socketPath = options.socketPath;
    this.sessionId = options.sessionId;
    this.onState = options.onState;
    this.onMessage = options.onMessage;
    this.onSession = options.onSession;
    this.state = "connecting";
    this.mode = null; // "socket" | "rest" | null while offline
    this.fails = 0;
    this.wasOnline = false;
    this.checkingRest = false;
    this.socket = null;
  }

  start() {
    const socket = io(this.serverUrl, {
      path: this.socketPath,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 8000,
    });
    this.socket = socket;
    socket.on("connect", () => {
      this.fails = 0;
      socket.emit("session_request", { session_id: this.sessionId });
    });
    socket.on("session_confirm", (id) => {
      const confirmed = typeof id === "string" ? id : id && id.session_id;
      if (typeof confirmed !== "string" || !confirmed) return;
      if (confirmed !== this.sessionId) {
        this.sessionId = confirmed; // a new session: the server did not resume the old one
        this.onSession(confirmed);
      }
      this.#online("socket");
    });
    socket.on("bot_uttered", (data) => this.#deliver(data));
    socket.on("disconnect", (reason) => {
      if (reason === "io server disconnect") socket.connect(); // the server hung up: retry
      if (this.mode === "socket") this.#offline();
    });
    socket.on("connect_error", () => this.#socketFailed());
  }

  /** Start a new session (start over): the fresh socket asks the server for one. */
  restart(sessionId) {
    this.sessionId = sessionId;
    if (this.mode === "socket" && this.socket) {
      this.mode = null;
      this.#setState("connecting");
      this.socket.disconnect().connect();
    }
  }

  get online() {
    return this.state === "online";
  }

  /**
   * Send the user's text (or a button payload); rejects if it could not be sent. Resolves
   * true when the answer came with it (REST, delivered before this resolves), false when
   * it comes later (socket.io).
   */
  async send(message) {
    if (this.mode === "socket") {
      // not while reconnecting: a buffered message would overtake the session_request
      if (!this.socket.connected) throw new Error("not connected");
      this.socket.emit("user_uttered", { message, session_id: this.sessionId, ...this.#extra() });
      return false;
    }
    if (this.mode !== "rest") throw new Error("not connected");
    let replies;
    try {
      const response = await fetch(this.serverUrl + "/webhooks/rest/webhook", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: this.sessionId, message, ...this.#extra() }),
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      replies = await response.json();
    } catch (error) {
      if (this.mode === "rest") this.#offline();
      throw error;
    }
    for (const reply of Array.isArray(replies) ? replies : []) this.#deliver(reply);
    return true;
  }

  #extra() {
    return this.metadata ? { metadata: this.metadata } : {};
  }

  #deliver(data) {
    const message = normaliseMessage(data);
    if (message) this.onMessage(message);
  }

  #online(mode) {
    this.mode = mode;
    this.wasOnline = true;
    this.#setState("online");
  }

  #offline() {
    this.mode = null;
    this.#setState(this.wasOnline ? "reconnecting" : "connecting");
  }

  #socketFailed() {
    this.fails += 1;
    if (this.mode === "socket") this.mode = null;
    if (this.mode === "rest") return; // REST carries the chat; socket.io keeps trying
    if (this.fails >= FAILS_BEFORE_REST) this.#checkRest();
    else this.#offline();
  }

  async #checkRest() {
    if (this.checkingRest) return;
    this.checkingRest = true;
    let ok = false;
    try {
      const response = await fetch(this.serverUrl + "/webhooks/rest/", { cache: "no-store" });
      ok = response.ok;
    } catch {
      ok = false;
    }
    this.checkingRest = false;
    if (this.mode !== null) return; // socket.io came back meanwhile
    if (ok) this.#online("rest");
    else if (this.fails >= FAILS_BEFORE_UNAVAILABLE) this.#setState("unavailable");
    else this.#offline();
  }

  #setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }
}
