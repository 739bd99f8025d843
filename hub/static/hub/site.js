/* The portal's own behaviour, loaded by base.html on every page. It lives here, not in inline
   <script>s or on* attributes, because the Content-Security-Policy allows scripts from the hub's
   own files only (settings.CONTENT_SECURITY_POLICY). Everything works without it. */
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

  document.addEventListener("keydown", enterClicks);
  // htmx:load fires for the page and for every piece of content a swap brings in.
  document.addEventListener("htmx:load", startCountdown);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startCountdown);
  } else {
    startCountdown();
  }
})();
