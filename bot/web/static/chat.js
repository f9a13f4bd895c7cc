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
    if (buttons.length === 0) return box;
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
    return box;
  }

  // The resident's vote on an answer (👍/👎), sent to api/chat/avis with the question's id;
  // a second vote replaces the first. The thanks are said by a polite status.
  function addFeedback(box, question) {
    var group = document.createElement("div");
    group.className = "feedback";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Votre avis sur cette réponse");
    var thanks = document.createElement("p");
    thanks.className = "feedback-thanks";
    thanks.setAttribute("role", "status");
    var votes = [
      voteButton("\u{1F44D}", "Cette réponse m'a aidé", true),
      voteButton("\u{1F44E}", "Cette réponse ne m'a pas aidé", false),
    ];
    votes.forEach(function (vote) {
      vote.button.addEventListener("click", async function () {
        thanks.textContent = "";
        var outcome = { status: 0, data: null };
        try {
          outcome = await postJson("api/chat/avis", { question: question, utile: vote.useful });
        } catch (e) {
          // The network failed: said below, the buttons stay for another try.
        }
        if (outcome.status === 204) {
          votes.forEach(function (other) {
            other.button.setAttribute("aria-pressed", other === vote ? "true" : "false");
          });
          thanks.textContent = "Merci pour votre avis.";
          return;
        }
        var reason = outcome.data && typeof outcome.data.error === "string" ? outcome.data.error : "";
        thanks.textContent = reason || "Votre avis n'a pas pu être enregistré.";
      });
      group.appendChild(vote.button);
    });
    group.appendChild(thanks);
    box.appendChild(group);
  }

  function voteButton(symbol, name, useful) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "vote";
    button.setAttribute("aria-pressed", "false");
    button.title = name;
    var shown = document.createElement("span");
    shown.setAttribute("aria-hidden", "true");
    shown.textContent = symbol;
    var said = document.createElement("span");
    said.className = "visually-hidden";
    said.textContent = name;
    button.appendChild(shown);
    button.appendChild(said);
    return { button: button, useful: useful };
  }

  function showError(message) {
    errorBox.textContent = message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
  }

  function setBusy(value) {
    busy = value;
    sendButton.setAttribute("aria-disabled", value ? "true" : "false");
  }

  async function postJson(path, body) {
    var response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body),
    });
    var data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  function postMessage(message) {
    return postJson("api/chat", { message: message });
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
        var boxes = result.data.replies.map(addReply);
        // Under the turn's last reply: the vote on the answer to the resident's question.
        var voted = result.data.replies.filter(function (r) {
          return r && typeof r.question === "string" && r.question;
        });
        if (voted.length && boxes.length) {
          addFeedback(boxes[boxes.length - 1], voted[voted.length - 1].question);
        }
        handoffFrom(result.data);
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

  // --- A conversation handed over to a town agent (bot/web/chat_handoff.py) -----------------
  // While an agent has the conversation, the page asks every few seconds for the agent's
  // messages (not while it is hidden), and stops once the agent has closed it.
  var AGENT_POLL_MS = 4000;
  // EPOCH grows when the chat's answer says an agent has the conversation: a poll sent
  // before then cannot say it is over.
  var handoff = { open: false, after: 0, timer: null, agent: "Agent de la mairie", epoch: 0 };

  // A message of the agent ("agent") or the closing notice ("notice"), in the log.
  function addAgentMessage(kind, label, text) {
    var box = addMessage("bot", text);
    box.className = "msg msg-" + kind;
    box.querySelector(".who").textContent = label;
    return box;
  }

  function addHandoffNote(text) {
    var note = document.createElement("p");
    note.className = "handoff-note";
    note.textContent = text;
    log.appendChild(note);
    note.scrollIntoView({ block: "nearest" });
  }

  // The chat's answer says whether an agent has the conversation (and acknowledges a message).
  function handoffFrom(data) {
    var state = data && data.handoff;
    if (!state || typeof state !== "object") return;
    if (typeof state.agent === "string" && state.agent) handoff.agent = state.agent;
    if (typeof state.note === "string" && state.note) addHandoffNote(state.note);
    handoff.epoch += 1; // also when the page's first poll is still on its way
    if (!handoff.open) {
      handoff.open = true;
      pollAgentLater(0);
    }
  }

  function pollAgentLater(delay) {
    if (handoff.timer !== null) window.clearTimeout(handoff.timer);
    handoff.timer = handoff.open && !document.hidden ? window.setTimeout(pollAgent, delay) : null;
  }

  // SHOW false: the page just opened; an old conversation's messages are not shown again.
  async function pollAgent(show) {
    handoff.timer = null;
    var delay = AGENT_POLL_MS;
    var epoch = handoff.epoch;
    var heard = false;
    try {
      var response = await fetch("api/chat/agent?apres=" + handoff.after, {
        cache: "no-store",
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.status === 429) {
        delay = (parseInt(response.headers.get("Retry-After"), 10) || 30) * 1000;
      } else if (response.ok) {
        heard = true;
        var data = await response.json();
        if (typeof data.agent === "string" && data.agent) handoff.agent = data.agent;
        var messages = Array.isArray(data.messages) ? data.messages : [];
        messages.forEach(function (m) {
          if (!m || typeof m.id !== "number" || m.id <= handoff.after) return;
          handoff.after = m.id;
          if (typeof m.text !== "string" || (show === false && !data.open)) return;
          if (m.kind === "closing") {
            addAgentMessage("notice", "Fin de l'échange avec l'agent", m.text);
          } else {
            addAgentMessage("agent", handoff.agent, m.text);
          }
        });
        if (epoch === handoff.epoch) handoff.open = data.open === true;
        if (handoff.open && messages.length) delay = 0; // more may be waiting
      }
    } catch (e) {
      // The network failed: ask again at the next turn.
    }
    // The page's first poll unanswered (no hub here, no network): no asking every few
    // seconds for ever; the chat's next answer says whether an agent has the conversation.
    if (show === false && !heard && epoch === handoff.epoch) handoff.open = false;
    pollAgentLater(delay);
  }

  // Hidden: the next poll is called off; shown again: one at once.
  document.addEventListener("visibilitychange", function () {
    if (handoff.open) pollAgentLater(0);
  });

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

  // A page opened (or reloaded) while an agent has the conversation picks it up again.
  handoff.open = true;
  pollAgent(false);
})();
