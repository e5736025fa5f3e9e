// On phones the panel fills the screen: then it is a modal dialog (aria-modal) that keeps
// focus inside it. Floating beside the page on a desktop, it stays non-modal.

const FOCUSABLE = "a[href], button, textarea, input, select, [tabindex]:not([tabindex='-1'])";

/** Whether styles.css shows the panel full-screen (it sets --lems-modal to 1 there). */
function fillsScreen(panel) {
  return getComputedStyle(panel).getPropertyValue("--lems-modal").trim() === "1";
}

/** The panel's focusable elements that are shown, in Tab order (the DOM's: no tabindex > 0). */
function focusables(panel) {
  return [...panel.querySelectorAll(FOCUSABLE)].filter(
    (node) => !node.disabled && node.getClientRects().length > 0,
  );
}

/**
 * Make ``panel`` modal whenever it is open and fills the screen: Tab and Shift-Tab cycle
 * inside it, and focus that lands outside goes to ``fallback()`` (the question box).
 * Call ``update()`` after opening or closing it; a resize (turning the phone) calls it too.
 */
export function modalWhenFullScreen(panel, fallback) {
  let modal = false;

  function update() {
    modal = !panel.hidden && fillsScreen(panel);
    if (modal) panel.setAttribute("aria-modal", "true");
    else panel.removeAttribute("aria-modal");
  }

  panel.addEventListener("keydown", (event) => {
    if (!modal || event.key !== "Tab") return;
    const items = focusables(panel);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = panel.ownerDocument.activeElement;
    if (event.shiftKey && (active === first || !items.includes(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !items.includes(active))) {
      event.preventDefault();
      first.focus();
    }
  });
  panel.ownerDocument.addEventListener("focusin", (event) => {
    if (modal && !panel.contains(event.target)) fallback().focus();
  });
  panel.ownerDocument.defaultView.addEventListener("resize", update);
  return { update };
}
