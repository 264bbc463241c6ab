// The department scoreboard chart: median working days (bars) and share decided within the benchmark (line),
// one entry per department in rank order. Data comes from the page (json_script "scoreboard-data").
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("scoreboard-chart");
    var source = document.getElementById("scoreboard-data");
    if (!holder || !source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var rows = data.departments;
    var chart = echarts.init(holder);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [holder.dataset.medianLabel || "中位用时(工作日)", holder.dataset.shareLabel || "标杆时限内办结占比(%)"] },
      grid: { left: 48, right: 56, bottom: 80, top: 40 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.rank + ". " + r.name; }), axisLabel: { rotate: 30 } },
      yAxis: [
        { type: "value", name: "工作日", minInterval: 1 },
        { type: "value", name: "%", min: 0, max: 100 },
      ],
      series: [
        { name: holder.dataset.medianLabel || "中位用时(工作日)", type: "bar", data: rows.map(function (r) { return r.median; }) },
        {
          name: holder.dataset.shareLabel || "标杆时限内办结占比(%)",
          type: "line",
          yAxisIndex: 1,
          data: rows.map(function (r) { return r.within_benchmark === null ? null : Math.round(r.within_benchmark * 100); }),
        },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
