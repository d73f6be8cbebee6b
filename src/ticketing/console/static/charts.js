// Charts for the SLA dashboard and the what-if page (vendored Chart.js, UMD build).
"use strict";

var COLORS = { response: "#1f5fbf", resolution: "#b3450e" };

function percentAxis() {
  return { y: { min: 0, max: 100, title: { display: true, text: "% met" } } };
}

function barChart(id, labels, datasets) {
  var canvas = document.getElementById(id);
  if (!canvas || !window.Chart) return;
  new window.Chart(canvas, {
    type: "bar",
    data: { labels: labels, datasets: datasets },
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales: percentAxis() },
  });
  canvas.dataset.drawn = "true";
}

function metricSets(series) {
  return ["response", "resolution"].map(function (metric) {
    return { label: metric + " % met", data: series.percent[metric], backgroundColor: COLORS[metric] };
  });
}

document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("chart-data");
  if (!holder) return;
  var data = JSON.parse(holder.textContent);
  if (data.weekly) barChart("chart-weekly", data.weekly.labels, metricSets(data.weekly));
  if (data.priority) barChart("chart-priority", data.priority.labels, metricSets(data.priority));
  if (data.old && data.new) {
    var labels = data.old.labels.slice();
    data.new.labels.forEach(function (l) { if (labels.indexOf(l) < 0) labels.push(l); });
    labels.sort();
    var pick = function (series, metric, label) {
      var i = series.labels.indexOf(label);
      return i < 0 ? null : series.percent[metric][i];
    };
    var sets = [];
    [["response", "#1f5fbf", "#8fb3e8"], ["resolution", "#b3450e", "#f0b48f"]].forEach(function (m) {
      sets.push({ label: "live " + m[0] + " % met", data: labels.map(function (l) { return pick(data.old, m[0], l); }), backgroundColor: m[1] });
      sets.push({ label: "candidate " + m[0] + " % met", data: labels.map(function (l) { return pick(data.new, m[0], l); }), backgroundColor: m[2], borderColor: m[1], borderWidth: 2 });
    });
    barChart("chart-whatif", labels, sets);
  }
});
