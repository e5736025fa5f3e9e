// The reader's display preferences (the text size), kept in localStorage for every page.
import { TEXTS } from "./config.js";
import { browserStorage } from "./store.js";

const TEXT_SIZE_KEY = "lems-chat:text-size";
export const TEXT_SIZES = Object.freeze(Object.keys(TEXTS.textSizes)); // smallest first

/** The stored preferences; an unknown or missing value is the default (the first size). */
export function openPreferences(storage = browserStorage()) {
  return {
    get textSize() {
      const saved = storage.getItem(TEXT_SIZE_KEY);
      return TEXT_SIZES.includes(saved) ? saved : TEXT_SIZES[0];
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
