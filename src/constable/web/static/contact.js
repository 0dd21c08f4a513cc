// The THRIVE questions on the contact form and the incident page: keyboard shortcuts, and the
// recommendation kept current from POST /api/triage as the handler types and answers. Without
// this script the form still works: the server recommends on submit.
(function () {
  "use strict";
  var form = document.querySelector("form[data-triage-url]");
  var summaryBox = document.querySelector(".error-summary");
  if (summaryBox) { focusErrors(summaryBox); }
  if (!form) { return; }

  var url = form.getAttribute("data-triage-url");
  var grades = JSON.parse(form.getAttribute("data-grades") || "{}");
  var panel = document.getElementById("triage-panel");
  var summary = document.getElementById("triage-summary");
  var detail = document.getElementById("triage-detail");
  var questions = form.querySelectorAll("fieldset[data-shortcut]");
  var grade = form.querySelector("#grade");
  var reasonGroup = form.querySelector("[data-override-reason]");
  var recommended = panel && panel.getAttribute("data-grade") ? Number(panel.getAttribute("data-grade")) : null;
  var asks = {};
  for (var q = 0; q < questions.length; q++) {
    asks[questions[q].id.replace(/^answer-/, "")] = questions[q];
  }

  // The error summary takes focus, and its links focus their field (a browser only scrolls).
  function focusErrors(box) {
    box.focus();
    box.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      var field = target.matches("input, textarea, select") ? target : target.querySelector("input:checked, input, textarea, select");
      if (field) {
        event.preventDefault();
        target.scrollIntoView();
        field.focus();
      }
    });
  }

  // --- Keys ----------------------------------------------------------------------------------

  // A text box takes letters as text: the shortcuts work only outside one.
  function typing(element) {
    if (!element) { return false; }
    if (element.isContentEditable || /^(TEXTAREA|SELECT)$/.test(element.tagName)) { return true; }
    return element.tagName === "INPUT" && !/^(radio|checkbox|button|submit|reset)$/.test(element.type);
  }

  function firstRadio(group) {
    return group.querySelector("input[type=radio]");
  }

  // Y chooses yes, N no (or "none"), 1 to 9 the nth answer, 0 "not known".
  function choose(group, key) {
    var radios = group.querySelectorAll("input[type=radio]");
    var target = null;
    if (key === "y") {
      target = group.querySelector("input[type=radio][value='yes']");
    } else if (key === "n") {
      target = group.querySelector("input[type=radio][value='no'], input[type=radio][value='none']");
    } else if (key === "0") {
      target = group.querySelector("input[type=radio][value='']");
    } else if (/^[1-9]$/.test(key) && radios[Number(key) - 1] && radios[Number(key) - 1].value !== "") {
      target = radios[Number(key) - 1];
    }
    if (!target) { return false; }
    target.checked = true;
    target.focus();
    target.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) { return; }
    var active = document.activeElement;
    if (typing(active)) {
      if (event.key === "Escape" && form.contains(active) && questions.length) {
        event.preventDefault();
        (form.querySelector("fieldset[data-shortcut] input:checked") || firstRadio(questions[0])).focus();
      }
      return;
    }
    var key = event.key.length === 1 ? event.key.toLowerCase() : "";
    if (!key) { return; }
    var group = active && active.type === "radio" ? active.closest("fieldset[data-shortcut]") : null;
    if (group && choose(group, key)) {
      event.preventDefault();
      return;
    }
    for (var i = 0; i < questions.length; i++) {
      if (questions[i].getAttribute("data-shortcut") === key) {
        event.preventDefault();
        firstRadio(questions[i]).focus();
        return;
      }
    }
  });

  // --- The recommendation --------------------------------------------------------------------

  function request() {
    var data = new FormData(form);
    var answers = {};
    data.forEach(function (value, name) {
      if (name.indexOf("answers.") === 0 && value) { answers[name.slice(8)] = value; }
    });
    // On the incident page: every caller's words so far, and what has changed.
    var description = [form.getAttribute("data-description"), data.get("description")]
      .filter(function (words) { return words; }).join(" \n");
    return {
      channel: data.get("channel") || form.getAttribute("data-channel") || "999",
      description: description,
      category: data.get("category") || form.getAttribute("data-category") || null,
      answers: answers
    };
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function list(heading, id, items) {
    var fragment = document.createDocumentFragment();
    if (!items.length) { return fragment; }
    fragment.appendChild(element("h3", heading));
    var ul = element("ul");
    ul.id = id;
    items.forEach(function (item) { ul.appendChild(item); });
    fragment.appendChild(ul);
    return fragment;
  }

  function labelOf(key, value) {
    var radio = asks[key] && asks[key].querySelector("input[type=radio][value='" + value + "'] + label");
    return radio ? radio.firstChild.textContent.trim() : value;
  }

  function askOf(key) {
    var legend = asks[key] && asks[key].querySelector("legend");
    return legend ? legend.textContent.trim() : key;
  }

  function show(preview) {
    recommended = preview.grade;
    panel.setAttribute("data-grade", String(preview.grade));
    var line = element("p", "", "triage-grade");
    line.appendChild(element("strong", String(preview.grade), "grade-tag grade-" + preview.grade));
    line.appendChild(document.createTextNode(" " + preview.grade_label));
    summary.replaceChildren(line);

    var parts = [];
    parts.push(list("Why", "triage-reasons", preview.reasons.map(function (r) { return element("li", r); })));
    var read = Object.keys(preview.factors).filter(function (key) {
      return preview.factors[key].source === "narrative" && asks[key];
    });
    parts.push(list("Read from what the caller said", "triage-factors", read.map(function (key) {
      var factor = preview.factors[key];
      var li = element("li", askOf(key) + " ");
      li.appendChild(element("strong", labelOf(key, factor.value)));
      if (factor.evidence) { li.appendChild(document.createTextNode(", from “" + factor.evidence + "”")); }
      return li;
    })));
    var suggested = form.querySelector("#category option[data-suggested]");
    if (suggested && preview.category_suggested) {
      suggested.textContent = preview.category_label + " (suggested from what the caller said)";
    }
    parts.push(element("p", "Rules version " + preview.rules_version, "secondary"));
    detail.replaceChildren.apply(detail, parts);
    if (grade) {
      grade.querySelector("option[data-recommended]").textContent = "The recommendation: " + preview.grade_label;
    }
    overrideShown();
  }

  var latest = 0;
  var timer = null;

  function refresh() {
    var body = request();
    if (!body.description.trim() && !Object.keys(body.answers).length) { return; }
    var sent = ++latest;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (answer) {
      return answer.ok ? answer.json() : null;
    }).then(function (preview) {
      if (preview && sent === latest) { show(preview); }  // an older answer arriving late is dropped
    }).catch(function () { /* offline for a moment: the server recommends on submit */ });
  }

  function soon(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, delay);
  }

  // The reason for another grade is asked only when the grade differs from the recommendation.
  function overrideShown() {
    if (!grade || !reasonGroup) { return; }
    reasonGroup.hidden = !(grade.value !== "" && Number(grade.value) !== recommended);
  }

  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" && event.target.name === "description") { soon(250); }
  });
  form.addEventListener("change", function (event) {
    var name = event.target.name || "";
    if (name === "channel" || name === "category" || name.indexOf("answers.") === 0) { soon(50); }
    if (name === "grade") { overrideShown(); }
  });
  overrideShown();
})();
