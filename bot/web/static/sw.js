// Arobase service worker: shows the town's Web Push alerts and opens their link on a tap.
// The payload is JSON {title, body, url, tag, urgent, unsubscribe} (notifications/render.py
// push_payload); the unsubscribe link becomes the notification's « Se désabonner » button.
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

// Only web links are opened; a missing one, or anything else (javascript:, data:…), opens
// the alerts page.
function safeUrl(value) {
  var link = text(value).trim();
  if (link) {
    try {
      var url = new URL(link, self.registration.scope);
      if (url.protocol === "https:" || url.protocol === "http:") return url.href;
    } catch (e) {
      // Not a URL.
    }
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
    data: { url: safeUrl(payload.url) },
  };
  if (text(payload.unsubscribe)) {
    // The message's own way out, as every e-mail has one (the link opens a page that asks).
    options.data.unsubscribe = safeUrl(payload.unsubscribe);
    options.actions = [{ action: "unsubscribe", title: "Se désabonner" }];
  }
  var tag = text(payload.tag);
  if (tag) {
    options.tag = tag;
    options.renotify = urgent;
  }
  event.waitUntil(self.registration.showNotification(text(payload.title) || FALLBACK_TITLE, options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  var url = (event.action === "unsubscribe" ? data.unsubscribe : data.url) || safeUrl("");
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow(url);
    })
  );
});

// The push service replaced this device's subscription (it expired or its keys changed):
// tell the town's server, which moves the person's topics to the new one. Without the old
// subscription the server cannot tell whose it was; the person then subscribes again on
// the alerts page, which finds no subscription.
function renewSubscription(previous, current) {
  if (!previous || !previous.endpoint) return Promise.resolve(false);
  var api = new URL("api/alertes/", self.registration.scope).href;
  return (current ? Promise.resolve(current) : subscribeAgain(previous, api))
    .then(function (subscription) {
      return fetch(api + "webpush", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ oldEndpoint: previous.endpoint, subscription: subscription.toJSON() }),
      });
    })
    .then(function (response) {
      return response.ok;
    });
}

// A new subscription with the same server key, read from the server when the old one
// does not say it.
function subscribeAgain(previous, api) {
  var options = previous.options;
  var known = options && options.applicationServerKey;
  var key = known
    ? Promise.resolve(known)
    : fetch(api + "cle").then(function (response) {
        if (!response.ok) throw new Error("no push key: " + response.status);
        return response.json().then(function (body) {
          return body.publicKey;
        });
      });
  return key.then(function (applicationServerKey) {
    return self.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: applicationServerKey,
    });
  });
}

self.addEventListener("pushsubscriptionchange", function (event) {
  event.waitUntil(renewSubscription(event.oldSubscription, event.newSubscription));
});

// The town app (/app) stays readable without a connection: its page, style sheets, script,
// manifest and icons are fetched from the network first (the news stays fresh) and kept;
// offline, the kept copy answers (for a topic's news never opened, the home's). Nothing else
// is kept: not the chat, nor any API.
var APP_CACHE = "arobase-app-1";
var APP_FILES = [
  "app",
  "manifest.webmanifest",
  "static/chat.css",
  "static/alertes.css",
  "static/app.css",
  "static/app.js",
  "static/app-icon-192.png",
  "static/app-icon-512.png",
];

function appFile(request) {
  if (request.method !== "GET") return false;
  var url = new URL(request.url);
  var scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return false;
  return APP_FILES.indexOf(url.pathname.slice(scope.pathname.length)) !== -1;
}

self.addEventListener("fetch", function (event) {
  if (!appFile(event.request)) return;
  event.respondWith(
    fetch(event.request)
      .then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          event.waitUntil(
            caches.open(APP_CACHE).then(function (cache) {
              return cache.put(event.request, copy);
            })
          );
        }
        return response;
      })
      .catch(function () {
        return caches.match(event.request).then(function (kept) {
          if (kept) return kept;
          return caches.match(new URL("app", self.registration.scope).href).then(function (home) {
            return home || Response.error();
          });
        });
      })
  );
});
