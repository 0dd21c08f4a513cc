// The live board: replace the panels when the server sends new ones, and keep ages current.
(function () {
  "use strict";
  var live = document.getElementById("board-live");
  var panels = document.getElementById("board-panels");
  var state = document.getElementById("live-state");
  var updated = document.getElementById("board-updated");
  if (!live || !panels || !window.EventSource) { return; }

  function age(minutes) {
    if (minutes < 60) { return minutes + " min"; }
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 24) { return hours + " h " + (minutes < 10 ? "0" : "") + minutes + " min"; }
    var days = Math.floor(hours / 24);
    return days + " day" + (days === 1 ? "" : "s") + " " + (hours % 24) + " h";
  }

  function tick() {
    var now = Date.now();
    var times = panels.querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var opened = Date.parse(times[i].getAttribute("datetime"));
      times[i].textContent = age(Math.max(0, Math.floor((now - opened) / 60000)));
      var due = times[i].getAttribute("data-due");
      var late = due && times[i].getAttribute("data-attended") === "no" && Date.parse(due) < now;
      times[i].closest("tr").classList.toggle("overdue", Boolean(late));
    }
  }

  function clock(iso) {
    updated.setAttribute("datetime", iso);
    updated.textContent = iso.slice(11, 19) + " UTC";
  }

  var source = new EventSource(live.getAttribute("data-stream"));
  source.addEventListener("open", function () {
    state.textContent = "· live";
    live.classList.remove("board-offline");
  });
  source.addEventListener("error", function () {
    state.textContent = "· connection lost, reconnecting…";
    live.classList.add("board-offline");
  });
  source.addEventListener("panels", function (event) {
    panels.innerHTML = event.data;
    clock(new Date().toISOString());
    tick();
  });
  window.setInterval(tick, 15000);
})();
