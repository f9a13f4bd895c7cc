// The town app's home: registers the site's service worker, which keeps the last news
// readable without a connection (and shows the Web Push alerts chosen on /alertes).
"use strict";

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("sw.js").catch(function () {
    // Without it the page still works online: nothing to tell the person.
  });
}
