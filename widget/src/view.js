// The widget's DOM: launcher, dialog panel, toolbar (text size; More: larger window, save,
// print, start over),
// message log (bot alerts first in their message, then the body and its small print),
// quick replies and input form.
import { alertHeading } from "./alert.js";
import { createComposer } from "./composer.js";
import { COLOUR_PROPERTIES, TEXTS } from "./config.js";
import { el, icon } from "./dom.js";
import { modalWhenFullScreen } from "./modal.js";
import { startOverControl } from "./start-over.js";
import { appendText, appendTextWithNumbers } from "./text.js";
import { textSizeControl } from "./text-size.js";

const CHAT_ICON = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
const CLOSE_ICON = "M6 6l12 12M18 6L6 18";
const MORE_ICON = "M6 9l6 6 6-6"; // a chevron, pointing down (up while open: styles.css)
const ALERT_ICONS = Object.freeze({
  // a warning sign
  emergency: "M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0zM12 9v4M12 17h.01",
  // a telephone handset
  crisis:
    "M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1 1 .4 1.9.7 2.8a2 2 0 0 1-.5 2.1L8 9.9a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.8.7a2 2 0 0 1 1.7 2z",
});

let counter = 0;

function toolButton(label, onClick) {
  const button = el("button", { type: "button", class: "lems-chat__tool" }, label);
  button.addEventListener("click", onClick);
  return button;
}

/**
 * Build the widget under ``host``. ``on`` holds the controller's callbacks:
 * toggle(), close(), send(text), reply(button), startOver(), textSize(size), largePanel(on),
 * save(), print().
 */
export function createView(host, config, on) {
  const id = (name) => `lems-chat-${counter}-${name}`;
  counter += 1;

  const launcher = el(
    "button",
    { type: "button", class: "lems-chat__launcher", "aria-expanded": "false", "aria-controls": id("panel") },
    icon(CHAT_ICON),
    el("span", {}, config.launcherLabel),
  );
  const title = el("h2", { id: id("title"), class: "lems-chat__title" }, config.title);
  const notice = el("p", { id: id("notice"), class: "lems-chat__notice" }, config.notice);
  const close = el(
    "button",
    { type: "button", class: "lems-chat__icon-button", "aria-label": TEXTS.close },
    icon(CLOSE_ICON),
  );
  const textSize = textSizeControl(id("text-size"), (size) => on.textSize(size));
  // desktop only (styles.css hides it where the panel fills the screen already)
  const largerPanel = el(
    "button",
    { type: "button", class: "lems-chat__tool lems-chat__larger", "aria-pressed": "false" },
    TEXTS.largerPanel,
  );
  largerPanel.addEventListener("click", () =>
    on.largePanel(largerPanel.getAttribute("aria-pressed") !== "true"),
  );
  const startOver = startOverControl(id("start-over"), () => on.startOver());
  // the conversation's buttons, under More (a disclosure: they follow it in Tab order), so
  // the toolbar is one row in a 25 em panel
  const tools = el(
    "div",
    { id: id("tools"), class: "lems-chat__tools", role: "group", "aria-label": TEXTS.conversationTools, hidden: true },
    largerPanel,
    toolButton(TEXTS.save, () => on.save()),
    toolButton(TEXTS.print, () => on.print()),
    startOver.button,
  );
  const more = el(
    "button",
    { type: "button", class: "lems-chat__tool lems-chat__more", "aria-expanded": "false", "aria-controls": id("tools") },
    el("span", {}, TEXTS.more),
    icon(MORE_ICON),
  );
  function showTools(shown) {
    tools.hidden = !shown;
    more.setAttribute("aria-expanded", String(shown));
  }
  more.addEventListener("click", () => showTools(tools.hidden));
  tools.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.stopPropagation(); // Escape here closes More; it does not close the panel
    showTools(false);
    more.focus();
  });
  const toolbar = el("div", { class: "lems-chat__toolbar" }, textSize.group, more, tools);
  const status = el("p", { class: "lems-chat__status", role: "status" });
  const log = el("div", {
    class: "lems-chat__log",
    role: "log",
    "aria-live": "polite",
    "aria-label": TEXTS.conversation,
    tabindex: "0",
  });
  // a polite live region, always there (a region added with its text is not announced);
  // it holds the typing indicator while an answer is awaited
  const typing = el("div", { class: "lems-chat__typing", "aria-live": "polite" });
  const typingShown = [
    el("span", { class: "lems-chat__dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
    el("span", {}, TEXTS.typing),
  ];
  const composer = createComposer(id("input"), (text) => on.send(text));
  const { form, input } = composer;
  const panel = el(
    "section",
    {
      id: id("panel"),
      class: "lems-chat__panel",
      role: "dialog",
      "aria-labelledby": id("title"),
      "aria-describedby": id("notice"),
      hidden: true,
    },
    // the header and toolbar scroll on their own if very large text fills the panel
    el(
      "div",
      { class: "lems-chat__top" },
      el(
        "header",
        { class: "lems-chat__header" },
        el("div", { class: "lems-chat__heading" }, title, notice),
        close,
      ),
      toolbar,
    ),
    startOver.question,
    status,
    log,
    typing,
    form,
  );
  const root = el(
    "aside",
    {
      class: "lems-chat",
      lang: TEXTS.language, // the widget's own texts, whatever the page's language
      "aria-label": `${config.title} chat`,
      "data-lems-chat": "",
      "data-state": "connecting",
    },
    launcher,
    panel,
  );
  for (const [key, value] of Object.entries(config.colours)) {
    root.style.setProperty(COLOUR_PROPERTIES[key], value); // CSSOM: allowed by the page's CSP
  }

  launcher.addEventListener("click", () => on.toggle());
  close.addEventListener("click", () => on.close());
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      on.close();
    }
  });
  host.append(root);
  const modal = modalWhenFullScreen(panel, () => input);

  const items = new WeakMap(); // message -> its element in the log

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function replies(buttons) {
    const group = el("div", { class: "lems-chat__replies", role: "group", "aria-label": TEXTS.suggestedReplies });
    for (const button of buttons) {
      const node = el("button", { type: "button", class: "lems-chat__reply", dir: "auto" }, button.title);
      node.addEventListener("click", () => on.reply(button));
      group.append(node);
    }
    return group;
  }

  function alertBox(alert, speaker) {
    const body = el("p", { class: "lems-chat__alert-text", dir: "auto" });
    appendTextWithNumbers(body, alert.text, alert.numbers);
    return el(
      "div",
      { class: `lems-chat__alert lems-chat__alert--${alert.level}`, role: "alert" },
      el("span", { class: "lems-chat__sr-only" }, speaker + " "),
      el(
        "h3",
        { class: "lems-chat__alert-heading" },
        icon(ALERT_ICONS[alert.level]),
        el("span", {}, alertHeading(alert)),
      ),
      body,
    );
  }

  // dir="auto": the text's own direction (Arabic, Hebrew: right to left); the prefix's own
  // dir keeps it out of that choice
  function speakerPrefix(speaker) {
    return el("span", { class: "lems-chat__sr-only", dir: "ltr" }, speaker + " ");
  }

  /** A paragraph of a bot message's parts: text nodes and http(s) links, as in a bubble. */
  function paragraph(className, text) {
    const node = el("p", { class: className, dir: "auto" });
    appendText(node, text);
    return node;
  }

  /**
   * The body of a bot message from its parts (parts.js): each paragraph its own, then the
   * source line and the disclaimer set apart as small print. Null if there is none.
   */
  function partsBubble(parts, prefix) {
    const closing = [
      ...(parts.source ? [paragraph("lems-chat__source", parts.source)] : []),
      ...(parts.disclaimer ? [paragraph("lems-chat__disclaimer", parts.disclaimer)] : []),
    ];
    if (!parts.body.length && !closing.length) return null;
    return el(
      "div",
      { class: "lems-chat__bubble lems-chat__bubble--parts" },
      ...prefix,
      ...parts.body.map((text) => paragraph("lems-chat__paragraph", text)),
      ...(closing.length ? [el("div", { class: "lems-chat__small-print" }, ...closing)] : []),
    );
  }

  return {
    root,
    launcher,
    input,
    setOpen(open) {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      root.classList.toggle("lems-chat--open", open);
      modal.update();
      if (open) {
        composer.fit(); // measured once shown
        scrollToEnd();
      }
    },
    /** Show the widget's text at ``size`` (one of preferences.TEXT_SIZES). */
    setTextSize(size) {
      root.dataset.textSize = size;
      textSize.show(size);
    },
    /** The panel larger (true) or at its usual size, and the toggle showing which. */
    setLargePanel(large) {
      root.toggleAttribute("data-large-panel", large);
      largerPanel.setAttribute("aria-pressed", String(large));
    },
    setState(state) {
      root.dataset.state = state;
      status.textContent = TEXTS.status[state] || ""; // empty collapses, but stays a live region
      if (state !== "online") this.setTyping(false);
    },
    setTyping(on) {
      if (on === typing.hasChildNodes()) return;
      typing.replaceChildren(...(on ? typingShown : []));
      if (on) scrollToEnd();
    },
    /**
     * Add a message: ``from`` is "user", "bot" or "note" (a notice from the widget). A bot
     * message's ``alert`` shows first, as an alert. Then its ``parts`` (the body's
     * paragraphs, then the source line and disclaimer as small print) when it has them
     * (connection.js keeps only parts that add up to the text), else the rest of its text.
     */
    addMessage(message, { withReplies = true } = {}) {
      const { from, text, buttons, alert } = message;
      const speaker = TEXTS.speakers[from];
      const item = el("div", { class: `lems-chat__message lems-chat__message--${from}` });
      const parts = from === "bot" ? message.parts : null;
      const urgent = from === "bot" && alert && (!parts || parts.urgency) ? alert : null;
      if (urgent) item.append(alertBox(urgent, speaker));
      const prefix = urgent ? [] : [speakerPrefix(speaker)];
      if (parts) {
        const bubble = partsBubble(parts, prefix);
        if (bubble) item.append(bubble);
      } else {
        const rest = urgent && text.startsWith(urgent.text) ? text.slice(urgent.text.length).trim() : text;
        if (rest) {
          const bubble = el("p", { class: "lems-chat__bubble", dir: "auto" }, ...prefix);
          appendText(bubble, rest);
          item.append(bubble);
        }
      }
      if (withReplies && buttons && buttons.length) item.append(replies(buttons));
      items.set(message, item);
      log.append(item);
      // a long answer: show its start, not its end, and the question above it when both
      // fit in half the log
      if (from === "bot" && item.offsetHeight > log.clientHeight) {
        const question = item.previousElementSibling;
        const withQuestion =
          question?.classList.contains("lems-chat__message--user") &&
          item.offsetTop - question.offsetTop <= log.clientHeight / 2;
        log.scrollTop = (withQuestion ? question.offsetTop : item.offsetTop) - 8;
      } else scrollToEnd();
    },
    /**
     * Show where the user's ``message`` (as given to addMessage) stands: ``state`` is one
     * of TEXTS.delivery's keys, with a Retry button (``onRetry``) unless "queued", or
     * "sending" or null for nothing.
     */
    showDelivery(message, state, onRetry) {
      const item = items.get(message);
      if (!item) return;
      const old = item.querySelector(".lems-chat__delivery");
      if (old) old.remove();
      if (!TEXTS.delivery[state]) return;
      const note = el("p", { class: `lems-chat__delivery lems-chat__delivery--${state}` }, TEXTS.delivery[state]);
      if (state !== "queued") {
        const retry = el("button", { type: "button", class: "lems-chat__tool lems-chat__retry" }, TEXTS.retry);
        retry.addEventListener("click", onRetry);
        note.append(" ", retry);
      }
      item.append(note);
      scrollToEnd();
    },
    /** Remove the quick replies shown so far (they answer an earlier question). */
    clearReplies() {
      for (const group of log.querySelectorAll(".lems-chat__replies")) group.remove();
    },
    clearLog() {
      log.replaceChildren();
    },
  };
}
