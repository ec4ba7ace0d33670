/* Keyboard of the labelling queue (agora/templates/language/queue.html), as a progressive
   enhancement: the radios, checkboxes and buttons work without it. A digit chooses the kind
   (its data-key), a letter toggles a flag (a, i, s, d), Enter saves and opens the next
   message. Keys never fire with Ctrl, Alt or Meta, nor while typing in a field; Enter on a
   link or a button keeps its own meaning. */
(function () {
  "use strict";

  var form = document.getElementById("cola-formulario");
  var save = document.getElementById("cola-guardar");
  if (!form || !save) {
    return;
  }

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) {
      return true;
    }
    if (tag === "input") {
      var type = (target.getAttribute("type") || "text").toLowerCase();
      return type !== "radio" && type !== "checkbox";
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) {
      return;
    }
    if (typing(event.target)) {
      return;
    }
    var key = event.key;
    if (key === "Enter") {
      var tag = event.target && event.target.tagName ? event.target.tagName.toLowerCase() : "";
      if (tag === "a" || tag === "button" || tag === "summary") {
        return;
      }
      event.preventDefault();
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(save);
      } else {
        save.click();
      }
      return;
    }
    if (!key || key.length !== 1) {
      return;
    }
    var input = form.querySelector('input[data-key="' + key.toLowerCase() + '"]');
    if (!input) {
      return;
    }
    event.preventDefault();
    if (input.type === "radio") {
      input.checked = true;
    } else {
      input.checked = !input.checked;
    }
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
}());
