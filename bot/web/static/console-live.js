// A message's page in the staff console: while its deliveries may still change, ask the
// server for their state every few seconds and put the new counts in place. The live region
// speaks only when the numbers change, never at each poll. Without this script the page
// works the same, with its « Actualiser » link.
(function () {
  "use strict";

  var INTERVAL_MS = 4000;
  var region = document.getElementById("suivi-annonce");
  var block = document.getElementById("suivi-envois");
  if (!region || !block || region.getAttribute("data-live") !== "oui") {
    return;
  }
  var url = new URL(region.getAttribute("data-etat"), document.baseURI).href;
  var shown = region.getAttribute("data-resume");

  function apply(state) {
    if (state.summary !== shown) {
      shown = state.summary;
      // The server renders this part of the page itself (escaped): one renderer for both.
      block.innerHTML = state.html;
      region.textContent = "Mise à jour. " + state.summary;
    }
    if (state.live) {
      window.setTimeout(poll, INTERVAL_MS);
    } else {
      region.setAttribute("data-live", "non");
    }
  }

  function poll() {
    fetch(url, {
      cache: "no-store",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      redirect: "error", // logged out: the link still works, the script stops
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("état indisponible (" + response.status + ")");
        }
        return response.json();
      })
      .then(apply)
      .catch(function () {
        region.setAttribute("data-live", "non");
      });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
