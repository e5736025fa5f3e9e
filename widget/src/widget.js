// The controller: joins the stored conversation, the connection, the outbox and the view.
import { TEXTS } from "./config.js";
import { Connection } from "./connection.js";
import { Outbox } from "./outbox.js";
import { openPreferences } from "./preferences.js";
import { openStore } from "./store.js";
import { saveTranscript } from "./transcript.js";
import { createView } from "./view.js";

/** Mount the chat widget at the end of ``host`` with the given settings. */
export function mountWidget(host, config) {
  const store = openStore(config.serverUrl);
  const preferences = openPreferences();
  let greetingDue = store.messages.length === 0 && !!config.initialGreeting;

  const view = createView(host, config, {
    toggle: () => setOpen(!store.open, true),
    close: () => setOpen(false, true),
    send: (text) => say(text, text),
    reply: (button) => {
      if (say(button.title, button.payload)) view.input.focus();
    },
    startOver,
    save: () => saveTranscript(host.ownerDocument, store.messages, config),
    print: () => host.ownerDocument.defaultView.print(),
    largePanel: (large) => {
      preferences.setLargePanel(large);
      view.setLargePanel(preferences.largePanel);
    },
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
      if (state !== "online") {
        outbox.disconnected();
        return;
      }
      greetIfDue(); // a greeting whose send failed goes again
      outbox.pump();
    },
    onMessage: (message) => {
      outbox.answered();
      store.add({ from: "bot", ...message });
      view.addMessage({ from: "bot", ...message });
    },
    onSession: (id) => store.setSessionId(id),
  });

  const outbox = new Outbox({
    send: (message) => connection.send(message),
    isOnline: () => connection.online,
    onDelivery: delivered,
    onWaiting: (waiting) => view.setTyping(waiting),
  });

  /** Keep and show where a message stands (outbox.js); the greeting is never shown. */
  function delivered(record, state) {
    if (record.greeting) {
      if (state === "failed") greetingDue = true; // sent again once online
      if (state === "noAnswer") view.addMessage({ from: "note", text: TEXTS.noAnswer });
      return;
    }
    if (state) record.delivery = state;
    else delete record.delivery;
    store.changed();
    view.showDelivery(record, state, () => outbox.add(record));
  }

  function showHistory() {
    const messages = store.messages;
    const lastUser = messages.map((m) => m.from).lastIndexOf("user");
    messages.forEach((message, index) => {
      view.addMessage(message, { withReplies: index > lastUser });
      if (message.delivery === "queued") outbox.add(message);
      else if (message.delivery) view.showDelivery(message, message.delivery, () => outbox.add(message));
    });
  }

  function setOpen(open, byUser) {
    store.setOpen(open);
    view.setOpen(open);
    if (open && byUser) view.input.focus();
    if (!open && byUser) view.launcher.focus();
    greetIfDue();
  }

  function greetIfDue() {
    if (!greetingDue || !store.open) return;
    greetingDue = false;
    outbox.add({ greeting: true, text: config.initialGreeting }, { first: true });
  }

  /** Show ``shown`` as the user's message and send ``message`` in its turn (now if online). */
  function say(shown, message) {
    view.clearReplies();
    const record = { from: "user", text: shown, ...(message !== shown ? { payload: message } : {}) };
    store.add(record);
    view.addMessage(record);
    outbox.add(record);
    return true;
  }

  function startOver() {
    outbox.clear();
    store.reset();
    view.clearLog();
    greetingDue = !!config.initialGreeting;
    connection.restart(store.sessionId);
    view.input.focus();
    greetIfDue();
  }

  view.setTextSize(preferences.textSize);
  view.setLargePanel(preferences.largePanel);
  view.setState(connection.state);
  showHistory();
  setOpen(store.open, false);
  connection.start();
}
