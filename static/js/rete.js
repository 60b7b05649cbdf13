/*
 * Rete: the portal's own JavaScript (no inline scripts anywhere: CSP script-src 'self').
 * Loaded with `defer` after bootstrap-italia.lean.min.js and htmx.min.js.
 * Bootstrap Italia's loadFonts() is deliberately NOT called: the fonts are declared in
 * static/css/fonts.css (loadFonts would inject an inline <style>, blocked by the CSP).
 */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // The idle timeout, announced (WCAG 2.2.1): two minutes before the server would sign the session out, a
  // dialog offers to stay signed in. The server's session row is the clock, shared by the user's tabs, so the
  // page asks it how long is left before warning. Typing and clicking are activity (at most one request a
  // minute); the header bell's poll is not (user_sessions.passive).
  function watchSessionTimeout(box) {
    if (!box || typeof box.showModal !== "function") return;
    var WARN = 120;
    var timer = null;
    var lastExtended = Date.now();
    var returnFocus = null;
    function schedule(seconds) {
      clearTimeout(timer);
      timer = setTimeout(check, Math.max(seconds, 5) * 1000);
    }
    function answer(response) {
      return response.ok ? response.json() : { remaining: 0 };
    }
    function close() {
      if (box.open) box.close();
      if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
    }
    function react(data) {
      var left = data.remaining || 0;
      if (left > WARN) {
        close();
        schedule(left - WARN);
        return;
      }
      box.setAttribute("data-state", left <= 0 ? "ended" : data.limit ? "limit" : "warning");
      if (!box.open) {
        returnFocus = document.activeElement;
        box.showModal();
      }
      if (left > 0) schedule(left);
    }
    function check() {
      fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", cache: "no-store" })
        .then(answer).then(react).catch(function () { schedule(60); });
    }
    function extend() {
      lastExtended = Date.now();
      return fetch(box.getAttribute("data-extend-url"), {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
      }).then(answer);
    }
    box.querySelector("[data-session-extend]").addEventListener("click", function () {
      extend().then(react).catch(function () { schedule(60); });
    });
    box.querySelector("[data-session-close]").addEventListener("click", close);
    ["keydown", "pointerdown"].forEach(function (type) {
      document.addEventListener(type, function () {
        if (box.open || Date.now() - lastExtended < 60000) return;
        extend().then(function (data) { if (data.remaining > WARN) schedule(data.remaining - WARN); })
          .catch(function () {});
      }, true);
    });
    // The page's own request moved the row's clock at most a minute ago (user_sessions.TOUCH_SECONDS).
    schedule(Number(box.getAttribute("data-timeout")) - 60 - WARN);
  }

  // htmx requests carry the CSRF token as a header (Flask-WTF accepts X-CSRFToken).
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token && event.detail && event.detail.headers) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  // A part of the page htmx could not update (refused, or the server away): say so above it, as an alert that
  // screen readers announce, instead of leaving the old content as if it were the answer. Polling
  // (hx-trigger "every ...") tries again by itself and stays quiet; the next update removes the note.
  function htmxTrouble(event) {
    var detail = event.detail || {};
    var elt = detail.elt;
    var meta = document.querySelector('meta[name="rete-htmx-error"]');
    if (!elt || !meta || /\bevery\b/.test(elt.getAttribute("hx-trigger") || "")) return;
    var target = detail.target || elt;
    if (!target.parentNode) return;
    var status = detail.xhr ? detail.xhr.status : 0;
    var note = target.previousElementSibling;
    if (!note || !note.classList.contains("rete-htmx-error")) {
      note = document.createElement("div");
      note.className = "alert alert-warning rete-htmx-error";
      note.setAttribute("role", "alert");
      target.parentNode.insertBefore(note, target);
    }
    note.textContent = meta.getAttribute(status === 0 || status === 503 ? "data-unavailable" : "content");
  }
  document.addEventListener("htmx:responseError", htmxTrouble);
  document.addEventListener("htmx:sendError", htmxTrouble);
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    var note = target && target.previousElementSibling;
    if (note && note.classList.contains("rete-htmx-error")) note.remove();
  });

  // <input type=file data-max-bytes data-too-big="«{name}»: …">: a file past the limit is named under the
  // input as soon as it is chosen, not after minutes of upload on a phone (the server checks again).
  function checkFileSizes(input) {
    var limit = Number(input.getAttribute("data-max-bytes"));
    var message = Array.prototype.filter.call(input.files || [], function (file) { return file.size > limit; })
      .map(function (file) { return input.getAttribute("data-too-big").replace("{name}", file.name); }).join(" ");
    var note = document.getElementById(input.id + "-size");
    if (!note) {
      note = document.createElement("div");
      note.id = input.id + "-size";
      note.className = "invalid-feedback d-block";
      note.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = message;
    input.classList.toggle("is-invalid", Boolean(message));
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== note.id;
    });
    if (message) ids.push(note.id);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
    if (message) input.setAttribute("aria-invalid", "true");
    else if (!document.getElementById(input.id + "-error")) input.removeAttribute("aria-invalid");
    return !message;
  }
  document.addEventListener("change", function (event) {
    if (event.target instanceof HTMLInputElement && event.target.hasAttribute("data-max-bytes")) {
      checkFileSizes(event.target);
    }
  });

  // <form data-confirm="Sei sicura/o?"> asks before submitting (no inline onsubmit handlers).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var tooBig = Array.prototype.filter.call(form.querySelectorAll("input[data-max-bytes]"), function (input) {
      return !checkFileSizes(input);
    });
    if (tooBig.length) {  // the forms are novalidate: the browser would send them anyway
      event.preventDefault();
      tooBig[0].focus();
      return;
    }
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      return;
    }
  });

  // <button data-print hidden> (scheda analitica): shown only with JavaScript, prints the page.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (button) {
      window.print();
    }
  });

  // Main menu groups (<details class="rete-menu-group">, templates/core/_menu.html) open and close without
  // JavaScript; here they only behave like dropdowns: one open at a time, Escape or a click elsewhere closes.
  function openGroups() {
    return Array.prototype.slice.call(document.querySelectorAll("details.rete-menu-group[open]"));
  }
  // "toggle" does not bubble: listen while it travels down (capture).
  document.addEventListener("toggle", function (event) {
    var group = event.target;
    if (!(group instanceof HTMLDetailsElement) || !group.classList.contains("rete-menu-group") || !group.open) return;
    openGroups().forEach(function (other) {
      if (other !== group) other.open = false;
    });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openGroups().forEach(function (group) {
      group.open = false;
      if (group.contains(document.activeElement)) group.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    openGroups().forEach(function (group) {
      if (!group.contains(event.target)) group.open = false;
    });
  });
  // Tabbing out of an open group drawn over the page closes it (it would stay there): the main menu's groups on
  // a wide screen (on a phone they unfold in place), the user menu (templates/core/_header.html) at any width.
  document.addEventListener("focusout", function (event) {
    var group = event.target instanceof Element ? event.target.closest("details.rete-menu-group[open]") : null;
    var panel = group ? group.querySelector(".rete-menu-panel") : null;
    if (panel && event.relatedTarget && !group.contains(event.relatedTarget) &&
        window.getComputedStyle(panel).position === "absolute") {
      group.open = false;
    }
  });

  // Tabs (templates/macros/tabs.html): without JavaScript a list of links to panels all shown; here WAI-ARIA
  // tabs with one panel shown. Opens on the panel the server marked (a refused form), else the #fragment's,
  // else the first. The address follows the tab (replaceState: no history entry per tab).
  function setUpTabs(root) {
    var list = root.querySelector(".rete-tab-list");
    var tabs = Array.prototype.slice.call(list.querySelectorAll("a[href^='#']"));
    var panels = tabs.map(function (tab) { return document.getElementById(tab.getAttribute("href").slice(1)); });
    if (!tabs.length || panels.indexOf(null) !== -1) return null;
    list.setAttribute("role", "tablist");
    tabs.forEach(function (tab, i) {
      tab.parentElement.setAttribute("role", "presentation");
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panels[i].id);
      panels[i].setAttribute("role", "tabpanel");
      panels[i].setAttribute("aria-labelledby", tab.id);
      // No tabindex on the panels: their forms' controls are reachable, and a focusable panel named by the
      // address's #fragment would take the focus from a refused form's error summary as the page loads.
    });
    function select(index, focus) {
      tabs.forEach(function (tab, i) {
        var on = i === index;
        tab.classList.toggle("active", on);
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.setAttribute("tabindex", on ? "0" : "-1");
        panels[i].hidden = !on;
      });
      if (focus) tabs[index].focus();
    }
    function indexOf(id) {
      for (var i = 0; i < panels.length; i++) if (panels[i].id === id) return i;
      return -1;
    }
    list.addEventListener("click", function (event) {
      var tab = event.target instanceof Element ? event.target.closest("[role=tab]") : null;
      if (!tab) return;
      event.preventDefault();
      select(tabs.indexOf(tab), true);
      history.replaceState(null, "", tab.getAttribute("href"));
    });
    list.addEventListener("keydown", function (event) {
      var current = tabs.indexOf(document.activeElement);
      if (current === -1) return;
      var next = {ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: tabs.length - 1}[event.key];
      if (next === undefined) return;
      event.preventDefault();
      next = (next + tabs.length) % tabs.length;
      select(next, true);
      history.replaceState(null, "", tabs[next].getAttribute("href"));
    });
    root.classList.add("rete-tabs-ready");
    var start = indexOf(root.getAttribute("data-rete-tab-selected") || "");
    if (start === -1) start = indexOf(window.location.hash.slice(1));
    select(Math.max(start, 0), false);
    return {show: function (id) { var i = indexOf(id); if (i !== -1) select(i, false); return i !== -1; }};
  }

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  ready(function () {
    // First, so that a refused form's tab is shown before its error summary takes the focus (below).
    var tabSets = [];
    document.querySelectorAll("[data-rete-tabs]").forEach(function (root) {
      var set = setUpTabs(root);
      if (set) tabSets.push(set);
    });
    // An in-page link to a panel (#fragment) opens its tab.
    window.addEventListener("hashchange", function () {
      var id = window.location.hash.slice(1);
      tabSets.forEach(function (set) {
        if (set.show(id)) document.getElementById(id).scrollIntoView({ block: "nearest" });
      });
    });
    // Filters sent open (templates/cases/index.html): on a phone, folded so that the list comes first (their
    // summary counts those in use); widened past a phone, opened again (their summary is hidden there).
    var narrow = window.matchMedia("(max-width: 575.98px)");
    var foldable = Array.prototype.slice.call(document.querySelectorAll("details[data-rete-fold-narrow]"));
    foldable.forEach(function (details) {
      if (narrow.matches) details.open = false;
    });
    narrow.addEventListener("change", function () {
      if (!narrow.matches) foldable.forEach(function (details) { details.open = true; });
    });
    document.querySelectorAll("[data-print][hidden]").forEach(function (button) {
      button.hidden = false;
    });
    // A form came back with errors: move focus to the summary so screen readers announce it.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      // A form whose address ends with a #fragment (a tab's panel): Chrome, scrolling to it once the page
      // has loaded, takes the focus back to the body. Give it to the summary again then.
      window.addEventListener("load", function () {
        if (document.activeElement === document.body) summary.focus();
      });
    }
    watchSessionTimeout(document.getElementById("session-timeout"));
    // Links in the error summary focus the control, not just scroll to it.
    document.querySelectorAll("[data-error-summary] a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (target) {
          event.preventDefault();
          var control = target.matches("fieldset") ? target.querySelector("input, select, textarea") : target;
          (control || target).focus();
          target.scrollIntoView({ block: "center" });
        }
      });
    });
  });
})();
