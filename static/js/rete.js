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

  // htmx requests carry the CSRF token as a header (Flask-WTF accepts X-CSRFToken).
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token && event.detail && event.detail.headers) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  // <form data-confirm="Sei sicura/o?"> asks before submitting (no inline onsubmit handlers).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
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
  // Tabbing out of an open group on a wide screen closes it (it would stay drawn over the page).
  document.addEventListener("focusout", function (event) {
    var group = event.target instanceof Element ? event.target.closest("details.rete-menu-group[open]") : null;
    if (group && event.relatedTarget && !group.contains(event.relatedTarget) &&
        window.matchMedia("(min-width: 992px)").matches) {
      group.open = false;
    }
  });

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  ready(function () {
    document.querySelectorAll("[data-print][hidden]").forEach(function (button) {
      button.hidden = false;
    });
    // A form came back with errors: move focus to the summary so screen readers announce it.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
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
