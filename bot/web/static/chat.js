// Arobase web chat: sends the person's question to /api/chat and shows the replies.
// Bot text is always inserted as text (textContent), never as HTML.
(function () {
  "use strict";

  var MAX_LENGTH = 1000;
  // http(s) links, and French phone numbers (01 99 00 12 34) to make them callable on a phone.
  var LINK_PATTERN = /(https?:\/\/[^\s<>"«»]+)|(\b0[1-9](?:[ .\u00a0]?\d\d){4}\b)/g;
  var TRAILING_PUNCTUATION = /[.,;:!?)\]'’]+$/;

  var form = document.getElementById("chat-form");
  var input = document.getElementById("message");
  var log = document.getElementById("log");
  var errorBox = document.getElementById("message-error");
  var sendButton = form.querySelector(".send");
  var phone = document.body.getAttribute("data-phone") || "";
  var service = document.body.getAttribute("data-service") || "la mairie";
  var busy = false;

  function phoneHint() {
    return phone ? " Vous pouvez aussi appeler " + service + " au " + phone + "." : "";
  }

  function safeHttpUrl(candidate) {
    try {
      var url = new URL(candidate);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function makeLink(href, label, external) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    if (external) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      var note = document.createElement("span");
      note.className = "visually-hidden";
      note.textContent = " (s'ouvre dans un nouvel onglet)";
      a.appendChild(note);
    }
    return a;
  }

  // Append `text` to `parent` as text nodes, with links for web addresses and phone numbers.
  function appendRichText(parent, text) {
    var last = 0;
    var match;
    LINK_PATTERN.lastIndex = 0;
    while ((match = LINK_PATTERN.exec(text)) !== null) {
      var found = match[0];
      var link = null;
      if (match[1]) {
        found = found.replace(TRAILING_PUNCTUATION, "");
        var href = safeHttpUrl(found);
        if (href) link = makeLink(href, found, true);
      } else {
        link = makeLink("tel:" + found.replace(/\D/g, ""), found, false);
        link.className = "phone";
      }
      if (!link) continue;
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(link);
      last = match.index + found.length;
      LINK_PATTERN.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function addMessage(kind, text) {
    var box = document.createElement("div");
    box.className = "msg msg-" + kind;
    var who = document.createElement("p");
    who.className = "who";
    who.textContent = kind === "user" ? "Vous" : "Assistant";
    box.appendChild(who);
    var body = document.createElement("p");
    body.className = "text";
    if (kind === "user") {
      body.textContent = text;
    } else {
      appendRichText(body, text);
    }
    box.appendChild(body);
    log.appendChild(box);
    box.scrollIntoView({ block: "nearest" });
    return box;
  }

  function addReply(reply) {
    var text = typeof reply.text === "string" ? reply.text : "";
    var buttons = Array.isArray(reply.buttons) ? reply.buttons : [];
    var box = addMessage("bot", text);
    if (buttons.length === 0) return;
    var choices = document.createElement("div");
    choices.className = "choices";
    buttons.forEach(function (b) {
      if (typeof b.title !== "string" || typeof b.payload !== "string") return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = b.title;
      button.addEventListener("click", function () {
        send(b.payload, b.title);
        input.focus();
      });
      choices.appendChild(button);
    });
    box.appendChild(choices);
    box.scrollIntoView({ block: "nearest" });
  }

  function showError(message) {
    errorBox.textContent = message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
  }

  function setBusy(value) {
    busy = value;
    sendButton.setAttribute("aria-disabled", value ? "true" : "false");
  }

  async function postMessage(message) {
    var response = await fetch("api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ message: message }),
    });
    var data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  // Send `message` to the assistant; the log shows `shown` (a button's title) or the message.
  async function send(message, shown) {
    if (busy) return false;
    setBusy(true);
    showError("");
    addMessage("user", shown || message);
    var waiting = addMessage("wait", "L'assistant cherche une réponse…");
    try {
      var result = await postMessage(message);
      waiting.remove();
      if (result.data && Array.isArray(result.data.replies)) {
        result.data.replies.forEach(addReply);
        return true;
      }
      var reason = result.data && typeof result.data.error === "string" ? result.data.error : "";
      if (result.status === 429 && reason) {
        // Too many messages: the assistant itself asks the person to wait (the reason says
        // how long); the question stays in the field, ready to be sent again.
        addMessage("bot", reason);
        return false;
      }
      reason = reason || "Le message n'a pas pu être envoyé.";
      showError(phone && reason.indexOf(phone) === -1 ? reason + phoneHint() : reason);
      return false;
    } catch (e) {
      waiting.remove();
      showError("Le message n'a pas pu être envoyé. Vérifiez votre connexion internet, puis réessayez." + phoneHint());
      return false;
    } finally {
      setBusy(false);
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var message = input.value.trim();
    if (!message) {
      showError("Écrivez votre question avant d'envoyer.");
      input.focus();
      return;
    }
    if (message.length > MAX_LENGTH) {
      showError("Le message dépasse 1\u00a0000 caractères.");
      input.focus();
      return;
    }
    if (busy) return;
    input.value = "";
    var sent = await send(message);
    if (!sent && !input.value) input.value = message;
    input.focus();
  });

  input.addEventListener("input", function () {
    if (errorBox.textContent) showError("");
  });
})();
