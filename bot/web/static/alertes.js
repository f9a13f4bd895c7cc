// Arobase alerts page: subscribes this device to the town's Web Push alerts.
// Permission is asked only after the person's click; every outcome is said in plain French.
(function () {
  "use strict";

  // The topics and street chosen on this device, to show them again on the next visit
  // (nothing else).
  var STORE_KEY = "arobase-alertes-themes";
  var STREET_KEY = "arobase-alertes-rue";
  var TEXT = {
    unsupported:
      "Ce navigateur ne peut pas recevoir les notifications de ce site. " +
      "Sur iPhone ou iPad, ajoutez d'abord ce site à l'écran d'accueil (bouton Partager, " +
      "puis «\u00a0Sur l'écran d'accueil\u00a0»), puis ouvrez-le depuis cette icône. " +
      "Sur un autre appareil, essayez avec un navigateur récent, comme Firefox ou Chrome.",
    denied:
      "Les notifications sont bloquées pour ce site. Pour les autoriser, ouvrez les réglages " +
      "du site dans votre navigateur (souvent le petit cadenas à côté de l'adresse), " +
      "choisissez «\u00a0Notifications\u00a0» puis «\u00a0Autoriser\u00a0». " +
      "Revenez ensuite sur cette page et appuyez de nouveau sur le bouton.",
    dismissed:
      "Vous n'avez pas autorisé les notifications. Pour recevoir les alertes, appuyez de " +
      "nouveau sur le bouton, puis répondez «\u00a0Autoriser\u00a0».",
    noTopic: "Cochez au moins un sujet, puis appuyez de nouveau sur le bouton.",
    network:
      "La demande n'a pas pu être envoyée. Vérifiez votre connexion internet, puis réessayez.",
    pushService:
      "Le service de notification de votre navigateur ne répond pas. Réessayez dans quelques minutes.",
    failed: "La demande n'a pas abouti. Réessayez dans quelques minutes.",
    // When a proxy, not the town's server, answers 429 (the server's own reason says more).
    tooMany:
      "Beaucoup de demandes sont venues de votre connexion en peu de temps. " +
      "Réessayez dans quelques minutes.",
    working: "Un instant, s'il vous plaît…",
    already: "Cet appareil reçoit les alertes. Vous pouvez changer vos sujets, ou arrêter.",
    stopped:
      "C'est fait\u00a0: cet appareil ne recevra plus d'alertes. " +
      "Nous avons effacé ses informations.",
  };

  var form = document.getElementById("alerts-form");
  var subscribeButton = document.getElementById("subscribe");
  var stopButton = document.getElementById("unsubscribe");
  var statusBox = document.getElementById("alerts-status");
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="topics"]'));
  var street = document.getElementById("rue"); // absent when the town lists no streets
  var phone = document.body.getAttribute("data-phone") || "";
  var service = document.body.getAttribute("data-service") || "la mairie";
  var busy = false;
  var registration = null;

  function phoneHint(reason) {
    if (!phone || reason.indexOf(phone) !== -1) return reason;
    return reason + " Vous pouvez aussi appeler " + service + " au " + phone + ".";
  }

  function setStatus(text, kind) {
    statusBox.textContent = text;
    statusBox.className = "status" + (kind ? " is-" + kind : "");
  }

  function refusal(reason, field) {
    return { reason: reason, field: field || "" };
  }

  // The street refused: the field says so (aria-invalid, the status as its description).
  function markStreet(invalid) {
    if (!street) return;
    if (invalid) {
      street.setAttribute("aria-invalid", "true");
      street.setAttribute("aria-describedby", "rue-aide alerts-status");
    } else {
      street.removeAttribute("aria-invalid");
      street.setAttribute("aria-describedby", "rue-aide");
    }
  }

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function setBusy(value) {
    busy = value;
    subscribeButton.setAttribute("aria-disabled", value ? "true" : "false");
    stopButton.setAttribute("aria-disabled", value ? "true" : "false");
  }

  function showSubscribed(subscribed) {
    if (!subscribed && document.activeElement === stopButton) subscribeButton.focus();
    stopButton.hidden = !subscribed;
  }

  function chosenTopics() {
    return boxes.filter(function (box) { return box.checked; }).map(function (box) {
      return box.value;
    });
  }

  function topicLabel(key) {
    var label = document.getElementById("theme-" + key + "-label");
    return label ? label.textContent.trim() : key;
  }

  function frenchList(items) {
    if (items.length < 2) return items.join("");
    return items.slice(0, -1).join(", ") + " et " + items[items.length - 1];
  }

  function remember(topics, streetName) {
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify(topics));
      window.localStorage.setItem(STREET_KEY, streetName);
    } catch (e) {
      // Storage refused (private browsing): the page only forgets which boxes to tick.
    }
  }

  function forget() {
    try {
      window.localStorage.removeItem(STORE_KEY);
      window.localStorage.removeItem(STREET_KEY);
    } catch (e) {
      // Nothing to forget.
    }
  }

  function restoreTopics() {
    var topics = [];
    try {
      topics = JSON.parse(window.localStorage.getItem(STORE_KEY) || "[]");
    } catch (e) {
      topics = [];
    }
    if (!Array.isArray(topics)) return;
    boxes.forEach(function (box) {
      box.checked = topics.indexOf(box.value) !== -1;
    });
    try {
      if (street) street.value = window.localStorage.getItem(STREET_KEY) || "";
    } catch (e) {
      // Storage refused: the street field stays empty.
    }
  }

  // fetch() with a JSON body; a refusal with the reason when the server or network says no.
  async function callApi(method, url, body, fallback) {
    var response;
    try {
      var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
      if (body !== undefined) {
        options.headers["Content-Type"] = "application/json";
        options.body = JSON.stringify(body);
      }
      response = await fetch(url, options);
    } catch (e) {
      throw refusal(phoneHint(TEXT.network));
    }
    var data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch (e) {
        data = null;
      }
    }
    if (!response.ok) {
      // The server's reason is written for the person (429: when to try again; 403: open
      // the town's own page); the fallback covers an answer from something in between.
      var reason = data && typeof data.error === "string" ? data.error : null;
      if (!reason) reason = response.status === 429 ? TEXT.tooMany : fallback;
      throw refusal(phoneHint(reason), data && data.field);
    }
    return { status: response.status, data: data };
  }

  async function publicKey() {
    var result = await callApi("GET", "api/alertes/cle", undefined, TEXT.failed);
    if (!result.data || typeof result.data.publicKey !== "string") throw refusal(phoneHint(TEXT.failed));
    return result.data.publicKey;
  }

  function askPermission() {
    // Older browsers answer through a callback, newer ones with a promise.
    return new Promise(function (resolve) {
      var answer = Notification.requestPermission(resolve);
      if (answer && typeof answer.then === "function") answer.then(resolve);
    });
  }

  function keyBytes(base64url) {
    var base64 = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameKey(subscription, bytes) {
    var current = subscription.options && subscription.options.applicationServerKey;
    if (!current) return true;
    var view = new Uint8Array(current);
    if (view.length !== bytes.length) return false;
    for (var i = 0; i < view.length; i += 1) if (view[i] !== bytes[i]) return false;
    return true;
  }

  async function pushSubscription(key) {
    var ready = await navigator.serviceWorker.ready;
    var bytes = keyBytes(key);
    var existing = await ready.pushManager.getSubscription();
    if (existing && sameKey(existing, bytes)) return existing;
    if (existing) await existing.unsubscribe(); // made with an older key of the town
    try {
      return await ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes });
    } catch (e) {
      if (e && e.name === "NotAllowedError") throw refusal(TEXT.denied);
      throw refusal(phoneHint(TEXT.pushService));
    }
  }

  async function subscribe() {
    var topics = chosenTopics();
    if (topics.length === 0) {
      setStatus(TEXT.noTopic, "error");
      if (boxes.length) boxes[0].focus();
      return;
    }
    if (!supported() || !registration) {
      setStatus(TEXT.unsupported, "error");
      return;
    }
    if (Notification.permission === "denied") {
      setStatus(TEXT.denied, "error");
      return;
    }
    setBusy(true);
    setStatus(TEXT.working);
    try {
      var key = await publicKey();
      var permission = await askPermission();
      if (permission !== "granted") {
        setStatus(permission === "denied" ? TEXT.denied : TEXT.dismissed, "error");
        return;
      }
      var subscription = await pushSubscription(key);
      var streetName = street ? street.value.trim() : "";
      var result = await callApi(
        "POST",
        "api/alertes/webpush",
        { subscription: subscription.toJSON(), topics: topics, street: streetName },
        TEXT.failed
      );
      var saved = result.data && Array.isArray(result.data.topics) ? result.data.topics : topics;
      var area = result.data && typeof result.data.area === "string" ? result.data.area : "";
      remember(saved, area ? streetName : "");
      markStreet(false);
      showSubscribed(true);
      var labels = frenchList(saved.map(topicLabel));
      var where = area
        ? ", pour toute la commune et pour votre quartier (" + area + ")."
        : ".";
      setStatus(
        (result.status === 201
          ? "C'est fait. Cet appareil recevra les alertes sur ces sujets\u00a0: "
          : "C'est enregistré. Cet appareil recevra désormais les alertes sur ces sujets\u00a0: ") +
          labels + where,
        "ok"
      );
    } catch (e) {
      setStatus(e && e.reason ? e.reason : phoneHint(TEXT.failed), "error");
      if (e && e.field === "rue" && street) {
        markStreet(true);
        street.focus();
      }
    } finally {
      setBusy(false);
    }
  }

  async function stop() {
    setBusy(true);
    setStatus(TEXT.working);
    try {
      var ready = registration ? await navigator.serviceWorker.ready : null;
      var subscription = ready ? await ready.pushManager.getSubscription() : null;
      if (subscription) {
        // The town forgets the device first: if that fails, the person can simply try again.
        await callApi("DELETE", "api/alertes/webpush", { endpoint: subscription.endpoint }, TEXT.failed);
        try {
          await subscription.unsubscribe();
        } catch (e) {
          // The town has erased it already: nothing will be sent any more.
        }
      }
      forget();
      boxes.forEach(function (box) { box.checked = false; });
      if (street) street.value = "";
      showSubscribed(false);
      setStatus(TEXT.stopped, "ok");
    } catch (e) {
      setStatus(e && e.reason ? e.reason : phoneHint(TEXT.failed), "error");
    } finally {
      setBusy(false);
    }
  }

  async function start() {
    if (!supported()) {
      setStatus(TEXT.unsupported, "error");
      return;
    }
    try {
      registration = await navigator.serviceWorker.register("sw.js");
    } catch (e) {
      registration = null;
      setStatus(TEXT.unsupported, "error");
      return;
    }
    var existing = null;
    try {
      var ready = await navigator.serviceWorker.ready;
      existing = await ready.pushManager.getSubscription();
    } catch (e) {
      existing = null; // the click will try again and say what went wrong
    }
    if (existing && Notification.permission === "granted") {
      restoreTopics();
      showSubscribed(true);
      setStatus(TEXT.already, "ok");
      return;
    }
    try {
      await publicKey(); // say at once when the town does not offer these alerts yet
    } catch (e) {
      setStatus(e.reason, "error");
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!busy) subscribe();
  });

  stopButton.addEventListener("click", function () {
    if (!busy) stop();
  });

  if (street) {
    street.addEventListener("input", function () {
      markStreet(false);
    });
  }

  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      if (statusBox.textContent === TEXT.noTopic) setStatus("");
    });
  });

  // Tests and assistive tools can tell when the page has finished looking at this device.
  start().finally(function () {
    document.body.setAttribute("data-state", "ready");
  });
})();
