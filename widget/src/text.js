// Message text as DOM nodes: plain text nodes, plus links for http(s) URLs. Never innerHTML.

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
