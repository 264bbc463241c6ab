/* Overview charts (vendored ECharts): investment by category, projects and investment by stage. */
(function () {
  "use strict";

  function init() {
    var source = document.getElementById("overview-chart-data");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var charts = [];
    var palette = ["#1d4f91", "#d08a2e", "#2f8f5b", "#b8262b", "#6a5acd", "#0c6157"];
    // On a phone the legend goes under the chart (clear of the axis names) and the labels slant, so none overlap.
    function narrow(el) { return el.clientWidth < 560; }
    function legend(el) { return narrow(el) ? { bottom: 0 } : { top: 0 }; }
    function grid(el) {
      return narrow(el)
        ? { left: 8, right: 8, bottom: 40, top: 28, containLabel: true }
        : { left: 8, right: 8, bottom: 8, top: 36, containLabel: true };
    }

    var categoryEl = document.getElementById("chart-category");
    if (categoryEl) {
      var c1 = echarts.init(categoryEl);
      c1.setOption({
        color: palette,
        tooltip: { trigger: "axis" },
        legend: legend(categoryEl),
        grid: grid(categoryEl),
        xAxis: {
          type: "category",
          data: data.categories,
          axisLabel: narrow(categoryEl)
            ? { interval: 0, rotate: 35, width: 80, overflow: "truncate" }
            : { interval: 0, width: 90, overflow: "break" }
        },
        yAxis: { type: "value", name: data.labels.yi },
        series: [
          { name: data.labels.total, type: "bar", data: data.category_total.map(Number) },
          { name: data.labels.annual, type: "bar", data: data.category_annual.map(Number) }
        ]
      });
      charts.push(c1);
    }

    var stageEl = document.getElementById("chart-stage");
    if (stageEl) {
      var c2 = echarts.init(stageEl);
      c2.setOption({
        color: palette,
        tooltip: { trigger: "axis" },
        legend: legend(stageEl),
        grid: grid(stageEl),
        xAxis: { type: "category", data: data.stages, axisLabel: { interval: 0, rotate: narrow(stageEl) ? 40 : 0 } },
        yAxis: [
          { type: "value", name: data.labels.count, minInterval: 1 },
          { type: "value", name: data.labels.yi, splitLine: { show: false } }
        ],
        series: [
          { name: data.labels.count, type: "bar", data: data.stage_count },
          { name: data.labels.total, type: "line", yAxisIndex: 1, data: data.stage_total.map(Number) }
        ]
      });
      charts.push(c2);
    }

    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
