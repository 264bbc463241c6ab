/* A project's monthly curve (vendored ECharts): each month's investment as bars, the cumulative actual against the
   plan line (annual plan × N/12). The data comes from a json_script element; no inline script (CSP). */
(function () {
  "use strict";

  function numbers(list) {
    return list.map(function (value) { return value === null ? null : Number(value); });
  }

  function init() {
    var source = document.getElementById("progress-curve-data");
    var el = document.getElementById("progress-curve");
    if (!source || !el || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var narrow = el.clientWidth < 560;
    var chart = echarts.init(el);
    chart.setOption({
      color: ["#9bb4d6", "#1d4f91", "#b8262b"],
      tooltip: {
        trigger: "axis",
        valueFormatter: function (value) {
          return value === null || value === undefined ? "—" : value.toLocaleString() + " " + data.labels.unit;
        }
      },
      legend: narrow ? { bottom: 0 } : { top: 0 },
      grid: narrow
        ? { left: 8, right: 8, bottom: 48, top: 28, containLabel: true }
        : { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
      xAxis: { type: "category", data: data.months, axisLabel: { interval: narrow ? 1 : 0 } },
      yAxis: { type: "value", name: data.labels.unit },
      series: [
        { name: data.labels.monthly, type: "bar", data: numbers(data.monthly), barMaxWidth: 24 },
        { name: data.labels.cumulative, type: "line", data: numbers(data.cumulative), connectNulls: false, symbolSize: 6 },
        { name: data.labels.planned, type: "line", data: numbers(data.planned), lineStyle: { type: "dashed" }, symbol: "none" }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
