// The controller: joins the stored conversation, the connection and the view.
import { TEXTS } from "./config.js";
import { Connection } from "./connection.js";
import { openPreferences } from "./preferences.js";
import { openStore } from "./store.js";
import { createView } from "./view.js";

const ANSWER_TIMEOUT_MS = 30000;

/** Mount the chat widget at the end of ``host`` with the given settings. */
export function mountWidget(host, config) {
  const store = openStore(config.serverUrl);
  const preferences = openPreferences();
  let greetingDue = store.messages.length === 0 && !!config.initialGreeting;
  let answerTimer = 0;

  const view = createView(host, config, {
    toggle: () => setOpen(!store.open, true),
    close: () => setOpen(false, true),
    send: (text) => say(text, text),
    reply: (button) => {
      if (say(button.title, button.payload)) view.input.focus();
    },
    startOver,
    textSize: (size) => {
      preferences.setTextSize(size);
      view.setTextSize(preferences.textSize);
    },
  });

  const connection = new Connection({
    serverUrl: config.serverUrl,
    socketPath: config.socketPath,
    sessionId: store.sessionId,
    metadata: config.country
      ? { country: config.country, ...(config.countryGuessed ? { country_guessed: true } : {}) }
      : null,
    onState: (state) => {
      view.setState(state);
      if (state !== "online") stopWaiting();
      greetIfDue();
    },
    onMessage: (message) => {
      stopWaiting();
      store.add({ from: "bot", ...message });
      view.addMessage({ from: "bot", ...message });
    },
    onSession: (id) => store.setSessionId(id),
  });

  function showHistory() {
    const messages = store.messages;
    const lastUser = messages.map((m) => m.from).lastIndexOf("user");
    messages.forEach((message, index) => view.addMessage(message, { withReplies: index > lastUser }));
  }

  function setOpen(open, byUser) {
    store.setOpen(open);
    view.setOpen(open);
    if (open && byUser) view.input.focus();
    if (!open && byUser) view.launcher.focus();
    greetIfDue();
  }

  function greetIfDue() {
    if (!greetingDue || !store.open || !connection.online) return;
    greetingDue = false;
    transmit(config.initialGreeting);
  }

  function waitForAnswer() {
    view.setTyping(true);
    clearTimeout(answerTimer);
    answerTimer = setTimeout(() => {
      view.setTyping(false);
      view.addMessage({ from: "note", text: TEXTS.noAnswer });
    }, ANSWER_TIMEOUT_MS);
  }

  function stopWaiting() {
    clearTimeout(answerTimer);
    view.setTyping(false);
  }

  function transmit(message) {
    waitForAnswer();
    connection.send(message).catch(() => {
      stopWaiting();
      view.addMessage({ from: "note", text: TEXTS.notSent });
    });
  }

  /** Show ``shown`` as the user's message and send ``message``; false if offline. */
  function say(shown, message) {
    if (!connection.online) return false;
    view.clearReplies();
    store.add({ from: "user", text: shown });
    view.addMessage({ from: "user", text: shown });
    transmit(message);
    return true;
  }

  function startOver() {
    stopWaiting();
    store.reset();
    view.clearLog();
    greetingDue = !!config.initialGreeting;
    connection.restart(store.sessionId);
    view.input.focus();
    greetIfDue();
  }

  view.setTextSize(preferences.textSize);
  view.setState(connection.state);
  showHistory();
  setOpen(store.open, false);
  connection.start();
}
