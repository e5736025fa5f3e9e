// Message text as DOM nodes: plain text nodes, plus links for http(s) URLs and for the
// phone numbers the server listed. Never innerHTML.

// a markdown link [title](url) or a bare URL
const LINK = /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s)]+)\)|https?:\/\/[^\s<>"']+/g;
const TRAILING = /[.,;:!?'")\]]+$/;

/** The URL if it is http or https, else null. */
export function safeHref(raw) {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

function link(doc, href, label) {
  const a = doc.createElement("a");
  a.href = href;
  a.textContent = label;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

/** Append ``text`` to ``element``: text nodes, and links only for http(s) URLs. */
export function appendText(element, text) {
  const doc = element.ownerDocument;
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    let [whole, title, target] = match;
    let end = match.index + whole.length;
    if (!title) {
      // a bare URL: leave closing punctuation outside the link
      const trimmed = whole.replace(TRAILING, "");
      end = match.index + trimmed.length;
      whole = trimmed;
      target = trimmed;
    }
    const href = safeHref(target);
    if (!href) continue;
    element.append(text.slice(last, match.index), link(doc, href, title || whole));
    last = end;
  }
  element.append(text.slice(last));
}

const DIGIT = /\d/;

/** The link for a listed number: ``tel:`` and its digits, or ``sms:`` for one only to text. */
export function phoneHref({ number, call }) {
  return (call ? "tel:" : "sms:") + number.replace(/\D/g, "");
}

/** Whether ``text`` goes on as a number at ``i`` (looking ``step`` -1 back, 1 on). */
function numberGoesOn(text, i, step) {
  const c = text.charAt(i);
  if (DIGIT.test(c)) return true;
  return (c === " " || c === "-") && DIGIT.test(text.charAt(i + step));
}

/** Where the listed numbers stand in ``text`` on their own (not inside a longer number). */
function numberSpans(text, numbers) {
  const spans = [];
  for (const phone of numbers) {
    for (let at = text.indexOf(phone.number); at !== -1; at = text.indexOf(phone.number, at + 1)) {
      const end = at + phone.number.length;
      if (!numberGoesOn(text, at - 1, -1) && !numberGoesOn(text, end, 1)) spans.push({ at, end, phone });
    }
  }
  spans.sort((a, b) => a.at - b.at || b.end - a.end); // the longer first where two start
  let reached = 0;
  return spans.filter((span) => {
    if (span.at < reached) return false; // inside one kept
    reached = span.end;
    return true;
  });
}

/**
 * Append ``text`` to ``element`` as :func:`appendText` does, each of ``numbers`` (those the
 * server listed with it: ``{number, call, text}``) a ``tel:`` or ``sms:`` link.
 */
export function appendTextWithNumbers(element, text, numbers) {
  const doc = element.ownerDocument;
  let last = 0;
  for (const { at, end, phone } of numberSpans(text, numbers)) {
    appendText(element, text.slice(last, at));
    const a = doc.createElement("a");
    a.href = phoneHref(phone);
    a.className = "lems-chat__phone";
    a.textContent = phone.number;
    element.append(a);
    last = end;
  }
  appendText(element, text.slice(last));
}
