// Arobase service worker: shows the town's Web Push alerts and opens their link on a tap.
// The payload is JSON {title, body, url, tag, urgent, unsubscribe} (notifications/render.py).
"use strict";

var FALLBACK_TITLE = "Nouvelle alerte de la mairie";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function readPayload(data) {
  if (!data) return {};
  try {
    var parsed = data.json();
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch (e) {
    return { body: data.text() };
  }
}

function text(value) {
  return typeof value === "string" ? value : "";
}

// Only web links are opened; anything else (javascript:, data:…) falls back to the site.
function safeUrl(value) {
  try {
    var url = new URL(text(value), self.registration.scope);
    if (url.protocol === "https:" || url.protocol === "http:") return url.href;
  } catch (e) {
    // Not a URL.
  }
  return new URL("alertes", self.registration.scope).href;
}

self.addEventListener("push", function (event) {
  var payload = readPayload(event.data);
  var urgent = payload.urgent === true;
  var options = {
    body: text(payload.body),
    lang: "fr",
    // Urgent alerts stay on screen until the person acts on them.
    requireInteraction: urgent,
    data: { url: payload.url ? safeUrl(payload.url) : safeUrl("") },
  };
  var tag = text(payload.tag);
  if (tag) {
    options.tag = tag;
    options.renotify = urgent;
  }
  event.waitUntil(self.registration.showNotification(text(payload.title) || FALLBACK_TITLE, options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = event.notification.data && event.notification.data.url;
  var url = target || safeUrl("");
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow(url);
    })
  );
});
