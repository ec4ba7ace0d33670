/* Keyboard shortcuts of the staff inbox (progressive enhancement: every action they take is a
   link or a form that works without them). The help dialog is in
   agora/templates/inbox/_keys.html. Letters never fire while typing in a field; there only
   Esc (leave the field) and Ctrl+Enter (send the answer) do. "/" and Ctrl+K are left alone. */
(function () {
  "use strict";

  var dialog = document.getElementById("atajos");
  if (!dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var page = dialog.getAttribute("data-pagina");
  var opener = document.getElementById("atajos-boton");
  var status = document.getElementById("atajos-aviso");
  var returnFocus = null;

  function say(text) {
    if (status && text) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }
  }

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  // --- the help dialog (a modal <dialog>: the rest of the page is inert while it is open,
  // so focus stays inside; Esc closes it) -----------------------------------------------------

  function openHelp() {
    if (dialog.open) {
      return;
    }
    returnFocus = document.activeElement;
    dialog.showModal();
    var close = document.getElementById("atajos-cerrar");
    if (close) {
      close.focus();
    }
  }

  dialog.addEventListener("close", function () {
    if (returnFocus && typeof returnFocus.focus === "function") {
      returnFocus.focus();
    }
  });

  // Tab and Shift+Tab cycle inside the dialog (browsers may otherwise move to their own UI).
  dialog.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") {
      return;
    }
    var focusable = dialog.querySelectorAll("a[href], button:not([disabled]), [tabindex='0']");
    if (!focusable.length) {
      return;
    }
    var first = focusable[0];
    var last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });

  if (opener) {
    opener.hidden = false;
    opener.addEventListener("click", openHelp);
  }

  // --- the list: j/k (or arrows) choose a conversation, Enter/o open it -------------------

  function listLinks() {
    return Array.prototype.slice.call(
      document.querySelectorAll(".conversation-list .conversation-title a")
    );
  }

  function listMove(step) {
    var links = listLinks();
    if (!links.length) {
      return;
    }
    var current = links.indexOf(document.activeElement);
    var next = current === -1 ? (step > 0 ? 0 : links.length - 1) : current + step;
    next = Math.max(0, Math.min(links.length - 1, next));
    links.forEach(function (link) {
      var row = link.closest(".conversation-item");
      if (row) {
        row.classList.remove("is-selected");
      }
    });
    var chosen = links[next];
    var item = chosen.closest(".conversation-item");
    if (item) {
      item.classList.add("is-selected");
    }
    chosen.focus();
    chosen.scrollIntoView({ block: "nearest" });
  }

  function listOpen() {
    var links = listLinks();
    var current = links.indexOf(document.activeElement);
    var link = links[current === -1 ? 0 : current];
    if (link) {
      link.click();
    }
  }

  // --- a conversation ---------------------------------------------------------------------

  function follow(id) {
    var link = document.getElementById(id);
    if (link && link.href) {
      window.location.assign(link.href);
      return true;
    }
    return false;
  }

  function submitWith(buttonId, prepare) {
    var button = document.getElementById(buttonId);
    var form = button && button.form;
    if (!form) {
      return false;
    }
    if (prepare && prepare(form) === false) {
      return false;
    }
    // A click, not requestSubmit(): htmx sends the name and value of the button it saw
    // clicked ("siguiente" for "Responder y pasar a la siguiente").
    button.click();
    return true;
  }

  function answerBox() {
    return document.getElementById("id_texto");
  }

  function sendAnswer(andNext) {
    var box = answerBox();
    if (box && !box.value.trim()) {
      box.focus();
      say(dialog.getAttribute("data-sin-texto"));
      return;
    }
    submitWith(andNext ? "boton-responder-siguiente" : "boton-responder");
  }

  function assignToMe() {
    var me = dialog.getAttribute("data-usuario");
    var done = submitWith("boton-asignar", function (form) {
      var select = form.querySelector("select[name='asignada_a']");
      var option = select && select.querySelector("option[value='" + me + "']");
      if (!option) {
        return false;
      }
      select.value = me;
      return true;
    });
    if (!done) {
      say(dialog.getAttribute("data-no-asignable"));
    }
  }

  function closeConversation() {
    submitWith("boton-estado", function (form) {
      var select = form.querySelector("select[name='estado']");
      if (!select || !select.querySelector("option[value='cerrado']")) {
        return false;
      }
      select.value = "cerrado";
      return true;
    });
  }

  // «No es amenaza / insulto / spam…»: the key of each button is in its aria-keyshortcuts.
  // The message is the one that holds the focus or was last clicked ("chosen", outlined);
  // with none chosen, the last message of the thread that carries the flag.
  var chosenId = null;

  function markChosen() {
    var items = document.querySelectorAll("#conversacion li.msg.is-selected");
    Array.prototype.forEach.call(items, function (item) {
      item.classList.remove("is-selected");
    });
    var chosen = chosenId ? document.getElementById(chosenId) : null;
    if (chosen) {
      chosen.classList.add("is-selected");
    }
  }

  function chosenMessage() {
    var active = document.activeElement;
    var item = active && active.closest ? active.closest("#conversacion li.msg") : null;
    return item || (chosenId ? document.getElementById(chosenId) : null);
  }

  function dismissFlag(key) {
    var selector = "button.flag-dismiss-button[aria-keyshortcuts='" + key + "']";
    var chosen = chosenMessage();
    var button = null;
    if (chosen) {
      button = chosen.querySelector(selector);
      if (!button) {
        say(dialog.getAttribute("data-elegido-sin-alerta"));
        return;
      }
    } else {
      var buttons = document.querySelectorAll("#conversacion " + selector);
      button = buttons.length ? buttons[buttons.length - 1] : null;
      if (!button) {
        say(dialog.getAttribute("data-sin-alerta"));
        return;
      }
    }
    button.click();
  }

  if (page === "conversacion") {
    document.addEventListener("click", function (event) {
      var target = event.target;
      if (!target || !target.closest || dialog.contains(target)) {
        return;
      }
      var item = target.closest("#conversacion li.msg");
      chosenId = item ? item.id : null;
      markChosen();
    });
    // htmx replaces the conversation after each action: the chosen message stays chosen.
    document.body.addEventListener("htmx:afterSettle", markChosen);
  }

  // --- one listener for every key ---------------------------------------------------------

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) {
      return;
    }
    var key = event.key;
    if (dialog.open) {
      return; // the dialog handles Esc and Tab itself
    }
    if (typing(event.target)) {
      if (key === "Escape") {
        event.target.blur();
      } else if (key === "Enter" && (event.ctrlKey || event.metaKey) && event.target === answerBox()) {
        event.preventDefault();
        sendAnswer(event.shiftKey);
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var handled = true;
    if (key === "?") {
      openHelp();
    } else if (page === "lista") {
      if (key === "j" || key === "ArrowDown") {
        listMove(1);
      } else if (key === "k" || key === "ArrowUp") {
        listMove(-1);
      } else if (key === "o") {
        listOpen();
      } else {
        handled = false;
      }
    } else if (page === "conversacion") {
      if (key === "j") {
        handled = follow("conversacion-siguiente");
      } else if (key === "k") {
        handled = follow("conversacion-anterior");
      } else if (key === "u") {
        handled = follow("volver-lista");
      } else if (key === "r") {
        var box = answerBox();
        if (box) {
          box.focus();
          box.scrollIntoView({ block: "center" });
        }
      } else if (key === "a") {
        assignToMe();
      } else if (key === "c" || key === "e") {
        closeConversation();
      } else if (key === "n" || key === "i" || key === "s" || key === "d") {
        dismissFlag(key);
      } else {
        handled = false;
      }
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
    }
  });
})();
