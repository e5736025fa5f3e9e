// Emergency and crisis alerts: the data the server sends with such a reply, checked.
import { TEXTS } from "./config.js";

const LEVELS = Object.keys(TEXTS.alertHeadings); // each has its heading there
const PHONE_NUMBER = /^\d(?:[\d -]*\d)?$/; // as the server's numbers file writes them

/**
 * The alert of a bot message (``message.alert``: ``{level, heading, text, numbers}``, each
 * number ``{number, call, text}``), or null if it has none or it is not one the widget
 * knows. A heading that is not text is left out (alertHeading falls back).
 */
export function normaliseAlert(raw) {
  if (!raw || typeof raw !== "object" || !LEVELS.includes(raw.level)) return null;
  if (typeof raw.text !== "string" || !raw.text.trim()) return null;
  const numbers = (Array.isArray(raw.numbers) ? raw.numbers : [])
    .filter((n) => n && typeof n.number === "string" && PHONE_NUMBER.test(n.number))
    .map((n) => ({ number: n.number, call: n.call === true, text: n.text === true }))
    .filter((n) => n.call || n.text);
  const heading = typeof raw.heading === "string" && raw.heading.trim() ? { heading: raw.heading.trim() } : {};
  return { level: raw.level, ...heading, text: raw.text, numbers };
}

/** What ``alert`` is headed: the server's words, else the widget's own for its level. */
export function alertHeading(alert) {
  return alert.heading || TEXTS.alertHeadings[alert.level];
}
