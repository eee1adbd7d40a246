// Duplicate suggestions while registering a case (issue 8): after the user pauses typing a name of
// the principal, post the name fields, date and place of birth to the server and show the records
// it suggests in the live region. Names travel in the POST body only, never in a URL. Without
// this script the "Check for existing records" button does the same with a full page.
(function () {
  "use strict";

  var DELAY_MS = 400;
  var MIN_LETTERS = 2;
  var NAME_FIELD = /^principal-(given_name|father_name|other_names)_/;
  var EXTRA_FIELDS = ["principal-date_of_birth", "principal-place_of_birth"];

  function letters(text) {
    var found = text.match(/\p{L}/gu);
    return found ? found.length : 0;
  }

  function start(form) {
    var url = form.getAttribute("data-matches-url");
    var region = document.getElementById("registration-matches");
    if (!url || !region || !window.fetch) {
      return;
    }
    var timer = null;
    var latest = 0;
    var controller = null;

    function nameInputs() {
      return Array.prototype.filter.call(form.elements, function (element) {
        return NAME_FIELD.test(element.name || "");
      });
    }

    function check() {
      var inputs = nameInputs();
      var typed = inputs.reduce(function (sum, input) { return sum + letters(input.value.trim()); }, 0);
      if (typed < MIN_LETTERS) {
        return;
      }
      var body = new FormData();
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (token) {
        body.append("csrfmiddlewaretoken", token.value);
      }
      inputs.forEach(function (input) { body.append(input.name, input.value); });
      EXTRA_FIELDS.forEach(function (name) {
        var input = form.elements.namedItem(name);
        if (input && input.value) {
          body.append(name, input.value);
        }
      });
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      latest += 1;
      var request = latest;
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: token ? { "X-CSRFToken": token.value } : {},
        signal: controller ? controller.signal : undefined,
      }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        // The server escapes every value in the fragment (Django templates); an older answer never
        // replaces a newer one.
        if (html !== null && request === latest) {
          region.innerHTML = html;
        }
      }).catch(function () {
        // A suggestion is a help, not a step: a failed check leaves the form as it is.
      });
    }

    function schedule(event) {
      var name = (event.target && event.target.name) || "";
      if (!NAME_FIELD.test(name) && EXTRA_FIELDS.indexOf(name) === -1) {
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(check, DELAY_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
  }

  function init() {
    var forms = document.querySelectorAll("form[data-matches-url]");
    Array.prototype.forEach.call(forms, start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
