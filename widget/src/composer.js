// The question box: a textarea that grows with its text (Enter sends, Shift-Enter starts a
// new line), a counter once the text nears the server's limit, and a notice when a paste
// is cut to fit (the browser would cut it silently).
import { MAX_MESSAGE_CHARS, TEXTS } from "./config.js";
import { el } from "./dom.js";

const COUNTER_FROM = 0.8; // the counter shows from this share of the limit

/** ``text`` cut to ``length`` code units, never between the two halves of an emoji. */
function cut(text, length) {
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}

/** The form; ``onSend(text)`` returns true once it took the text (the box is emptied). */
export function createComposer(inputId, onSend) {
  const hint = el("span", { id: inputId + "-hint", class: "lems-chat__sr-only" }, TEXTS.inputHint);
  const counter = el("p", { id: inputId + "-count", class: "lems-chat__counter", hidden: true });
  // always there, so screen readers announce it when it fills
  const notice = el("p", { id: inputId + "-notice", class: "lems-chat__paste-notice", "aria-live": "polite" });
  const input = el("textarea", {
    id: inputId,
    class: "lems-chat__input",
    rows: "1",
    maxlength: String(MAX_MESSAGE_CHARS),
    enterkeyhint: "send",
    autocomplete: "off",
    dir: "auto",
    placeholder: TEXTS.inputPlaceholder,
    "aria-describedby": [hint.id, counter.id, notice.id].join(" "),
  });
  const send = el("button", { type: "submit", class: "lems-chat__send" }, TEXTS.send);
  const form = el(
    "form",
    { class: "lems-chat__form" },
    el("label", { for: inputId, class: "lems-chat__sr-only" }, TEXTS.inputLabel),
    hint,
    el("div", { class: "lems-chat__compose" }, input, send),
    counter,
    notice,
  );

  /** Grow or shrink the box to its text (styles.css caps its height; then it scrolls). */
  function fit() {
    input.style.height = "auto"; // CSSOM: allowed by the page's CSP
    const borders = input.offsetHeight - input.clientHeight;
    input.style.height = input.scrollHeight + borders + "px";
  }

  function showCount() {
    const used = input.value.length;
    counter.hidden = used < MAX_MESSAGE_CHARS * COUNTER_FROM;
    counter.textContent = counter.hidden ? "" : TEXTS.charactersLeft(MAX_MESSAGE_CHARS - used, MAX_MESSAGE_CHARS);
  }

  function changed() {
    if (!input.value) notice.textContent = "";
    fit();
    showCount();
  }

  function submit() {
    const text = input.value.trim();
    if (!text || !onSend(text)) return;
    input.value = "";
    notice.textContent = "";
    changed();
  }

  input.addEventListener("input", changed);
  input.addEventListener("keydown", (event) => {
    const plainEnter = event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey;
    if (!plainEnter || event.isComposing) return; // Shift-Enter: a new line; IME: its own Enter
    event.preventDefault();
    submit();
  });
  input.addEventListener("paste", (event) => {
    const pasted = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
    const room = MAX_MESSAGE_CHARS - (input.value.length - (input.selectionEnd - input.selectionStart));
    if (pasted.length <= room) return; // fits: the browser pastes it
    event.preventDefault();
    const kept = cut(pasted, Math.max(room, 0));
    input.setRangeText(kept, input.selectionStart, input.selectionEnd, "end");
    notice.textContent = TEXTS.pasteCut(pasted.length, kept.length, MAX_MESSAGE_CHARS);
    fit();
    showCount();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });

  return { form, input, fit };
}
