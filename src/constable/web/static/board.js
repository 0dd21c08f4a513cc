// The live board: new panels from the server's event stream, a countdown to each incident's
// attendance standard, a selected incident that keyboard shortcuts act on, and actions (a unit's
// status, sending a unit) done in place. Focus and selection survive every live update.
(function () {
  "use strict";
  var page = document.querySelector(".board-page");
  var panels = document.getElementById("board-panels");
  if (!page || !panels) { return; }
  var live = document.getElementById("board-live");
  var state = document.getElementById("live-state");
  var updated = document.getElementById("board-updated");
  var message = document.getElementById("board-message");
  var help = document.getElementById("board-help");
  var helpToggle = document.getElementById("board-help-toggle");
  var dialog = document.getElementById("board-send");
  var dialogBody = document.getElementById("board-send-body");
  var boardPath = page.getAttribute("data-board-path") || "/control";
  var FROM_BOARD = { "X-Requested-With": "board" };
  var selectedId = null;

  // --- Selection: one row of the queue, the only one in the Tab order (a roving tabindex) ---

  function rows() {
    return Array.prototype.slice.call(panels.querySelectorAll("#incidents tr[data-incident]"));
  }

  function selectedRow() {
    return selectedId ? document.getElementById("incident-" + selectedId) : null;
  }

  function markMap() {
    var markers = panels.querySelectorAll(".board-map-incidents circle");
    for (var i = 0; i < markers.length; i++) {
      markers[i].classList.toggle("selected", markers[i].getAttribute("data-incident") === selectedId);
    }
  }

  function select(row, focus) {
    var all = rows();
    for (var i = 0; i < all.length; i++) {
      if (all[i] !== row) { all[i].removeAttribute("aria-current"); all[i].tabIndex = -1; }
    }
    selectedId = row ? row.getAttribute("data-incident") : null;
    if (row) {
      row.setAttribute("aria-current", "true");
      row.tabIndex = 0;
      if (focus) {
        row.focus({ preventScroll: true });
        row.scrollIntoView({ block: "nearest" });
      }
    }
    markMap();
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.indexOf(selectedRow());
    var next = at < 0 ? 0 : Math.max(0, Math.min(all.length - 1, at + step));
    select(all[next], true);
  }

  function typing(element) {
    return Boolean(element && element.closest &&
      element.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]"));
  }

  // --- Messages and actions ----------------------------------------------------------------

  function say(text, failed) {
    message.textContent = text;
    message.classList.toggle("board-message-error", Boolean(failed));
  }

  function answer(response) {
    return response.text().then(function (html) {
      var found = new DOMParser().parseFromString(html, "text/html").querySelector("[data-message]");
      say(found ? found.textContent : (response.ok ? "Done." : "Not done (" + response.status + ")."),
        !response.ok);
      return response.ok;
    });
  }

  function post(url, fields) {
    return fetch(url, {
      method: "POST", body: new URLSearchParams(fields), headers: FROM_BOARD,
      credentials: "same-origin",
    }).then(answer, function () {
      say("Not done: the connection was lost. Try again.", true);
      return false;
    });
  }

  function fields(form, submitter) {
    var data = {};
    var inputs = form.querySelectorAll("input[name]");
    for (var i = 0; i < inputs.length; i++) { data[inputs[i].name] = inputs[i].value; }
    if (submitter && submitter.name) { data[submitter.name] = submitter.value; }
    return data;
  }

  // e, a and c: the first unit of the incident for which the change makes sense.
  var CHANGES = {
    e: { to: "en_route", from: ["committed"], words: "en route" },
    a: { to: "at_scene", from: ["committed", "en_route"], words: "at scene" },
    c: { to: "available", from: ["at_scene", "en_route", "committed"], words: "cleared" },
  };

  function unitsOf(row) {
    var text = row.getAttribute("data-units") || "";
    return text ? text.split(" ").map(function (item) {
      var parts = item.split(":");
      return { id: parts[0], status: parts[1], callSign: parts.slice(2).join(":") };
    }) : [];
  }

  function change(key) {
    var row = selectedRow();
    if (!row) { say("Select an incident first (j or k).", true); return; }
    var rule = CHANGES[key];
    var units = unitsOf(row);
    var unit = null;
    for (var f = 0; f < rule.from.length && !unit; f++) {
      for (var u = 0; u < units.length && !unit; u++) {
        if (units[u].status === rule.from[f]) { unit = units[u]; }
      }
    }
    var reference = row.getAttribute("data-reference");
    if (!unit) { say("No unit on " + reference + " can be set " + rule.words + ".", true); return; }
    say("Setting " + unit.callSign + " " + rule.words + "…");
    post("/control/units/" + unit.id + "/status",
      { status: rule.to, incident_id: row.getAttribute("data-incident"), next: boardPath });
  }

  function openSend() {
    var row = selectedRow();
    if (!row) { say("Select an incident first (j or k).", true); return; }
    var link = row.querySelector("[data-send]");
    if (!link) {
      say("No unit can be sent to " + row.getAttribute("data-reference") +
        " from the board: open it (Enter).", true);
      return;
    }
    fetch(link.href, { headers: FROM_BOARD, credentials: "same-origin" }).then(function (response) {
      return response.text().then(function (html) {
        if (!response.ok) {
          var found = new DOMParser().parseFromString(html, "text/html").querySelector("[data-message]");
          say(found ? found.textContent : "Not available (" + response.status + ").", true);
          return;
        }
        dialogBody.innerHTML = html;
        dialog.showModal();
        var first = dialogBody.querySelector("button");
        if (first) { first.focus(); }
      });
    }, function () { say("Not done: the connection was lost. Try again.", true); });
  }

  function refocus() {
    var row = selectedRow();
    if (row) { row.focus({ preventScroll: true }); }
  }

  function open() {
    var row = selectedRow();
    var link = row && row.querySelector("a[href]");
    if (link) { window.location.assign(link.href); }
  }

  function firstGradeOne() {
    var found = panels.querySelector("#incidents tr[data-grade='1']");
    if (found) { select(found, true); } else { say("No Grade 1 incident is open.", false); }
  }

  function toggleHelp(show) {
    var visible = typeof show === "boolean" ? show : help.hidden;
    help.hidden = !visible;
    helpToggle.setAttribute("aria-expanded", String(visible));
  }

  // --- Keys --------------------------------------------------------------------------------

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target) || (dialog && dialog.open)) { return; }
    var onRow = event.target.matches && event.target.matches("tr[data-incident]");
    var key = event.key;
    if (key === "j" || (onRow && key === "ArrowDown")) { move(1); }
    else if (key === "k" || (onRow && key === "ArrowUp")) { move(-1); }
    else if (key === "o" || (onRow && key === "Enter")) { open(); }
    else if (key === "g") { firstGradeOne(); }
    else if (key === "d") { openSend(); }
    else if (CHANGES[key]) { change(key); }
    else if (key === "?") { toggleHelp(); }
    else if (key === "Escape" && !help.hidden) { toggleHelp(false); }
    else { return; }
    event.preventDefault();
  });

  // A click or Tab into a row selects it; a click on a marker selects its row.
  panels.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("tr[data-incident]");
    if (row && row.getAttribute("data-incident") !== selectedId) { select(row, false); }
  });
  panels.addEventListener("click", function (event) {
    var marker = event.target.closest && event.target.closest("circle[data-incident]");
    if (marker) {
      select(document.getElementById("incident-" + marker.getAttribute("data-incident")), true);
      return;
    }
    var send = event.target.closest && event.target.closest("[data-send]");
    if (send) {
      event.preventDefault();
      select(send.closest("tr[data-incident]"), false);
      openSend();
    }
  });
  // The unit buttons post in place: the page stays, and so do focus and selection.
  panels.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-unit-form]")) { return; }
    event.preventDefault();
    post(form.action, fields(form, event.submitter));
  });
  dialog.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-board-form]")) { return; }
    event.preventDefault();
    post(form.action, fields(form, event.submitter)).then(function (done) {
      if (done) { dialog.close(); }
    });
  });
  dialog.addEventListener("close", refocus);
  document.getElementById("skip-to-queue").addEventListener("click", function (event) {
    event.preventDefault();
    select(selectedRow() || rows()[0] || null, true);
    if (!selectedRow()) { document.getElementById("incidents").focus(); }
  });
  helpToggle.hidden = false;
  document.getElementById("board-hint").hidden = false;
  help.hidden = true;
  helpToggle.addEventListener("click", function () { toggleHelp(); });

  // --- Countdown and clock -----------------------------------------------------------------

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // As board_pages._span: 4:07 under an hour, 2 h 05 min under a day, 3 d 4 h beyond.
  function span(seconds) {
    if (seconds < 3600) { return Math.floor(seconds / 60) + ":" + pad(seconds % 60); }
    var hours = Math.floor(seconds / 3600);
    if (hours < 24) { return hours + " h " + pad(Math.floor(seconds / 60) % 60) + " min"; }
    return Math.floor(hours / 24) + " d " + (hours % 24) + " h";
  }

  function tick() {
    var now = Date.now();
    var clocks = panels.querySelectorAll(".countdown[data-due]");
    for (var i = 0; i < clocks.length; i++) {
      var due = clocks[i].getAttribute("data-due");
      if (!due || clocks[i].getAttribute("data-attended") === "yes") { continue; }
      var seconds = Math.trunc((Date.parse(due) - now) / 1000);
      var text = seconds >= 0 ? span(seconds) + " left" : span(-seconds) + " over";
      if (clocks[i].textContent !== text) { clocks[i].textContent = text; }
      clocks[i].closest("tr").classList.toggle("overdue", seconds < 0);
    }
  }

  function clock() {
    var now = new Date();
    updated.setAttribute("datetime", now.toISOString());
    updated.textContent = now.toLocaleTimeString("en-GB", { timeZone: "Europe/London", hour12: false });
  }

  // --- Live updates ------------------------------------------------------------------------

  // What had focus inside the panels, as a selector that finds its twin in the new panels.
  function focusKey(element) {
    if (!element || element === panels || !panels.contains(element)) { return null; }
    var form = element.closest("[data-unit-form]");
    if (form && element.value) {
      return "[data-unit-form='" + form.getAttribute("data-unit-form") + "'] button[value='" +
        element.value + "']";
    }
    var row = element.closest("tr[data-incident]");
    if (row && element !== row && element.getAttribute("href")) {
      return "#" + row.id + " [href='" + element.getAttribute("href") + "']";
    }
    return row ? "#" + row.id : "#incidents";
  }

  function replace(html) {
    var active = document.activeElement;
    var key = focusKey(active);
    var before = rows().indexOf(selectedRow());
    panels.innerHTML = html;
    var row = selectedRow();
    if (!row && selectedId !== null) {
      // The selected incident left the board (closed): select the one now in its place.
      var all = rows();
      row = all.length ? all[Math.min(Math.max(before, 0), all.length - 1)] : null;
    } else if (!row) {
      row = rows()[0] || null;
    }
    select(row, false);
    // Focus comes back only if it was in the panels (never taken from a field being typed in).
    if (key !== null && !typing(document.activeElement)) {
      var twin = null;
      try { twin = panels.querySelector(key); } catch (error) { twin = null; }
      if (twin && twin.closest("tr[data-incident]") && !twin.closest("#incident-" + selectedId)) {
        twin = null;  // a link of a row that is no longer the selected one
      }
      (twin || row || document.getElementById("incidents")).focus({ preventScroll: true });
    }
    tick();
  }

  var fromHash = /^#incident-(\d+)$/.exec(window.location.hash);
  select((fromHash && document.getElementById("incident-" + fromHash[1])) || rows()[0] || null, false);
  tick();
  window.setInterval(tick, 1000);

  if (!live || !window.EventSource) { return; }
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
    replace(event.data);
    clock();
  });
})();
