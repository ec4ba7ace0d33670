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
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("textarea[data-limit]");
    for (var i = 0; i < boxes.length; i++) { attach(boxes[i]); }
  });
})();
