/* The portal's own behaviour, loaded by base.html on every page. It lives here, not in inline
   <script>s or on* attributes, because the Content-Security-Policy allows scripts from the hub's
   own files only (settings.CONTENT_SECURITY_POLICY). Everything works without it: it moves the
   focus and speaks after an htmx swap, keeps clocks running, and lets the keyboard scroll. */
(function () {
  "use strict";

  /* Live countdowns ([data-deadline], enforcement/orders/_countdown.html). The server wrote the
     first words, so the page reads right without this; these are the same words as
     enforcement.views.countdown_text, filled in from the same patterns (views.countdown_words,
     in the page's language, in the JSON element #countdown-words): keep the two in step.
     One timer serves the page and finds the clocks on each tick, so a clock that htmx swaps
     out stops being written and one swapped in is picked up; a second timer would only pile
     up. It starts with the first clock, on load or when a swap brings one in. */
  var countdownTimer = null;

  function fill(pattern, values) {
    return pattern.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  }

  function amount(words, s) {
    if (s < 60) { return fill(words.seconds, {seconds: s}); }
    if (s < 5400) { return fill(words.minutes, {minutes: Math.floor(s / 60)}); }
    if (s < 172800) {
      var minutes = Math.floor(s / 60), h = Math.floor(minutes / 60), m = minutes % 60;
      return fill(m ? words.hours_minutes : words.hours, {hours: h, minutes: m});
    }
    return fill(words.days, {days: Math.floor(s / 86400)});
  }

  function tick() {
    var source = document.getElementById("countdown-words");
    if (!source) { return; }
    var words = JSON.parse(source.textContent);
    var clocks = document.querySelectorAll("[data-deadline]"), now = Date.now();
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i], deadline = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(deadline)) { continue; }
      var seconds = Math.trunc((deadline - now) / 1000), late = seconds < 0;
      el.textContent = fill(late ? words.overdue : words.left, {amount: amount(words, Math.abs(seconds))});
      el.classList.toggle("overdue", late);
    }
  }

  function startCountdown() {
    if (countdownTimer !== null || !document.querySelector("[data-deadline]")) { return; }
    tick();
    countdownTimer = window.setInterval(tick, 1000);
  }

  /* Enter in a text box that a button names in data-enter-clicks (the blocking order picker's
     search box) presses that button, not the form's first one. Listening on the document
     covers boxes that a swap brings in. */
  function enterClicks(event) {
    var box = event.target;
    if (event.key !== "Enter" || !box.id) { return; }
    var buttons = document.querySelectorAll("button[data-enter-clicks]");
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].getAttribute("data-enter-clicks") === box.id) {
        event.preventDefault();
        buttons[i].click();
        return;
      }
    }
  }

  /* The sign-in form's hidden field [data-browser-time-zone] carries the browser's time zone
     (an IANA name such as "America/Sao_Paulo"), which becomes the person's zone at their first
     sign-in; the hub checks the name against its zone database. Without this script the field
     stays empty and the organisation's country's zone is used. */
  function fillBrowserTimeZone() {
    var fields = document.querySelectorAll("input[data-browser-time-zone]");
    if (!fields.length || !window.Intl || !Intl.DateTimeFormat) { return; }
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    for (var i = 0; i < fields.length; i++) {
      if (!fields[i].value) { fields[i].value = zone; }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fillBrowserTimeZone);
  } else {
    fillBrowserTimeZone();
  }

  /* What a screen reader should hear without going there is written into the page's one live
     region (#announcer, base.html, outside <main>). Emptied first and written a moment later, so
     that the same words twice (the same count after another filter) are read again. */
  function announce(text) {
    var region = document.getElementById("announcer");
    text = text.replace(/\s+/g, " ").trim();
    if (!region || !text) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 150);
  }

  function textOf(nodes) {
    var parts = [];
    for (var i = 0; i < nodes.length; i++) { parts.push(nodes[i].textContent); }
    return parts.join(" ");
  }

  /* After a swap that the person asked for (a form sent, a button or link pressed), the focus
     goes to what came in, to the first of: an error, the messages, the status line (a result
     count), the heading, else the swapped element itself; a screen reader reads it there and the
     next Tab goes on from it. A swap that a change of a filter's field made only says its
     messages or count through the live region: moving the focus then would take it out of the
     field while it is being used (a select changed with the arrow keys fires a change on each
     press; WCAG 3.2.2). Background swaps (the unread badge's poll) neither move nor speak. */
  var FOCUS_ORDER = ["[role=alert], .errors", ".messages", "[role=status]", "h1"];
  var lastSwap = null;

  function focusTargetIn(el) {
    for (var i = 0; i < FOCUS_ORDER.length; i++) {
      if (el.matches(FOCUS_ORDER[i])) { return el; }
      var found = el.querySelector(FOCUS_ORDER[i]);
      if (found) { return found; }
    }
    return el;
  }

  /* On a narrow screen the Inbox link is folded in the menu: the Menu button shows its unread
     count (base.html, #menu-unread), kept equal to the badge, which htmx polls and swaps. */
  function mirrorUnread() {
    var mirror = document.getElementById("menu-unread");
    if (!mirror) { return; }
    var badge = document.querySelector("#unread-badge .tag");
    mirror.hidden = !badge;
    if (badge) {
      mirror.querySelector(".tag").textContent = badge.textContent;
      mirror.querySelector(".vh").textContent = badge.getAttribute("aria-label") || badge.textContent;
    }
  }

  function afterSwap(event) {
    mirrorUnread();
    var el = event.target, config = event.detail && event.detail.requestConfig;
    // htmx:afterSettle fires on each element a swap brought in: the first speaks for the swap.
    if (!config || config === lastSwap || !(el instanceof Element) || !el.isConnected) { return; }
    lastSwap = config;
    if (config.headers && config.headers["Atalaya-Background"]) { return; }
    var cause = config.triggeringEvent && config.triggeringEvent.type;
    if (cause === "submit" || cause === "click") {
      var target = focusTargetIn(el);
      if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
      target.focus();
      return;
    }
    var messages = el.querySelectorAll(".messages li");
    var status = el.matches("[role=status]") ? el : el.querySelector("[role=status]");
    announce(messages.length ? textOf(messages) : (status ? status.textContent : ""));
  }

  /* The messages of a page just loaded (what a form's redirect says was done) are read out
     once the page has settled. */
  function announceMessages() {
    var messages = document.querySelectorAll("main .messages li");
    if (messages.length) { window.setTimeout(function () { announce(textOf(messages)); }, 500); }
  }

  /* A table or code block wider than its box scrolls sideways; with nothing focusable inside,
     the keyboard could not scroll it (axe: scrollable-region-focusable), so it joins the tab
     order while, and only while, it overflows. */
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

  function markScrollable() {
    var boxes = document.querySelectorAll("main table, main pre");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i], mine = box.hasAttribute("data-scroll-focus");
      if (!mine && box.hasAttribute("tabindex")) { continue; }
      var overflows = box.scrollWidth > box.clientWidth + 1 && !box.querySelector(FOCUSABLE);
      if (overflows && !mine) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else if (!overflows && mine) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    }
  }

  var resizeFrame = null;
  function onResize() {
    if (resizeFrame === null) {
      resizeFrame = window.requestAnimationFrame(function () { resizeFrame = null; markScrollable(); });
    }
  }

  function onLoad() {
    startCountdown();
    markScrollable();
  }

  document.addEventListener("keydown", enterClicks);
  // htmx:load fires for the page and for every piece of content a swap brings in.
  document.addEventListener("htmx:load", onLoad);
  document.addEventListener("htmx:afterSettle", afterSwap);
  window.addEventListener("resize", onResize);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { onLoad(); announceMessages(); });
  } else {
    onLoad();
    announceMessages();
  }
})();

/* The report form's coverage warnings (reports/_coverage_live.html): which chosen category or
   jurisdiction none of the organisation's agreements in force covers, said before the form is
   sent. The map (#coverage-map: covered categories and jurisdictions, null for all) and the
   messages (data-msg-*) come from the server, in the page's language; the same test is
   reports.audience.CoverageMap.gaps, which says the same after a send: keep the two in step. */
(function () {
  "use strict";

  function fill(pattern, values) {
    return pattern.replace(/\{(\w+)\}/g, function (match, name) { return String(values[name]); });
  }

  function codes(text) {
    return (text || "").toUpperCase().split(/[\s,;]+/).filter(function (code) {
      return /^[A-Z]{2}$/.test(code);
    });
  }

  function coverageLines(box, map, form) {
    var tlp = form.elements.tlp, sharing = form.elements.sharing;
    // TLP:CLEAR reaches every member and private sharing no one: nothing to warn of.
    if ((tlp && tlp.value === "0") || (sharing && sharing.value === "private")) { return []; }
    var lines = [], category = form.elements.category;
    if (category && category.value && map.categories && map.categories.indexOf(category.value) < 0) {
      lines.push(fill(box.dataset.msgCategory, {category: category.options[category.selectedIndex].text}));
    }
    var chosen = codes(form.elements.jurisdictions && form.elements.jurisdictions.value);
    if (!map.jurisdictions) { return lines; }
    if (!chosen.length) {
      lines.push(box.dataset.msgGlobal);
      return lines;
    }
    var uncovered = chosen.filter(function (c) { return map.jurisdictions.indexOf(c) < 0; });
    var covered = chosen.filter(function (c) { return map.jurisdictions.indexOf(c) >= 0; });
    if (uncovered.length) {
      lines.push(covered.length
        ? fill(box.dataset.msgSome, {codes: uncovered.join(", "), others: covered.join(", ")})
        : fill(box.dataset.msgNone, {codes: uncovered.join(", ")}));
    }
    return lines;
  }

  function updateCoverage(event) {
    var box = document.getElementById("coverage-warnings");
    var data = document.getElementById("coverage-map");
    if (!box || !data || (event && event.target.form !== box.closest("form"))) { return; }
    var lines = coverageLines(box, JSON.parse(data.textContent), box.closest("form"));
    var shown = Array.prototype.map.call(box.querySelectorAll("li"), function (li) { return li.textContent; });
    if (shown.join("\n") === lines.join("\n")) { return; }
    box.replaceChildren();
    if (!lines.length) { return; }
    var list = document.createElement("ul");
    list.className = "warnings coverage-warnings";
    lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  document.addEventListener("change", updateCoverage);
  document.addEventListener("input", updateCoverage);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { updateCoverage(null); });
  } else {
    updateCoverage(null);
  }
})();

/* Background polls (htmx requests carrying the Atalaya-Background header: the unread badge, an
   order's status board) wait while the tab is hidden: nobody reads them, and a hub with many
   open tabs would answer them all the same. When the tab is shown again, `page-visible` is
   fired on the document; an element that lists it in its hx-trigger (the status board) is
   fetched at once instead of at its next turn. */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeRequest", function (event) {
    var config = event.detail && event.detail.requestConfig;
    if (document.hidden && config && config.headers && config.headers["Atalaya-Background"]) {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { document.dispatchEvent(new CustomEvent("page-visible")); }
  });
})();
