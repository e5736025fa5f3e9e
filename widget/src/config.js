// Widget settings: built-in defaults, then the page's JSON block, then window.LemsChatConfig.

export const CONFIG_ELEMENT_ID = "lems-chat-config";

// The widget's fixed texts, from bot/knowledge/ (widget.yml, with the disclaimer's short
// form and the alert headings), filled in by build.mjs: `make widget` after changing them.
/* global LEMS_TEXTS */
const T = LEMS_TEXTS;

export const DEFAULTS = Object.freeze({
  serverUrl: "", // the Rasa server; empty means the page's own origin
  socketPath: "/socket.io",
  title: T.title,
  notice: T.notice, // the short form of the bot's disclaimer
  launcherLabel: T.launcher_label,
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
const count = (n) => n.toLocaleString(T.language);

/** ``template`` with each ``{name}`` replaced by ``values[name]``. */
const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));

// Every fixed text the widget shows or announces, in one place. (The page may change the
// title, notice and launcher label above; the bot's own answers come from the server.)
export const TEXTS = Object.freeze({
  language: T.language, // the language of these texts: the widget root's lang attribute
  status: Object.freeze({
    connecting: T.status.connecting,
    online: "",
    reconnecting: T.status.reconnecting,
    unavailable: T.status.unavailable,
  }),
  // what each alert level is headed, beside its icon (words, not colour alone), when the
  // server's alert has no heading: the server's own phrases
  alertHeadings: Object.freeze({ emergency: T.alert_headings.emergency, crisis: T.alert_headings.crisis }),
  // read before each message by screen readers
  speakers: Object.freeze({ user: T.speakers.user, bot: T.speakers.bot, note: T.speakers.note }),
  close: T.close,
  textSize: T.text_size,
  textSizeSample: T.text_size_sample, // the letter on each text-size button, at its size
  largerPanel: T.larger_panel,
  // the text-size steps, smallest first (styles.css sizes each)
  textSizes: Object.freeze({
    normal: T.text_sizes.normal,
    large: T.text_sizes.large,
    largest: T.text_sizes.largest,
  }),
  more: T.more, // shows the conversation's buttons
  conversationTools: T.conversation_tools,
  save: T.save,
  print: T.print,
  startOver: T.start_over,
  startOverQuestion: T.start_over_question,
  keepConversation: T.keep_conversation,
  confirmStartOver: T.confirm_start_over,
  conversation: T.conversation,
  typing: T.typing,
  suggestedReplies: T.suggested_replies,
  inputLabel: T.input_label,
  inputPlaceholder: T.input_placeholder,
  inputHint: T.input_hint,
  send: T.send,
  charactersLeft: (left, limit) =>
    left > 0
      ? fill(T.characters_left, { left: count(left), limit: count(limit) })
      : fill(T.no_characters_left, { limit: count(limit) }),
  pasteCut: (pasted, kept, limit) =>
    fill(T.paste_cut, { pasted: count(pasted), kept: count(kept), limit: count(limit) }),
  noAnswer: T.no_answer,
  // under a message of the person's that is not answered yet (outbox.js)
  delivery: Object.freeze({
    queued: T.delivery.queued,
    failed: T.delivery.failed,
    noAnswer: T.delivery.no_answer,
  }),
  retry: T.retry,
  // the saved conversation (transcript.js)
  transcript: Object.freeze({
    speakers: Object.freeze({ user: T.transcript.speakers.user, bot: T.transcript.speakers.bot }),
    saved: (date) =>
      fill(T.transcript.saved, { date: date.toLocaleString(undefined, { dateStyle: "long", timeStyle: "short" }) }),
    fileName: (isoDate) => fill(T.transcript.file_name, { date: isoDate }),
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
