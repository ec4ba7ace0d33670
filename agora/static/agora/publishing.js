// Post editor: a live character count under each network's text box, against its limit.
// Progressive enhancement: without it the server still refuses a text that is too long.
(function () {
  "use strict";
  function attach(box) {
    var limit = parseInt(box.getAttribute("data-limit"), 10);
    if (!limit) { return; }
    var counter = document.createElement("p");
    counter.className = "pub-counter";
    counter.id = box.id + "-contador";
    counter.setAttribute("aria-live", "polite");
    box.insertAdjacentElement("afterend", counter);
    var described = box.getAttribute("aria-describedby");
    box.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var used = box.value.length;
      counter.textContent = used + " / " + limit.toLocaleString("es-PE") + " caracteres";
      counter.classList.toggle("pub-counter-over", used > limit);
    }
    box.addEventListener("input", update);
    update();
  }
  // Only the text boxes of the networks whose accounts are ticked (all while none is).
  function showChosen() {
    var ticked = document.querySelectorAll("input[type=checkbox][data-network]:checked");
    var chosen = {};
    for (var i = 0; i < ticked.length; i++) { chosen[ticked[i].getAttribute("data-network")] = true; }
    var boxes = document.querySelectorAll("textarea[data-network]");
    for (var j = 0; j < boxes.length; j++) {
      var field = boxes[j].closest(".field");
      if (field) { field.hidden = ticked.length > 0 && !chosen[boxes[j].getAttribute("data-network")]; }
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("textarea[data-limit]");
    for (var i = 0; i < boxes.length; i++) { attach(boxes[i]); }
    var ticks = document.querySelectorAll("input[type=checkbox][data-network]");
    for (var k = 0; k < ticks.length; k++) { ticks[k].addEventListener("change", showChosen); }
    showChosen();
  });
})();
