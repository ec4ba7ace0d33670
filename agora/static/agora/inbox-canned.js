/* Ágora · the reply box of a conversation (progressive enhancement; without JavaScript the
   approved answers' select and button still work):
   - typing "/" at the start of the answer (or of a line) or pressing Ctrl+K opens a filterable
     list of the approved answers (WAI-ARIA combobox + listbox: arrows, Enter, Esc), which
     inserts the chosen one, already filled in for this conversation, at the cursor;
   - a gentle, never blocking check flags first-person-singular phrasing («le informo») and
     suggests the plural. The phrases come from the page (agora/inbox/canned.py), so the rule
     lives in one place. */
(function () {
  "use strict";

  var picker = null;
  var lastHints = "";
  var checkTimer = null;

  function answerBox() {
    return document.querySelector("#campo-respuesta textarea");
  }

  function isAnswerBox(node) {
    return node && node.matches && node.matches("#campo-respuesta textarea");
  }

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function addToken(node, attribute, token) {
    var tokens = (node.getAttribute(attribute) || "").split(/\s+/).filter(Boolean);
    if (tokens.indexOf(token) === -1) {
      tokens.push(token);
      node.setAttribute(attribute, tokens.join(" "));
    }
  }

  /* --- the picker ------------------------------------------------------------------------ */

  function options() {
    return picker ? Array.prototype.slice.call(picker.list.querySelectorAll("[role=option]")) : [];
  }

  function visibleOptions() {
    return options().filter(function (option) { return !option.hidden; });
  }

  function setActive(option) {
    options().forEach(function (other) {
      other.setAttribute("aria-selected", other === option ? "true" : "false");
      other.classList.toggle("is-active", other === option);
    });
    if (option) {
      picker.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      picker.input.removeAttribute("aria-activedescendant");
    }
    picker.active = option;
  }

  function announce(count) {
    var status = picker.root.querySelector("[data-canned-count]");
    var texts = picker.texts;
    var text = count === 0 ? texts.none : count === 1 ? texts.one : texts.many.replace("__N__", count);
    status.textContent = text;
  }

  function filter() {
    var words = fold(picker.input.value.replace(/^\//, "")).split(/\s+/).filter(Boolean);
    var shown = 0;
    options().forEach(function (option) {
      var haystack = fold(option.textContent);  // title, shortcut, category and text
      var match = words.every(function (word) { return haystack.indexOf(word) !== -1; });
      option.hidden = !match;
      if (match) { shown += 1; }
    });
    var visible = visibleOptions();
    setActive(visible.indexOf(picker.active) !== -1 ? picker.active : visible[0] || null);
    announce(shown);
  }

  function close(refocus) {
    if (!picker) { return; }
    var current = picker;
    picker = null;
    current.root.remove();
    if (refocus && document.contains(current.textarea)) {
      current.textarea.focus();
      current.textarea.setSelectionRange(current.end, current.end);
    }
  }

  function insert(option) {
    var current = picker;
    var textarea = current.textarea;
    var text = option.querySelector(".canned-option-text").textContent;
    var start = current.start;
    var end = current.end;
    // The "/" that opened the list is replaced by the answer.
    if (current.slashAt !== null && textarea.value.charAt(current.slashAt) === "/") {
      start = current.slashAt;
      end = Math.max(end, start + 1);
    }
    close(false);
    textarea.focus();
    textarea.setRangeText(text, start, end, "end");
    var caret = start + text.length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    var used = document.getElementById("respuesta-aprobada-usada");
    if (used) { used.value = option.getAttribute("data-id"); }
  }

  function move(step) {
    var visible = visibleOptions();
    if (!visible.length) { return; }
    var index = visible.indexOf(picker.active);
    index = index === -1 ? 0 : (index + step + visible.length) % visible.length;
    setActive(visible[index]);
  }

  function onPickerKey(event) {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      move(1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      move(-1);
    } else if (event.key === "Enter") {
      event.preventDefault();  // never submits the answer form
      if (picker.active) { insert(picker.active); }
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key === "Tab") {
      event.preventDefault();
      close(true);
    }
  }

  function open(textarea, slashAt) {
    var template = document.getElementById("selector-respuestas");
    var field = textarea.closest("#campo-respuesta");
    if (!template || !field) { return false; }
    close(false);
    var root = template.content.firstElementChild.cloneNode(true);
    field.after(root);
    picker = {
      root: root,
      input: root.querySelector("[role=combobox]"),
      list: root.querySelector("[role=listbox]"),
      textarea: textarea,
      start: textarea.selectionStart,
      end: textarea.selectionEnd,
      slashAt: slashAt,
      active: null,
      texts: {
        one: template.getAttribute("data-one"),
        many: template.getAttribute("data-many"),
        none: template.getAttribute("data-none")
      }
    };
    picker.input.addEventListener("input", filter);
    picker.input.addEventListener("keydown", onPickerKey);
    // A click on an option must not take the focus away before it is chosen.
    picker.list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    picker.list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option && picker) { insert(option); }
    });
    root.addEventListener("focusout", function (event) {
      if (picker && picker.root === root && !root.contains(event.relatedTarget)) { close(false); }
    });
    filter();
    picker.input.focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (!isAnswerBox(event.target)) { return; }
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "k" || event.key === "K")) {
      if (open(event.target, null)) { event.preventDefault(); }
    }
  });

  // "/" typed at the start of the answer or of a line, from a keyboard or a phone's.
  document.addEventListener("input", function (event) {
    var textarea = event.target;
    if (!isAnswerBox(textarea) || event.data !== "/" || event.isComposing) { return; }
    var at = textarea.selectionStart - 1;
    if (at < 0 || textarea.value.charAt(at) !== "/") { return; }
    if (at === 0 || textarea.value.charAt(at - 1) === "\n") { open(textarea, at); }
  });

  /* --- the first-person-plural check ----------------------------------------------------- */

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function rules() {
    var template = document.getElementById("guia-reglas");
    if (!template) { return []; }
    return Array.prototype.map.call(template.content.querySelectorAll("[data-frase]"), function (node) {
      var words = node.getAttribute("data-frase").split(/\s+/).map(escapeRegExp).join("\\s+");
      return {
        pattern: new RegExp("(?<![\\p{L}\\p{N}_])" + words + "(?![\\p{L}\\p{N}_])", "giu"),
        plural: node.getAttribute("data-plural")
      };
    });
  }

  // Same rule as canned.first_person_singular_hints: longest phrases first, a phrase inside one
  // already flagged is skipped, one hint per phrase, in the order of the text.
  function hints(text) {
    var taken = [];
    var found = {};
    var list = [];
    rules().forEach(function (rule) {
      var match;
      rule.pattern.lastIndex = 0;
      while ((match = rule.pattern.exec(text)) !== null) {
        var start = match.index;
        var end = start + match[0].length;
        var overlaps = taken.some(function (span) { return start < span[1] && span[0] < end; });
        if (overlaps) { continue; }
        taken.push([start, end]);
        var key = match[0].toLowerCase().split(/\s+/).join(" ");
        if (!found[key]) {
          found[key] = true;
          list.push({ found: match[0], plural: rule.plural, start: start });
        }
      }
    });
    return list.sort(function (a, b) { return a.start - b.start; });
  }

  function check() {
    var textarea = answerBox();
    var output = document.getElementById("guia-revision");
    if (!textarea || !output) { return; }
    var found = hints(textarea.value);
    var key = found.map(function (hint) { return hint.found.toLowerCase(); }).join("|");
    if (key === lastHints) { return; }
    lastHints = key;
    output.textContent = "";
    if (!found.length) { return; }
    var intro = document.createElement("p");
    intro.textContent = output.getAttribute("data-intro");
    var items = document.createElement("ul");
    found.forEach(function (hint) {
      var item = document.createElement("li");
      item.textContent = output.getAttribute("data-change")
        .replace("__FOUND__", hint.found)
        .replace("__PLURAL__", hint.plural);
      items.appendChild(item);
    });
    output.appendChild(intro);
    output.appendChild(items);
  }

  document.addEventListener("input", function (event) {
    if (!isAnswerBox(event.target)) { return; }
    window.clearTimeout(checkTimer);
    checkTimer = window.setTimeout(check, 400);
  });

  /* --- set up (again after each htmx swap) ----------------------------------------------- */

  function setUp() {
    var textarea = answerBox();
    if (!textarea) { return; }
    if (document.getElementById("selector-respuestas")) {
      var hint = document.getElementById("ayuda-atajo-respuestas");
      if (hint) {
        hint.hidden = false;
        addToken(textarea, "aria-describedby", hint.id);
      }
      textarea.setAttribute("aria-keyshortcuts", "Control+K");
    }
    if (document.getElementById("guia-respuesta")) {
      addToken(textarea, "aria-describedby", "guia-respuesta");
    }
    lastHints = "";
    check();
  }

  setUp();
  document.addEventListener("htmx:load", setUp);
}());
