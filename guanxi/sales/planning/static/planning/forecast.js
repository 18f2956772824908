// The forecast chart (ECharts): months ahead as bars (pipeline, weighted) with the
// projection as a line; past months show the actual beside the snapshot's figures.
// Data from the page's #forecast-data JSON, series names from #forecast-labels.
(function () {
  "use strict";
  function draw() {
    var box = document.getElementById("forecast-chart");
    var source = document.getElementById("forecast-data");
    var names = document.getElementById("forecast-labels");
    if (!box || !source || !names || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var label = function (key) { return names.getAttribute("data-" + key); };
    var past = data.past_months.slice(0, -1);  // the current month is the first month ahead
    var months = past.concat(data.months);
    var pad = function (values, before, after) {
      var result = [];
      var i;
      for (i = 0; i < before; i++) result.push(null);
      result = result.concat(values);
      for (i = 0; i < after; i++) result.push(null);
      return result;
    };
    var ahead = data.months.length;
    var behind = past.length;
    var instance = window.echarts.init(box);
    instance.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: months },
      yAxis: { type: "value" },
      series: [
        { name: label("actual"), type: "bar", data: pad(data.past_actual.slice(0, -1), 0, ahead) },
        { name: label("snapshot-weighted"), type: "line", data: pad(data.past_weighted.slice(0, -1), 0, ahead) },
        { name: label("pipeline"), type: "bar", data: pad(data.pipeline, behind, 0) },
        { name: label("weighted"), type: "bar", data: pad(data.weighted, behind, 0) },
        { name: label("projection"), type: "line", data: pad(data.projection, behind, 0) }
      ]
    });
    box.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { instance.resize(); });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
