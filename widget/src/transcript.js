// The conversation to keep: as a text file to save, or printed (styles.css prints only
// the conversation while the panel is open).
import { alertHeading } from "./alert.js";
import { TEXTS } from "./config.js";

/** ``date``'s day in the browser's time zone, as 2025-03-14. */
function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The conversation as plain text: the title, the notice, when, then each message, a line
 * a part: an answer's alert, its paragraphs, its source line and its disclaimer (its text,
 * which its parts add up to: parts.js), under "Assistant" and any alert's heading.
 */
export function transcriptText(messages, config, when) {
  const lines = [config.title, config.notice, TEXTS.transcript.saved(when), ""];
  for (const message of messages) {
    const speaker = TEXTS.transcript.speakers[message.from];
    const alert = message.alert ? ` (${alertHeading(message.alert)})` : "";
    const delivery = message.delivery && TEXTS.delivery[message.delivery];
    lines.push(`${speaker}${alert}:`, message.text, ...(delivery ? [`(${delivery})`] : []), "");
  }
  return lines.join("\n");
}

/** Offer the conversation as a text file (a download: nothing leaves the browser). */
export function saveTranscript(doc, messages, config, when = new Date()) {
  const blob = new Blob([transcriptText(messages, config, when)], { type: "text/plain;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = doc.createElement("a");
  link.href = url;
  link.download = TEXTS.transcript.fileName(isoDay(when));
  link.hidden = true;
  doc.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
