// The text-size control: a labelled group of one button a size, the chosen one pressed.
// Each button shows a letter at its size (hidden from screen readers) and is named by its
// size's word, which shows as a tooltip on hover and keyboard focus: three words do not
// fit beside the rest of the toolbar in a 25 em panel.
import { TEXTS } from "./config.js";
import { el } from "./dom.js";
import { TEXT_SIZES } from "./preferences.js";

/** The control, labelled by an element with ``labelId``; ``onChoose(size)`` on a press. */
export function textSizeControl(labelId, onChoose) {
  const buttons = TEXT_SIZES.map((size) => {
    const button = el(
      "button",
      { type: "button", class: `lems-chat__tool lems-chat__size lems-chat__size--${size}`, "aria-pressed": "false" },
      el("span", { class: "lems-chat__sample", "aria-hidden": "true" }, TEXTS.textSizeSample),
      el("span", { class: "lems-chat__tip" }, TEXTS.textSizes[size]), // the button's name
    );
    button.addEventListener("click", () => onChoose(size));
    return button;
  });
  const group = el(
    "div",
    { class: "lems-chat__sizes", role: "group", "aria-labelledby": labelId },
    el("span", { id: labelId, class: "lems-chat__tool-label" }, TEXTS.textSize),
    ...buttons,
  );
  return {
    group,
    /** Show ``size`` as the chosen one. */
    show(size) {
      buttons.forEach((button, i) => button.setAttribute("aria-pressed", String(TEXT_SIZES[i] === size)));
    },
  };
}
