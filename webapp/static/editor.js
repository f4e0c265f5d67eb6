// The editor page, enhanced: files dropped on the upload field, and a rebuild's
// progress followed live. Without this script every form still works.
"use strict";
(function () {
  var root = document.getElementById("editor");
  if (!root) return;
  var csrf = root.querySelector("input[name=csrf]");
  var token = csrf ? csrf.value : "";

  // Drag and drop: dropped files become the file field's selection.
  var zone = root.querySelector("[data-dropzone]");
  var input = zone && zone.querySelector("input[type=file]");
  if (zone && input) {
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
      }
    });
  }

  var box = root.querySelector(".job");
  var bar = box && box.querySelector("progress");
  var status = box && box.querySelector("[role=status]");

  function show(job) {
    box.hidden = false;
    bar.max = job.total || 1;
    bar.value = job.done;
    // The figures in words come from the server ("12,000 of about 100,000
    // articles, 1,480 articles/s, about 1 min left"), as the page renders them.
    var text = job.kind + " " + job.state;
    if (job.progress) text += ": " + job.progress;
    else if (job.state === "running") text += ": starting";
    if (job.failed) text += ", " + job.failed + " failed";
    if ((job.state === "done" || job.state === "failed") && job.message) text += ". " + job.message;
    status.textContent = text;
    // A rebuild's count is the index's: the figure at the top of the page follows it.
    var articles = root.querySelector("[data-stat=articles]");
    if (articles && job.kind === "reindex" && job.state === "done") {
      articles.textContent = job.done.toLocaleString("en");
    }
  }

  function follow(id) {
    fetch("/api/jobs/" + encodeURIComponent(id), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (!job.state) return;
        show(job);
        if (job.state === "queued" || job.state === "running") {
          window.setTimeout(function () { follow(id); }, 700);
        }
      })
      .catch(function () { window.setTimeout(function () { follow(id); }, 2000); });
  }

  var form = root.querySelector("[data-reindex]");
  if (form && box) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch("/api/reindex", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": token, "Accept": "application/json" }
      })
        .then(function (response) { return response.json(); })
        .then(function (job) {
          if (job.id) {
            show(job);
            follow(job.id);
          }
        });
    });
    if (box.dataset.job) follow(box.dataset.job);
  }
})();
