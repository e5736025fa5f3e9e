// Widget settings: built-in defaults, then the page's JSON block, then window.LemsChatConfig.

export const CONFIG_ELEMENT_ID = "lems-chat-config";

export const DEFAULTS = Object.freeze({
  serverUrl: "", // the Rasa server; empty means the page's own origin
  socketPath: "/socket.io",
  title: "Mycophenolate & LEMS information",
  notice: "General information, not medical advice",
  launcherLabel: "Questions about mycophenolate?",
  // sent (not shown) the first time the panel opens, so the bot replies with its topics
  initialGreeting: "/greet",
  colours: {},
  // whose emergency numbers the bot gives: "auto" (the browser's locale, "en-GB" -> GB),
  // a country code ("GB"), or "" (none sent: the server's BOT_COUNTRY decides)
  country: "auto",
});

// The server's cap on a message's length (MAX_MESSAGE_CHARS in bot/limits.py), filled in
// by build.mjs, so the number has one source: the question box takes no more.
/* global LEMS_MAX_MESSAGE_CHARS */
export const MAX_MESSAGE_CHARS = LEMS_MAX_MESSAGE_CHARS;

/** A count as the widget's texts write it ("2,000"). */
const count = (n) => n.toLocaleString("en");

// Every fixed text the widget shows or announces, in one place. (The page may change the
// title, notice and launcher label above; the bot's own answers come from the server.)
export const TEXTS = Object.freeze({
  language: "en", // the language of these texts: the widget root's lang attribute
  status: Object.freeze({
    connecting: "Connecting…",
    online: "",
    reconnecting: "Reconnecting…",
    unavailable: "The assistant is unavailable right now. Trying again…",
  }),
  // what each alert level is headed, beside its icon (words, not colour alone)
  alertHeadings: Object.freeze({ emergency: "Emergency", crisis: "Get help now" }),
  // read before each message by screen readers
  speakers: Object.freeze({ user: "You said:", bot: "Assistant said:", note: "Notice:" }),
  close: "Close chat",
  textSize: "Text size",
  // the text-size steps, smallest first (styles.css sizes each)
  textSizes: Object.freeze({ normal: "Normal", large: "Large", largest: "Largest" }),
  conversationTools: "This conversation",
  save: "Save",
  print: "Print",
  startOver: "Start over",
  startOverQuestion: "Clear this conversation and start again? It will be removed from this device.",
  keepConversation: "No, keep it",
  confirmStartOver: "Yes, start over",
  conversation: "Conversation",
  typing: "The assistant is typing…",
  suggestedReplies: "Suggested replies",
  inputLabel: "Your question",
  inputPlaceholder: "Type your question",
  inputHint: "Enter sends it. Shift and Enter start a new line.",
  send: "Send",
  charactersLeft: (left, limit) =>
    left > 0
      ? `${count(left)} of ${count(limit)} characters left`
      : `No characters left: a message can have ${count(limit)}`,
  pasteCut: (pasted, kept, limit) =>
    `The text you pasted has ${count(pasted)} characters, more than fit in a message ` +
    `(${count(limit)}). Only its first ${count(kept)} were added: nothing has been sent.`,
  noAnswer: "No answer came back. Please try again.",
  // under a message of the person's that is not answered yet (outbox.js)
  delivery: Object.freeze({
    queued: "Waiting to send. It goes when the connection is back.",
    failed: "Not sent.",
    noAnswer: "No answer came back.",
  }),
  retry: "Retry",
  // the saved conversation (transcript.js)
  transcript: Object.freeze({
    speakers: Object.freeze({ user: "You", bot: "Assistant" }),
    saved: (date) => `Saved ${date.toLocaleString(undefined, { dateStyle: "long", timeStyle: "short" })}`,
    fileName: (isoDate) => `conversation-${isoDate}.txt`,
  }),
});

// config key -> CSS custom property on the widget's root
export const COLOUR_PROPERTIES = Object.freeze({
  accent: "--lems-accent",
  accentText: "--lems-accent-text",
  background: "--lems-bg",
  text: "--lems-text",
});

function fromJsonBlock(doc) {
  const element = doc.getElementById(CONFIG_ELEMENT_ID);
  if (!element) return {};
  try {
    const value = JSON.parse(element.textContent || "{}");
    return value && typeof value === "object" ? value : {};
  } catch (error) {
    console.warn("lems-chat: ignoring invalid JSON in #" + CONFIG_ELEMENT_ID, error);
    return {};
  }
}

function text(value, fallback) {
  return typeof value === "string" && value.trim() ? value.trim() : fallback;
}

/** The Rasa server's base URL (http or https, no trailing slash). */
export function normaliseServerUrl(value, pageOrigin) {
  const raw = text(value, pageOrigin);
  try {
    const url = new URL(raw, pageOrigin);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(url.protocol);
    return url.origin + url.pathname.replace(/\/+$/, "");
  } catch {
    console.warn("lems-chat: serverUrl must be an http(s) URL; using the page's origin");
    return pageOrigin;
  }
}

function colours(value, isColour) {
  const result = {};
  if (!value || typeof value !== "object") return result;
  for (const key of Object.keys(COLOUR_PROPERTIES)) {
    if (typeof value[key] === "string" && isColour(value[key])) result[key] = value[key];
  }
  return result;
}

/** The country code sent with each message ("" for none), from ``setting`` or ``language``. */
export function chooseCountry(setting, language) {
  const given = typeof setting === "string" ? setting.trim() : setting === false ? "" : DEFAULTS.country;
  if (given.toLowerCase() !== "auto") return /^[A-Za-z]{2}$/.test(given) ? given.toUpperCase() : "";
  try {
    const region = new Intl.Locale(language).region || "";
    return /^[A-Z]{2}$/.test(region) ? region : ""; // "es-419" names no country
  } catch {
    return ""; // no or malformed language tag
  }
}

/** Whether the country ``setting`` leaves it to the browser's locale ("auto", the default). */
export function countryIsGuessed(setting) {
  const given = typeof setting === "string" ? setting.trim() : setting === false ? "" : DEFAULTS.country;
  return given.toLowerCase() === "auto";
}

/** The merged, validated settings for this page. */
export function readConfig(doc = document, win = window) {
  const given = { ...fromJsonBlock(doc), ...(win.LemsChatConfig || {}) };
  const isColour = (v) => !!(win.CSS && win.CSS.supports && win.CSS.supports("color", v));
  const greeting = given.initialGreeting;
  return {
    serverUrl: normaliseServerUrl(given.serverUrl, win.location.origin),
    socketPath: text(given.socketPath, DEFAULTS.socketPath),
    title: text(given.title, DEFAULTS.title),
    notice: text(given.notice, DEFAULTS.notice),
    launcherLabel: text(given.launcherLabel, DEFAULTS.launcherLabel),
    initialGreeting: greeting === false || greeting === "" ? "" : text(greeting, DEFAULTS.initialGreeting),
    colours: colours(given.colours || given.colors, isColour),
    country: chooseCountry(given.country, win.navigator && win.navigator.language),
    // guessed from the browser: the server's BOT_COUNTRY, when set, wins over it
    countryGuessed: countryIsGuessed(given.country),
  };
}
