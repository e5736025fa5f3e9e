// Entry point: load the stylesheet next to this script, read the settings, mount the widget.
import { readConfig } from "./config.js";
import { mountWidget } from "./widget.js";
import "./styles.css";

const script = document.currentScript;

/** Add lems-chat.css (beside this script); resolves once it loaded or failed. */
function addStylesheet() {
  if (!script || !script.src) return Promise.resolve();
  return new Promise((resolve) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("lems-chat.css", script.src).href;
    link.addEventListener("load", resolve, { once: true });
    link.addEventListener("error", resolve, { once: true });
    document.head.append(link);
  });
}

const domReady = new Promise((resolve) => {
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", resolve, { once: true });
  } else {
    resolve();
  }
});

Promise.all([addStylesheet(), domReady]).then(() => {
  if (document.querySelector("[data-lems-chat]")) return; // one widget per page
  mountWidget(document.body, readConfig(document, window));
});
