// The compose form of the staff console, once previewed: while the person types, ask the
// server for the preview of the announcement as typed and put it in place, so the exact
// texts and the audience always match the form. The server renders it (escaped): one
// renderer for both. Without this script, « Mettre à jour l'aperçu » does the same.
(function () {
  "use strict";

  var WAIT_MS = 600; // after the last keystroke: one request per pause, not per key
  var box = document.getElementById("apercu-direct");
  var content = document.getElementById("apercu-contenu");
  var state = document.getElementById("apercu-etat");
  var form = document.querySelector("form.compose");
  if (!box || !content || !state || !form) {
    return;
  }
  var url = new URL(box.getAttribute("data-apercu"), document.baseURI).href;
  var timer = null;
  var asked = 0; // the latest request: an older answer arriving late is dropped

  function show(number, answer) {
    if (number !== asked) {
      return;
    }
    if (answer.html !== undefined) {
      content.innerHTML = answer.html;
      state.textContent = "";
      return;
    }
    state.textContent = "L'aperçu n'est pas à jour : " + answer.error;
  }

  function refresh() {
    asked += 1;
    var number = asked;
    fetch(url, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)), // as the form posts it (url-encoded)
      cache: "no-store",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      redirect: "error", // logged out: the form's own buttons still work
    })
      .then(function (response) {
        if (response.ok || response.status === 422) {
          return response.json();
        }
        throw new Error("aperçu indisponible (" + response.status + ")");
      })
      .then(function (answer) {
        show(number, answer);
      })
      .catch(function () {
        if (number === asked) {
          state.textContent =
            "L'aperçu ne se met plus à jour seul : utilisez « Mettre à jour l'aperçu ».";
        }
      });
  }

  function changed() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, WAIT_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
})();
