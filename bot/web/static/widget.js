// Arobase chat widget for the town's own website: one line in its pages,
//   <script src="https://assistant.example.fr/widget.js" async></script>
// shows a « Une question ? » button that opens a chat panel talking to the assistant's
// /api/chat (the town's site must be listed in AROBASE_WIDGET_ORIGINS). Everything lives in
// a shadow DOM, styled from inside: the site's styles do not reach it, nor its ours. Nothing
// is loaded from anywhere else. Keyboard: Tab moves through it, Escape closes the panel and
// gives the focus back to the button; the conversation is read out as it grows (role=log).
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src || window.__arobaseWidget) return;
  window.__arobaseWidget = true;
  var base = new URL(".", script.src).href; // the assistant's address, from the script's own
  var SESSION_KEY = "arobase-chat-session";
  var AGENT_POLL_MS = 4000;
  var FAILED =
    "Le message n'a pas pu être envoyé. Vérifiez votre connexion internet, puis réessayez, " +
    "ou appelez la mairie.";

  var CSS = [
    ":host { all: initial; }",
    "* { box-sizing: border-box; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; }",
    ".launcher { position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483000; font-size: 1.05rem; font-weight: 600;",
    "  color: #fff; background: #0b3d91; border: 2px solid #fff; border-radius: 2rem; padding: 0.8rem 1.2rem; cursor: pointer;",
    "  box-shadow: 0 2px 8px rgba(0,0,0,0.35); }",
    ".launcher:hover { background: #072a66; }",
    "button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #ffbf00; outline-offset: 2px; }",
    ".panel { position: fixed; right: 1rem; bottom: 5rem; z-index: 2147483000; width: min(24rem, calc(100vw - 2rem));",
    "  max-height: min(34rem, calc(100vh - 6rem)); display: flex; flex-direction: column; color: #1a1a1a; background: #fff;",
    "  border: 1px solid #5a6478; border-radius: 0.75rem; box-shadow: 0 4px 16px rgba(0,0,0,0.35); font-size: 1rem; }",
    ".panel[hidden] { display: none; }",
    ".head { display: flex; align-items: center; justify-content: space-between; gap: 0.5rem; padding: 0.6rem 0.8rem;",
    "  color: #fff; background: #0b3d91; border-radius: 0.75rem 0.75rem 0 0; }",
    ".head h2 { margin: 0; font-size: 1.1rem; }",
    ".close { font-size: 1rem; color: #0b3d91; background: #fff; border: 0; border-radius: 0.4rem; padding: 0.35rem 0.7rem; cursor: pointer; }",
    ".log { flex: 1; overflow-y: auto; padding: 0.8rem; margin: 0; list-style: none; }",
    ".msg { margin: 0 0 0.6rem; padding: 0.55rem 0.7rem; border-radius: 0.6rem; white-space: pre-line; line-height: 1.4; }",
    ".bot { background: #eef1f6; }",
    ".user { background: #0b3d91; color: #fff; margin-left: 2rem; }",
    ".who { display: block; font-size: 0.85rem; font-weight: 600; margin-bottom: 0.2rem; }",
    ".choices { display: flex; flex-wrap: wrap; gap: 0.4rem; margin-top: 0.5rem; }",
    ".choices button { font-size: 0.95rem; color: #0b3d91; background: #fff; border: 2px solid #0b3d91; border-radius: 1rem;",
    "  padding: 0.35rem 0.8rem; cursor: pointer; }",
    "form { display: flex; gap: 0.4rem; padding: 0.6rem; border-top: 1px solid #c5cedc; }",
    "label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }",
    "input { flex: 1; min-width: 0; font-size: 1rem; padding: 0.55rem; border: 2px solid #5a6478; border-radius: 0.4rem; }",
    ".send { font-size: 1rem; font-weight: 600; color: #fff; background: #0b3d91; border: 0; border-radius: 0.4rem; padding: 0 0.9rem; cursor: pointer; }",
    ".error { margin: 0; padding: 0 0.8rem 0.6rem; color: #a4000f; }",
    ".error:empty { display: none; }",
  ].join("\n");

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  var host = element("div", { id: "arobase-chat-widget" });
  var root = host.attachShadow({ mode: "open" });
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function") {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(element("style", {}, CSS));
  }

  var launcher = element("button", {
    type: "button",
    class: "launcher",
    "aria-expanded": "false",
    "aria-controls": "arobase-panel",
  }, "Une question ? Discuter avec l'assistant");
  var panel = element("section", {
    id: "arobase-panel",
    class: "panel",
    role: "dialog",
    "aria-modal": "false",
    "aria-labelledby": "arobase-title",
    lang: "fr",
    hidden: "",
  });
  var head = element("div", { class: "head" });
  head.appendChild(element("h2", { id: "arobase-title" }, "Assistant de la mairie"));
  var close = element("button", { type: "button", class: "close" }, "Fermer");
  head.appendChild(close);
  var log = element("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
  var error = element("p", { class: "error", role: "alert" });
  var form = element("form", {});
  form.appendChild(element("label", { for: "arobase-question" }, "Votre question"));
  var input = element("input", {
    id: "arobase-question",
    type: "text",
    name: "question",
    autocomplete: "off",
    maxlength: "1000",
    placeholder: "Écrivez votre question",
  });
  form.appendChild(input);
  form.appendChild(element("button", { type: "submit", class: "send" }, "Envoyer"));
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(error);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);

  function session() {
    try {
      return window.sessionStorage.getItem(SESSION_KEY) || "";
    } catch (e) {
      return "";
    }
  }

  function keepSession(response) {
    var id = response.headers.get("X-Arobase-Session");
    if (!id) return;
    try {
      window.sessionStorage.setItem(SESSION_KEY, id);
    } catch (e) {
      // Storage refused: each message then starts a new conversation.
    }
  }

  function headers() {
    var all = { Accept: "application/json" };
    if (session()) all["X-Arobase-Session"] = session();
    return all;
  }

  function addMessage(kind, who, text) {
    var item = element("div", { class: "msg " + kind });
    item.appendChild(element("span", { class: "who" }, who));
    item.appendChild(document.createTextNode(text));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function addReply(reply) {
    if (!reply || typeof reply.text !== "string") return;
    var item = addMessage("bot", "L'assistant", reply.text);
    var buttons = Array.isArray(reply.buttons) ? reply.buttons : [];
    if (!buttons.length) return;
    var choices = element("div", { class: "choices" });
    buttons.forEach(function (b) {
      if (!b || typeof b.title !== "string" || typeof b.payload !== "string") return;
      var choice = element("button", { type: "button" }, b.title);
      choice.addEventListener("click", function () {
        send(b.payload, b.title);
      });
      choices.appendChild(choice);
    });
    item.appendChild(choices);
  }

  var busy = false;
  async function send(message, shown) {
    if (busy) return;
    busy = true;
    error.textContent = "";
    addMessage("user", "Vous", shown || message);
    try {
      var all = headers();
      all["Content-Type"] = "application/json";
      var response = await fetch(base + "api/chat", {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: all,
        body: JSON.stringify({ message: message }),
      });
      keepSession(response);
      var data = null;
      try {
        data = await response.json();
      } catch (e) {
        data = null;
      }
      if (response.ok && data && Array.isArray(data.replies)) {
        data.replies.forEach(addReply);
        handoffFrom(data);
      } else if (data && typeof data.error === "string") {
        addMessage("bot", "L'assistant", data.error);
      } else {
        error.textContent = FAILED;
      }
    } catch (e) {
      error.textContent = FAILED;
    } finally {
      busy = false;
    }
  }

  // A conversation handed over to a town agent: the agent's messages are asked for every
  // few seconds while it lasts, as on the assistant's own page.
  var handoff = { open: false, after: 0, timer: null, agent: "Agent de la mairie" };

  function handoffFrom(data) {
    var state = data && data.handoff;
    if (!state || typeof state !== "object") return;
    if (typeof state.agent === "string" && state.agent) handoff.agent = state.agent;
    if (typeof state.note === "string" && state.note) addMessage("bot", "L'assistant", state.note);
    if (!handoff.open) {
      handoff.open = true;
      pollLater(0);
    }
  }

  function pollLater(delay) {
    if (handoff.timer !== null) window.clearTimeout(handoff.timer);
    handoff.timer = handoff.open ? window.setTimeout(poll, delay) : null;
  }

  async function poll() {
    handoff.timer = null;
    var delay = AGENT_POLL_MS;
    try {
      var response = await fetch(base + "api/chat/agent?apres=" + handoff.after, {
        mode: "cors",
        credentials: "omit",
        cache: "no-store",
        headers: headers(),
      });
      if (response.status === 429) {
        delay = (parseInt(response.headers.get("Retry-After"), 10) || 30) * 1000;
      } else if (response.ok) {
        var data = await response.json();
        (Array.isArray(data.messages) ? data.messages : []).forEach(function (m) {
          if (!m || typeof m.id !== "number" || m.id <= handoff.after) return;
          handoff.after = m.id;
          if (typeof m.text !== "string") return;
          var who = m.kind === "closing" ? "Fin de l'échange avec l'agent" : handoff.agent;
          addMessage("bot", who, m.text);
        });
        handoff.open = data.open === true;
      }
    } catch (e) {
      // The network failed: ask again at the next turn.
    }
    pollLater(delay);
  }

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      if (!log.children.length) {
        addMessage(
          "bot",
          "L'assistant",
          "Bonjour ! Posez votre question sur les démarches, les horaires ou les services de la mairie."
        );
      }
      input.focus();
    } else {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () {
    setOpen(panel.hidden);
  });
  close.addEventListener("click", function () {
    setOpen(false);
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") setOpen(false);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var message = input.value.trim();
    if (!message) {
      error.textContent = "Écrivez votre question, puis appuyez sur « Envoyer ».";
      input.focus();
      return;
    }
    input.value = "";
    send(message);
  });

  function attach() {
    document.body.appendChild(host);
  }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
