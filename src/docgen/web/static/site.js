/* Small behaviours shared by the server-rendered forms. Every form works without this script. */
(function () {
  "use strict";

  // Signing out leaves nothing of a case in this browser: whatever a page kept (a draft of before sign-in,
  // copies an older version of the e-form left in localStorage) is cleared on the way out and on arrival
  // (the server also sends Clear-Site-Data: "storage").
  function forget() {
    [window.localStorage, window.sessionStorage].forEach(function (store) {
      try { store.clear(); } catch (e) { /* storage disabled: nothing kept */ }
    });
  }
  document.querySelectorAll('form[action="/logout"]').forEach(function (form) {
    form.addEventListener("submit", forget);
  });
  if (/[?&]signed_out=1(&|$)/.test(location.search)) forget();

  // An e-form that went away hands its last edit to the next page in this tab (eform.js, flush; the server
  // has it too, by a keepalive save). Any other page drops the handed-over copy at once: only the e-form of
  // the same template version (its key, eform.js tabKey) may take it, which it does on load.
  (function () {
    var own = null;
    try {
      var config = document.getElementById("form-config");
      if (config && document.getElementById("eform")) {
        var parsed = JSON.parse(config.textContent);
        own = "docgen.draft." + parsed.template + "@" + parsed.version;
      }
      Object.keys(window.sessionStorage).forEach(function (key) {
        if (key.indexOf("docgen.draft.") !== 0 || key === own) return;
        var kept = JSON.parse(window.sessionStorage.getItem(key) || "null");
        if (kept && kept.draft) window.sessionStorage.removeItem(key);
      });
    } catch (e) { /* storage disabled or unreadable: nothing handed over */ }
  })();

  // A submit that converts and signs takes a few seconds: say so, and do not send it twice.
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[data-busy]");
      if (!button || form.id === "eform") return;
      setTimeout(function () {
        button.disabled = true;
        button.textContent = button.dataset.busy;
      }, 0);
    });
  });

  // The approval form: mark the opinion as required when the chosen decision needs a reason.
  document.querySelectorAll("form.approve-form").forEach(function (form) {
    var needing = (form.dataset.reasonRequired || "").split("|").filter(Boolean);
    var decision = form.querySelector("select[name=decision]");
    var opinion = form.querySelector("textarea[name=opinion]");
    var flag = form.querySelector(".reason-flag");
    if (!decision || !opinion || !flag) return;
    function update() {
      var required = needing.indexOf(decision.value) >= 0;
      flag.hidden = !required;
      if (required) opinion.setAttribute("aria-required", "true");
      else opinion.removeAttribute("aria-required");
    }
    decision.addEventListener("change", update);
    update();
  });
})();

// After a verification, move to the report (keyboard and screen-reader users land on the result).
(function () {
  var report = document.getElementById("report");
  if (report) {
    report.focus();
    report.scrollIntoView({ block: "start" });
  }
})();
