// Start over, asked first: the button opens a question with "No, keep it" (focused) and
// "Yes, start over", so one tap, or a second tap on the same spot, wipes nothing.
import { TEXTS } from "./config.js";
import { el } from "./dom.js";

/** The Start over button and its question; ``onConfirm()`` once the person says yes. */
export function startOverControl(questionId, onConfirm) {
  const button = el(
    "button",
    { type: "button", class: "lems-chat__tool", "aria-expanded": "false", "aria-controls": questionId + "-box" },
    TEXTS.startOver,
  );
  const keep = el("button", { type: "button", class: "lems-chat__tool" }, TEXTS.keepConversation);
  const confirm = el("button", { type: "button", class: "lems-chat__tool lems-chat__tool--danger" }, TEXTS.confirmStartOver);
  const question = el(
    "div",
    { id: questionId + "-box", class: "lems-chat__confirm", role: "group", "aria-labelledby": questionId, hidden: true },
    el("p", { id: questionId, class: "lems-chat__confirm-text" }, TEXTS.startOverQuestion),
    el("div", { class: "lems-chat__confirm-buttons" }, keep, confirm),
  );

  function ask(open) {
    question.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    (open ? keep : button).focus();
  }

  button.addEventListener("click", () => ask(question.hidden));
  keep.addEventListener("click", () => ask(false));
  confirm.addEventListener("click", () => {
    question.hidden = true;
    button.setAttribute("aria-expanded", "false");
    onConfirm();
  });
  question.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.stopPropagation(); // Escape here answers no; it does not close the panel
    ask(false);
  });
  return { button, question };
}
