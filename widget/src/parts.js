// A bot message's parts (the server's ``parts``: bot/answers.py, Answer.parts), checked the
// way the messaging connectors read them (bot/channels/parts.py): used only when they add
// up to the message's text, so the patient always sees every word.

/** ``value`` if it is a string with more than white space, else null. */
function line(value) {
  return typeof value === "string" && value.trim() ? value : null;
}

/**
 * The parts of a bot message whose text is ``text`` and whose alert, already checked by
 * alert.js's normaliseAlert, is ``alert`` (or null): ``{urgency, body, source,
 * disclaimer}``, the body its paragraphs with text. Null when ``raw`` is missing or
 * malformed, when its urgency is not the alert's level, or when the alert's text, the
 * paragraphs, the source line and the disclaimer, joined by newlines, are not ``text``.
 */
export function readParts(text, raw, alert) {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return null;
  const { body, urgency = null } = raw;
  if (!Array.isArray(body) || !body.every((p) => typeof p === "string")) return null;
  if (urgency !== null && (!alert || alert.level !== urgency)) return null;
  const paragraphs = body.filter((p) => p.trim());
  const source = line(raw.source);
  const disclaimer = line(raw.disclaimer);
  const shown = [...(urgency ? [alert.text] : []), ...paragraphs, source, disclaimer];
  const asSent = shown.filter((p) => p !== null).join("\n");
  if (typeof text !== "string" || asSent.trim() !== text.trim()) return null;
  return { urgency, body: paragraphs, source, disclaimer };
}
