// Refreshes the inbox countdowns ("vence en 2 h 10 min", "venció hace 3 h") every minute,
// with the same words as agora/inbox/countdown.py (America/Lima: UTC-5, no daylight saving).
// Without JavaScript the server's words stay as rendered.
(function () {
  "use strict";
  var LIMA_OFFSET_MS = -5 * 3600 * 1000;

  function span(minutes) {
    var h = Math.floor(minutes / 60), m = minutes % 60;
    if (h && m) { return h + " h " + m + " min"; }
    if (h) { return h + " h"; }
    return m + " min";
  }

  function limaDay(ms) {
    var d = new Date(ms + LIMA_OFFSET_MS);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function text(due, now) {
    var delta = due - now, minutes;
    if (delta >= 0) {
      minutes = Math.floor(delta / 60000);
      if (minutes < 1) { return "vence en menos de 1 min"; }
      var local = new Date(due + LIMA_OFFSET_MS);
      var clock = pad(local.getUTCHours()) + ":" + pad(local.getUTCMinutes());
      var days = Math.round((limaDay(due) - limaDay(now)) / 86400000);
      if (days === 0 || minutes < 60) { return "vence en " + span(minutes); }
      if (days === 1) { return "vence mañana " + clock; }
      return "vence el " + pad(local.getUTCDate()) + "/" + pad(local.getUTCMonth() + 1) + " " + clock;
    }
    minutes = Math.floor(-delta / 60000);
    if (minutes < 1) { return "venció hace menos de 1 min"; }
    if (minutes < 60) { return "venció hace " + span(minutes); }
    var hours = Math.floor(minutes / 60);
    if (hours < 48) { return "venció hace " + hours + " h"; }
    var n = Math.floor(hours / 24);
    return "venció hace " + n + (n === 1 ? " día" : " días");
  }

  function refresh() {
    var now = Date.now();
    var items = document.querySelectorAll("time.countdown[datetime]");
    for (var i = 0; i < items.length; i++) {
      var due = Date.parse(items[i].getAttribute("datetime"));
      if (isNaN(due)) { continue; }
      var words = text(due, now);
      if (items[i].textContent !== words) { items[i].textContent = words; }
      items[i].classList.toggle("countdown-overdue", due < now);
      items[i].classList.toggle("countdown-pending", due >= now);
    }
  }

  window.setInterval(refresh, 60000);
}());
