/* Gantt chart of a project's plan (vendored ECharts, common build: stacked horizontal bars on a value axis).
   Per item three bars: baseline (grey), plan = target dates (blue; red on the critical path), actual (green).
   Vertical lines: today, the planned and the forecast groundbreaking dates. Data: #plan-gantt-data. */
(function () {
  "use strict";

  var DAY = 86400000;

  // The tooltip is HTML: every value put into it is escaped (a matter or item named "<img onerror=…>" is text).
  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function ms(iso) {
    if (!iso) return null;
    var p = iso.split("-");
    return Date.UTC(+p[0], +p[1] - 1, +p[2]);
  }

  function label(value) {
    var d = new Date(value);
    return d.getUTCFullYear() + "-" + ("0" + (d.getUTCMonth() + 1)).slice(-2) + "-" + ("0" + d.getUTCDate()).slice(-2);
  }

  function pair(range) {
    var start = ms(range[0]), finish = ms(range[1]);
    if (start === null && finish !== null) start = finish;
    if (finish === null && start !== null) finish = start;
    return start === null ? null : [start, finish + DAY];
  }

  function init() {
    var el = document.getElementById("plan-gantt");
    var source = document.getElementById("plan-gantt-data");
    if (!el || !source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var rows = data.rows;
    if (!rows.length) return;
    var text = data.labels || {};
    el.style.height = Math.max(240, rows.length * 34 + 90) + "px";

    var kinds = [
      { key: "baseline", name: text.baseline || "基线", color: "#9aa5b1" },
      { key: "plan", name: text.plan || "计划", color: "#1d4f91" },
      { key: "actual", name: text.actual || "实际", color: "#2f8f5b" }
    ];
    var lo = Infinity, hi = -Infinity;
    var series = [];
    kinds.forEach(function (kind) {
      var offsets = [], lengths = [];
      rows.forEach(function (row) {
        var r = pair(row[kind.key]);
        if (!r) { offsets.push("-"); lengths.push("-"); return; }
        lo = Math.min(lo, r[0]); hi = Math.max(hi, r[1]);
        offsets.push(r[0]);
        var item = { value: r[1] - r[0], start: r[0], finish: r[1] - DAY };
        if (kind.key === "plan" && row.critical) item.itemStyle = { color: "#b8262b" };
        lengths.push(item);
      });
      series.push({ type: "bar", stack: kind.key, silent: true, itemStyle: { color: "transparent" },
                    data: offsets, barMaxWidth: 8, tooltip: { show: false } });
      series.push({ type: "bar", stack: kind.key, name: kind.name, data: lengths, barMaxWidth: 8,
                    itemStyle: { color: kind.color } });
    });
    var marks = [];
    [["today", text.today || "今天", "#6a5acd"], ["planned", text.planned || "计划开工", "#d08a2e"],
     ["forecast", text.forecast || "预测开工", "#b8262b"]].forEach(function (m) {
      var v = ms(data[m[0]]);
      if (v === null) return;
      lo = Math.min(lo, v); hi = Math.max(hi, v + DAY);
      marks.push({ xAxis: v, name: m[1], lineStyle: { color: m[2] }, label: { formatter: m[1] + " " + data[m[0]] } });
    });
    series[3].markLine = { symbol: "none", silent: true, data: marks, label: { position: "end" } };
    if (!isFinite(lo)) return;

    var chart = echarts.init(el);
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var d = p.data || {};
          return escapeHtml(rows[p.dataIndex].name) + "<br>" + escapeHtml(p.seriesName) + ": " +
            escapeHtml(label(d.start)) + " → " + escapeHtml(label(d.finish));
        }
      },
      legend: { top: 0, data: kinds.map(function (k) { return k.name; }) },
      grid: { left: 8, right: 24, top: 48, bottom: 24, containLabel: true },
      xAxis: { type: "value", min: lo - 3 * DAY, max: hi + 3 * DAY, axisLabel: { formatter: label }, splitNumber: 8 },
      yAxis: {
        type: "category", inverse: true, data: rows.map(function (r) { return r.name; }),
        axisLabel: {
          formatter: function (value, i) { return rows[i] && rows[i].critical ? "{c|" + value + "}" : value; },
          rich: { c: { color: "#b8262b", fontWeight: "bold" } }
        }
      },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
