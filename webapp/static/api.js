// The API page's "Try it" forms (webapp/templates/_try.html), answered in place.
// Without this script a form without path parameters is a plain GET form that opens
// the answer; with it, path parameters are put into the path, empty fields left out,
// and the answer shown under the form: its status and its body, indented when JSON.
// The body is only ever set as text, never as HTML.
(function () {
  "use strict";

  // An answer longer than this is cut (an export can be the whole archive).
  var SHOWN = 100000;

  function requestUrl(form) {
    var path = form.getAttribute("data-try");
    var params = new URLSearchParams();
    form.querySelectorAll("[name]").forEach(function (field) {
      var value = field.value.trim();
      if (field.getAttribute("data-in") === "path") {
        path = path.replace("{" + field.name + "}", encodeURIComponent(value));
      } else if (value !== "") {
        params.append(field.name, value);
      }
    });
    var query = params.toString();
    return path + (query ? "?" + query : "");
  }

  function show(form, status, body) {
    var answer = form.querySelector(".try-answer");
    form.querySelector(".try-status").textContent = status;
    form.querySelector(".try-body").textContent =
      body.length > SHOWN ? body.slice(0, SHOWN) + "\n… (cut: " + body.length + " characters)" : body;
    answer.hidden = false;
  }

  function send(form) {
    var url = requestUrl(form);
    var link = form.querySelector(".try-url");
    link.textContent = "GET " + url;
    link.setAttribute("href", url);
    link.hidden = false;
    show(form, "Sending…", "");
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.text().then(function (text) {
          var type = response.headers.get("Content-Type") || "";
          var body = text;
          if (type.indexOf("json") !== -1 && type.indexOf("ndjson") === -1) {
            try {
              body = JSON.stringify(JSON.parse(text), null, 2);
            } catch (error) {
              /* Shown as sent. */
            }
          }
          show(form, response.status + " " + response.statusText + " · " + type, body);
        });
      })
      .catch(function (error) {
        show(form, "No answer: " + error.message, "");
      });
  }

  function start() {
    document.querySelectorAll("form[data-try]").forEach(function (form) {
      form.classList.add("is-scripted");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        send(form);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
