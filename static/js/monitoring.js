/*
 * Monitoring dashboards: draws a Chart.js chart (static/vendor/js/chart.umd.min.js, no CDN) for every
 * <div class="rete-chart" data-chart=... hidden> on the page, from its data-* attributes. No inline
 * script or style (CSP). The table next to each chart holds the same numbers and is always present:
 * without JavaScript, or if Chart.js fails to load, the page simply shows the tables.
 * Charts are redrawn after htmx swaps the panels (filters changed).
 */
(function () {
  "use strict";

  // Colours with at least 3:1 contrast against white (WCAG 1.4.11 non-text contrast).
  var COLOURS = ["#0066cc", "#b35900", "#00805c", "#8a2be2", "#c0392b", "#5c6f82"];

  function parse(element, name, fallback) {
    try {
      return JSON.parse(element.getAttribute(name) || "");
    } catch (e) {
      return fallback;
    }
  }

  function draw(holder) {
    if (holder.getAttribute("data-chart-drawn") || typeof window.Chart === "undefined") return;
    var kind = holder.getAttribute("data-chart") || "bar";
    var labels = parse(holder, "data-chart-labels", []);
    var series = parse(holder, "data-chart-series", []);
    if (!labels.length || !series.length) return;
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", holder.getAttribute("data-chart-note") || "");
    holder.appendChild(canvas);
    holder.hidden = false;
    holder.setAttribute("data-chart-drawn", "1");
    var horizontal = holder.hasAttribute("data-chart-horizontal");
    // One bar per category: tall horizontal charts get taller with the number of rows.
    if (horizontal) holder.classList.add("rete-chart-rows-" + Math.min(40, Math.ceil(labels.length / 5) * 5));
    new window.Chart(canvas, {
      type: kind,
      data: {
        labels: labels,
        datasets: series.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: COLOURS[i % COLOURS.length],
                   borderColor: COLOURS[i % COLOURS.length], fill: false };
        })
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        plugins: {
          legend: { display: series.length > 1 },
          title: { display: true, text: holder.getAttribute("data-chart-title") || "" }
        },
        scales: { x: { beginAtZero: true }, y: { beginAtZero: true } }
      }
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll(".rete-chart[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
