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

  // Chart.js wraps neither a title nor an axis label: on a phone a long one was cut at the canvas edge
  // ("eligione o convinzioni personali"). Split at spaces into lines of at most `max` characters; Chart.js
  // draws an array as lines.
  function lines(text, max) {
    var out = [], line = "";
    String(text).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > max) {
        out.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) out.push(line);
    return out.length > 1 ? out : text;
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
    // About 7 px a character at Chart.js's 12 px font; a horizontal chart's labels get about a third of the width.
    var width = holder.clientWidth || 600;
    var title = lines(holder.getAttribute("data-chart-title") || "", Math.max(20, Math.floor(width / 7.5)));
    if (horizontal) {
      var most = Math.max(12, Math.floor(width / 3 / 7));
      labels = labels.map(function (label) { return lines(label, most); });
    }
    // One bar per category: tall horizontal charts get taller with the number of label lines, and show
    // every label (Chart.js would skip some to avoid overlaps, and a wrapped label is taller).
    var rows = labels.reduce(function (n, label) { return n + (Array.isArray(label) ? label.length : 1); }, 0);
    if (horizontal) holder.classList.add("rete-chart-rows-" + Math.min(40, Math.ceil(rows / 5) * 5));
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
          title: { display: true, text: title }
        },
        scales: { x: { beginAtZero: true }, y: { beginAtZero: true, ticks: { autoSkip: !horizontal } } }
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
