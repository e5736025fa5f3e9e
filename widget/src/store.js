// The session token, history and open state, kept in localStorage (memory if it is blocked).
import { normaliseAlert } from "./alert.js";
import { readParts } from "./parts.js";

const MAX_MESSAGES = 200;

function memoryStorage() {
  const data = new Map();
  return {
    getItem: (key) => (data.has(key) ? data.get(key) : null),
    setItem: (key, value) => data.set(key, String(value)),
    removeItem: (key) => data.delete(key),
  };
}

/** localStorage, or a memory stand-in where the browser blocks it. */
export function browserStorage() {
  try {
    const storage = window.localStorage;
    const probe = "lems-chat:probe";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return storage;
  } catch {
    return memoryStorage();
  }
}

// a session token the server issued, or a local id it will replace (bot/identity.py)
const SESSION = /^[0-9a-f]{32}(\.[0-9a-f]{32})?$/;

/** A new random local id (32 hex digits) until the server issues the session. */
export function newSessionId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function validMessage(m) {
  return m && (m.from === "user" || m.from === "bot") && typeof m.text === "string";
}

// where a message of the user's stands, if not answered (outbox.js); one that was on its
// way when the page closed may never have been answered
const DELIVERY = Object.freeze({ queued: "queued", failed: "failed", noAnswer: "noAnswer", sending: "noAnswer" });

/**
 * A stored message as it was shown: a bot message keeps its alert and its parts, checked
 * again; a user message its payload (a button's) and its delivery, if it was not answered.
 */
function restored(m) {
  const { alert, parts, delivery, payload, ...message } = m;
  if (m.from === "user") {
    const state = DELIVERY[delivery];
    return { ...message, ...(typeof payload === "string" ? { payload } : {}), ...(state ? { delivery: state } : {}) };
  }
  const checked = normaliseAlert(alert);
  const shown = readParts(message.text, parts, checked);
  return { ...message, ...(checked ? { alert: checked } : {}), ...(shown ? { parts: shown } : {}) };
}

/** The stored conversation for one Rasa server. */
export function openStore(serverUrl, storage = browserStorage()) {
  const key = "lems-chat:" + serverUrl;
  let state = { sessionId: "", messages: [], open: false };
  try {
    const saved = JSON.parse(storage.getItem(key) || "null");
    if (saved && typeof saved.sessionId === "string" && Array.isArray(saved.messages)) {
      const messages = saved.messages.filter(validMessage).map(restored);
      state = { sessionId: saved.sessionId, messages, open: !!saved.open };
    }
  } catch {
    // a damaged entry starts a new conversation
  }
  if (!SESSION.test(state.sessionId)) state.sessionId = newSessionId();

  function save() {
    state.messages = state.messages.slice(-MAX_MESSAGES);
    try {
      storage.setItem(key, JSON.stringify(state));
    } catch {
      // full or blocked storage: the conversation still works, it just is not kept
    }
  }

  save();
  return {
    get sessionId() {
      return state.sessionId;
    },
    get messages() {
      return state.messages;
    },
    get open() {
      return state.open;
    },
    setOpen(open) {
      state.open = open;
      save();
    },
    add(message) {
      state.messages.push(message);
      save();
    },
    /** Keep a change made to a stored message (its delivery). */
    changed: save,
    /** Keep the session token the server confirmed. */
    setSessionId(id) {
      if (!SESSION.test(id)) return;
      state.sessionId = id;
      save();
    },
    /** Forget the conversation and start a new session. */
    reset() {
      state = { sessionId: newSessionId(), messages: [], open: state.open };
      save();
    },
  };
}
