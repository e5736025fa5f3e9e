// The reader's display preferences (the text size, a larger panel), kept in localStorage for every page.
import { TEXTS } from "./config.js";
import { browserStorage } from "./store.js";

const TEXT_SIZE_KEY = "lems-chat:text-size";
const LARGE_PANEL_KEY = "lems-chat:large-panel";
export const TEXT_SIZES = Object.freeze(Object.keys(TEXTS.textSizes)); // smallest first

/** The stored preferences; an unknown or missing value is the default (the first size). */
export function openPreferences(storage = browserStorage()) {
  return {
    get textSize() {
      const saved = storage.getItem(TEXT_SIZE_KEY);
      return TEXT_SIZES.includes(saved) ? saved : TEXT_SIZES[0];
    },
    get largePanel() {
      return storage.getItem(LARGE_PANEL_KEY) === "on";
    },
    setLargePanel(large) {
      try {
        storage.setItem(LARGE_PANEL_KEY, large ? "on" : "off");
      } catch {
        // full or blocked storage: the size holds until the page is left
      }
    },
    setTextSize(size) {
      if (!TEXT_SIZES.includes(size)) return;
      try {
        storage.setItem(TEXT_SIZE_KEY, size);
      } catch {
        // full or blocked storage: the size holds until the page is left
      }
    },
  };
}
