// Vindex pages, enhanced. Everything here is optional: without JavaScript the
// same links and GET forms do the same things with full page loads.
//  1. Suggestions while typing (/api/suggest) in an ARIA 1.2 combobox.
//  2. Facet, chip, sort, page and date changes replace the results in place;
//     the URL changes with history.pushState, and Back (popstate) restores.
//  3. On phones the filters fold away behind a button, and fold again once a
//     filter is chosen, so that the results it changed are in view.
// Text from the server is only ever set with textContent, never as HTML,
// except whole fragments of our own pages, which the server escaped.
(function () {
  "use strict";

  // -- 1. suggestions ------------------------------------------------------

  var KIND_WORDS = { person: "person", organization: "organization", place: "place", title: "article" };

  function suggestUrl(item) {
    if (item.type === "title" && item.id) return "/articles/" + encodeURIComponent(item.id);
    if (item.type === "person" || item.type === "organization" || item.type === "place") {
      return "/entities/" + item.type + "/" + encodeURIComponent(item.value);
    }
    return "/search?q=" + encodeURIComponent(item.value);
  }

  function setupCombobox(form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector("[role=listbox]");
    if (!input || !list) return;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var items = [];
    var active = -1;
    var timer = 0;
    var requested = "";
    var controller = null;

    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(found) {
      list.textContent = "";
      items = found;
      active = -1;
      if (!found.length) {
        close();
        return;
      }
      found.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var value = document.createElement("span");
        value.className = "suggestion-value";
        value.textContent = item.value;
        var kind = document.createElement("span");
        kind.className = "suggestion-kind";
        kind.textContent = KIND_WORDS[item.type] || "";
        option.appendChild(value);
        option.appendChild(kind);
        // mousedown, not click: it comes before the input loses focus.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function choose(index) {
      var item = items[index];
      if (!item) return;
      close();
      window.location.assign(suggestUrl(item));
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (text.length < 2) {
        close();
        return;
      }
      if (text === requested) return;
      requested = text;
      if (controller) controller.abort();
      controller = new AbortController();
      fetch("/api/suggest?q=" + encodeURIComponent(text), {
        headers: { Accept: "application/json" },
        signal: controller.signal,
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data || input.value.trim() !== text) return;
          var found = Array.isArray(data) ? data : data.suggestions || [];
          if (document.activeElement === input) render(found);
        })
        .catch(function () {
          /* Suggestions are a convenience: without them the box still searches. */
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      requested = "";
      timer = setTimeout(fetchSuggestions, 150);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && items.length > 0;
      if (event.key === "ArrowDown") {
        if (!open) {
          requested = "";
          fetchSuggestions();
          return;
        }
        event.preventDefault();
        highlight((active + 1) % items.length);
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        // Enter on a chosen suggestion opens it; otherwise the form searches.
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 100);
    });
  }

  // -- 2. results in place -------------------------------------------------

  var root = document.getElementById("results-root");
  var loading = null;

  function sameSearchPage(url) {
    return url.origin === window.location.origin && url.pathname === "/search";
  }

  function filtersOpen() {
    return root.querySelector(".facets.is-open") !== null;
  }

  function swap(html, focusKey, foldFilters) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById("results-root");
    if (!fresh) return false;
    // The filters opened on a phone stay open only to show more of a facet's values:
    // a chosen filter folds them, so that its results are what the reader sees next.
    var wasOpen = filtersOpen() && !foldFilters;
    root.replaceChildren.apply(root, Array.from(fresh.childNodes).map(function (node) {
      return document.importNode(node, true);
    }));
    document.title = doc.title;
    ["search-title"].forEach(function (id) {
      var mine = document.getElementById(id);
      var theirs = doc.getElementById(id);
      if (mine && theirs) mine.textContent = theirs.textContent;
    });
    // The live region stays the same element: only its text changes, which is announced.
    var count = document.getElementById("count");
    var newCount = doc.getElementById("count");
    if (count && newCount) count.textContent = newCount.textContent;
    // The JSON twin and the feed follow the new state.
    document.querySelectorAll("[data-twin]").forEach(function (el) {
      var twin = doc.querySelector('link[data-twin="' + el.getAttribute("data-twin") + '"]');
      if (twin) el.setAttribute("href", twin.getAttribute("href"));
    });
    var q = doc.getElementById("q");
    var myQ = document.getElementById("q");
    if (q && myQ) myQ.value = q.value;
    setupFilters(wasOpen);
    if (foldFilters) {
      // The value just chosen is folded away with the filters: the results' heading,
      // with the count, is where the reader continues.
      restoreFocus("");
      document.getElementById("search-title").scrollIntoView();
    } else if (focusKey !== undefined) {
      restoreFocus(focusKey);
    }
    return true;
  }

  function restoreFocus(key) {
    var target = null;
    // A new page of results is read from its top; other changes keep the reader's place.
    if (key && key.indexOf("page:") !== 0) {
      root.querySelectorAll("[data-key]").forEach(function (el) {
        if (!target && el.getAttribute("data-key") === key) target = el;
      });
    }
    if (!target) target = document.getElementById("search-title");
    if (target) target.focus({ preventScroll: !!key && key.indexOf("page:") !== 0 });
  }

  function load(url, options) {
    if (loading) loading.abort();
    loading = new AbortController();
    root.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { Accept: "text/html" }, signal: loading.signal })
      .then(function (response) {
        // An error page is a whole page: let the browser show it.
        if (!response.ok) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (options.push) history.pushState({ vindex: true }, "", url);
        if (!swap(html, options.focusKey, !!options.foldFilters)) window.location.assign(url);
        if (options.scroll) document.getElementById("search-title").scrollIntoView();
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        window.location.assign(url);
      })
      .finally(function () {
        root.removeAttribute("aria-busy");
      });
  }

  // Whether a link or form inside the open filters (on a phone) narrows the results,
  // rather than listing more of a facet's values.
  function choosesFilter(element, key) {
    return filtersOpen() && element.closest(".facets") !== null && key.indexOf("more:") !== 0;
  }

  function setupResults() {
    if (!root) return;
    history.replaceState({ vindex: true }, "", window.location.href);
    root.addEventListener("click", function (event) {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      var link = event.target.closest("a[href]");
      if (!link || !root.contains(link)) return;
      var url = new URL(link.href, window.location.href);
      if (!sameSearchPage(url)) return;
      event.preventDefault();
      var key = link.getAttribute("data-key") || "";
      load(url.href, {
        push: true,
        focusKey: key,
        scroll: key.indexOf("page:") === 0,
        foldFilters: choosesFilter(link, key),
      });
    });
    root.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "get") return;
      var url = new URL(form.action, window.location.href);
      if (!sameSearchPage(url)) return;
      event.preventDefault();
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (value !== "") params.append(name, value);
      });
      url.search = params.toString();
      load(url.href, { push: true, focusKey: "", foldFilters: choosesFilter(form, "") });
    });
    window.addEventListener("popstate", function () {
      if (sameSearchPage(new URL(window.location.href))) {
        load(window.location.href, { push: false });
      }
    });
  }

  // -- 3. filters behind a button on phones --------------------------------

  function setupFilters(open) {
    var button = document.querySelector(".filters-toggle");
    var facets = document.getElementById("facets");
    var jump = document.querySelector(".filters-jump");
    if (!button || !facets) return;
    button.hidden = false;
    if (jump) jump.hidden = true;
    function show(on) {
      button.setAttribute("aria-expanded", on ? "true" : "false");
      facets.classList.toggle("is-open", on);
    }
    show(!!open);
    var done = facets.querySelector(".filters-done");
    if (done) {
      done.hidden = false;
      done.addEventListener("click", function () {
        show(false);
        restoreFocus("");
        document.getElementById("search-title").scrollIntoView();
      });
    }
    button.addEventListener("click", function () {
      var on = button.getAttribute("aria-expanded") !== "true";
      show(on);
      if (on) {
        var first = facets.querySelector("a, button, input, summary");
        if (first) first.focus();
      }
    });
  }

  function start() {
    document.querySelectorAll("form[data-suggest]").forEach(setupCombobox);
    setupFilters(false);
    setupResults();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
