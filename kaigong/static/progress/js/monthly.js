/* The office's monthly view: the aggregation table as a bar chart (vendored ECharts), annual plan against the year
   to date in 亿元 per group, with 完成率 as a line on a second axis. Data from json_script (CSP: no inline script). */
(function () {
  "use strict";

  function init() {
    var source = document.getElementById("progress-chart-data");
    var el = document.getElementById("chart-groups");
    if (!source || !el || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (!data.labels.length) {
      el.hidden = true;
      return;
    }
    var narrow = el.clientWidth < 560;
    var chart = echarts.init(el);
    function numbers(list) {
      return list.map(function (value) { return value === null ? null : Number(value); });
    }
    chart.setOption({
      color: ["#1d4f91", "#d08a2e", "#2f8f5b"],
      tooltip: { trigger: "axis" },
      legend: narrow ? { bottom: 0 } : { top: 0 },
      grid: narrow
        ? { left: 8, right: 8, bottom: 40, top: 28, containLabel: true }
        : { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
      xAxis: {
        type: "category",
        data: data.labels,
        axisLabel: narrow
          ? { interval: 0, rotate: 35, width: 80, overflow: "truncate" }
          : { interval: 0, width: 90, overflow: "break" }
      },
      yAxis: [
        { type: "value", name: data.names.yi },
        { type: "value", name: data.names.completion, splitLine: { show: false } }
      ],
      series: [
        { name: data.names.annual_plan, type: "bar", data: numbers(data.annual_plan) },
        { name: data.names.year_to_date, type: "bar", data: numbers(data.year_to_date) },
        { name: data.names.completion, type: "line", yAxisIndex: 1, data: numbers(data.completion) }
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
