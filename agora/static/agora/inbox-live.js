/* Ágora inbox, progressive enhancement (the pages work without it):
   - the bulk bar: "Seleccionar todas las visibles", how many rows are chosen, and the list's
     current filters sent along so that the person comes back to the same list;
   - live updates of the list (agora/inbox/views_live.py): every 15 s, while the tab is
     visible, asks whether the list changed and only then fetches its rows, keeping the chosen
     rows, the focus and the scroll position;
   - live updates of the open conversation: every 5 s, new messages are added under the thread
     (what is being typed is never touched) and "Ana está respondiendo…" is shown.
   Texts come from the page (translated there); no single-letter keys are bound here. */
(function () {
  "use strict";

  var LIST_EVERY = 15000;
  var CONVERSATION_EVERY = 5000;
  var TYPING_FOR = 5000;

  /* Runs fn every `every` ms while the tab is visible; fn returns a promise. */
  function poller(fn, every) {
    var timer = null;
    var busy = false;
    function schedule() {
      window.clearTimeout(timer);
      if (!document.hidden) timer = window.setTimeout(run, every);
    }
    function run() {
      window.clearTimeout(timer);
      if (document.hidden || busy) return;
      busy = true;
      Promise.resolve()
        .then(fn)
        .catch(function () { /* a failed poll is retried at the next one */ })
        .then(function () { busy = false; schedule(); });
    }
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) window.clearTimeout(timer);
      else run();
    });
    schedule();
    return run;
  }

  function plural(el, n, one, many) {
    return n === 1 ? el.getAttribute(one) : el.getAttribute(many).replace("__N__", String(n));
  }

  /* --- bulk bar ------------------------------------------------------------------------- */

  function rowBoxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input.row-select"));
  }

  function updateCount() {
    var out = document.querySelector("[data-bulk-count]");
    if (!out) return;
    var n = rowBoxes().filter(function (box) { return box.checked; }).length;
    out.textContent = n ? plural(out, n, "data-one", "data-many") : "";
    // The actions show once a row is chosen: until then the list starts higher on the screen.
    var bar = out.closest("form");
    if (bar) bar.classList.toggle("bulk-idle", n === 0);
  }

  function setupBulk(form) {
    var all = form.querySelector("[data-bulk-all]");
    form.classList.add("bulk-idle");
    if (all) {
      all.addEventListener("change", function () {
        rowBoxes().forEach(function (box) { box.checked = all.checked; });
        updateCount();
      });
    }
    document.addEventListener("change", function (event) {
      var target = event.target;
      if (target && target.classList && target.classList.contains("row-select")) {
        if (!target.checked && all) all.checked = false;
        updateCount();
      }
    });
    // Filtering swaps the rows (htmx): what was chosen is gone, so is "todas las visibles".
    document.addEventListener("htmx:afterSettle", function (event) {
      var target = event.target;
      if (target && target.id === "resultados" && all) all.checked = false;
      updateCount();
    });
    form.addEventListener("submit", function () {
      var back = form.querySelector("[data-bulk-return]");
      if (back) back.value = window.location.search.replace(/^\?/, "");
    });
  }

  /* --- the list ------------------------------------------------------------------------- */

  function setupList(live) {
    var url = live.getAttribute("data-url");
    var seen = live.getAttribute("data-visto") || "";
    var notice = document.getElementById("aviso-en-vivo");

    function results() { return document.getElementById("resultados"); }

    function swap(fresh) {
      var old = results();
      if (!old) return;
      var chosen = {};
      old.querySelectorAll("input.row-select:checked").forEach(function (box) {
        chosen[box.value] = true;
      });
      var all = document.querySelector("[data-bulk-all]");
      var active = document.activeElement;
      var activeId = active && old.contains(active) ? active.id : "";
      var activeHref = active && old.contains(active) ? active.getAttribute("href") : "";
      // Keep the first row on screen where it was, whatever arrived above it.
      var anchor = null;
      var anchorTop = 0;
      old.querySelectorAll("li.conversation-item").forEach(function (row) {
        if (anchor) return;
        var rect = row.getBoundingClientRect();
        if (rect.bottom > 0) {
          var box = row.querySelector("input.row-select");
          anchor = box ? box.value : null;
          anchorTop = rect.top;
        }
      });
      var x = window.scrollX;
      var y = window.scrollY;
      var node = document.importNode(fresh, true);
      old.replaceWith(node);
      node.querySelectorAll("input.row-select").forEach(function (box) {
        if (chosen[box.value] || (all && all.checked)) box.checked = true;
      });
      if (activeId && document.getElementById(activeId)) {
        document.getElementById(activeId).focus({ preventScroll: true });
      } else if (activeHref) {
        var links = node.querySelectorAll("a[href]");
        for (var i = 0; i < links.length; i += 1) {
          if (links[i].getAttribute("href") === activeHref) {
            links[i].focus({ preventScroll: true });
            break;
          }
        }
      }
      window.scrollTo(x, y);
      var same = anchor ? document.getElementById("elegir-" + anchor) : null;
      if (same) {
        var row = same.closest("li");
        if (row) window.scrollBy(0, row.getBoundingClientRect().top - anchorTop);
      }
      if (window.htmx) window.htmx.process(node);
      updateCount();
    }

    function refresh() {
      return fetch(window.location.pathname + window.location.search, {
        credentials: "same-origin",
        headers: { "HX-Request": "true" }
      })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (!html) return false;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("resultados");
          var current = results();
          if (!fresh || !current) return false;
          // Rows served from a few seconds' cache may not show the change yet: next time.
          if (fresh.getAttribute("data-huella") === current.getAttribute("data-huella")) {
            return false;
          }
          swap(fresh);
          return true;
        });
    }

    function check() {
      var current = results();
      if (!current) return null;
      var query = new URLSearchParams(window.location.search);
      query.set("huella", current.getAttribute("data-huella") || "");
      query.set("visto", seen);
      return fetch(url + "?" + query.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) { return response.status === 200 ? response.json() : null; })
        .then(function (data) {
          if (!data || !data.huella) return null;
          return refresh().then(function (done) {
            if (!done) return;
            seen = String(data.visto);
            if (notice) notice.textContent = data.aviso;
          });
        });
    }

    poller(check, LIST_EVERY);
  }

  /* --- the open conversation ------------------------------------------------------------ */

  function setupConversation(live) {
    var url = live.getAttribute("data-url");
    var notice = document.getElementById("aviso");
    var typedAt = 0;
    var run = null;

    function typing() { return Date.now() - typedAt < TYPING_FOR; }

    function csrf() {
      var input = document.querySelector("input[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    }

    document.addEventListener("input", function (event) {
      var target = event.target;
      if (!target || !target.closest || !target.closest("#respuesta")) return;
      var first = !typing();
      typedAt = Date.now();
      if (first && run) run();
    });
    document.addEventListener("submit", function (event) {
      if (event.target && event.target.id === "respuesta") typedAt = 0;
    });

    function merge(html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var freshThread = doc.querySelector("ol.thread");
      var thread = document.querySelector("#conversacion ol.thread");
      if (!freshThread || !thread) return;
      var added = 0;
      freshThread.querySelectorAll("li[id^='mensaje-']").forEach(function (item) {
        var old = document.getElementById(item.id);
        if (!old) {
          thread.querySelectorAll("li:not([id])").forEach(function (empty) { empty.remove(); });
          var node = document.importNode(item, true);
          thread.appendChild(node);
          if (window.htmx) window.htmx.process(node);
          if (item.classList.contains("msg-entrante")) added += 1;
          return;
        }
        var send = item.querySelector(".msg-send");
        var oldSend = old.querySelector(".msg-send");
        if (send && oldSend && send.textContent !== oldSend.textContent) {
          oldSend.replaceWith(document.importNode(send, true));
        }
      });
      var facts = doc.querySelector("dl.facts");
      var oldFacts = document.querySelector("#conversacion dl.facts");
      if (facts && oldFacts && facts.textContent !== oldFacts.textContent) {
        oldFacts.replaceWith(document.importNode(facts, true));
      }
      if (added && notice) {
        var p = document.createElement("p");
        p.className = "notice";
        p.textContent = plural(live, added, "data-one", "data-many");
        notice.replaceChildren(p);
      }
    }

    function check() {
      var body = new URLSearchParams();
      body.set("huella", live.getAttribute("data-huella") || "");
      body.set("escribiendo", typing() ? "1" : "0");
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "X-CSRFToken": csrf(),
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json"
        },
        body: body.toString()
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) return;
          if (live.textContent !== data.presencia) live.textContent = data.presencia;
          if (data.html) merge(data.html);
          live.setAttribute("data-huella", data.huella);
        });
    }

    run = poller(check, CONVERSATION_EVERY);
  }

  /* The search box asks by itself while typing; its "change" (fired when it loses focus,
     e.g. on clicking a result) must not reach the filters form, whose request would push the
     list's address again and cancel the click on the result. */
  function setupSearch(box) {
    box.addEventListener("change", function (event) { event.stopPropagation(); });
  }

  function start() {
    var search = document.getElementById("id_q");
    if (search && search.hasAttribute("hx-get")) setupSearch(search);
    var form = document.getElementById("acciones-en-bloque");
    if (form) setupBulk(form);
    var list = document.querySelector("[data-live-list]");
    if (list && window.fetch) setupList(list);
    var conversation = document.querySelector("[data-live-conversation]");
    if (conversation && window.fetch) setupConversation(conversation);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
