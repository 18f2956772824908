// Sales analysis charts (ECharts). Each chart box names the json_script that holds its
// data (data-source) and its kind (data-analysis-chart: funnel, bar, line). Drawn on
// page load and again whenever htmx swaps the sections in after a filter change.
(function () {
  "use strict";

  function read(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function funnelOption(data) {
    var max = Math.max.apply(null, data.counts.concat([1]));
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var rate = data.conversions[p.dataIndex];
          return p.name + "<br>" + data.labels.count + ": " + p.value +
            (rate === null ? "" : "<br>" + data.labels.conversion + ": " + rate + "%");
        }
      },
      series: [{
        type: "funnel", sort: "none", min: 0, max: max, minSize: "8%", left: "10%", width: "80%",
        label: { show: true, position: "inside", formatter: "{b}: {c}" },
        data: data.stages.map(function (name, i) { return { name: name, value: data.counts[i] }; })
      }]
    };
  }

  function seriesOption(data, type) {
    var series = data.series.map(function (s) {
      return { name: s.name, type: type, data: s.data, smooth: type === "line" };
    });
    var axes = [{ type: "value" }];
    if (type === "line" && data.counts) {
      axes.push({ type: "value", minInterval: 1, splitLine: { show: false } });
      series.push({ name: data.counts.name, type: "bar", yAxisIndex: 1, data: data.counts.data,
        barMaxWidth: 24, itemStyle: { opacity: 0.35 } });
    }
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: 40, top: 36, bottom: 60 },
      xAxis: { type: "category", data: data.categories, axisLabel: { rotate: data.categories.length > 8 ? 30 : 0 } },
      yAxis: axes,
      series: series
    };
  }

  function draw(root) {
    if (!window.echarts || !root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-analysis-chart]").forEach(function (box) {
      var data = read(box.getAttribute("data-source"));
      if (!data) return;
      var kind = box.getAttribute("data-analysis-chart");
      var chart = window.echarts.getInstanceByDom(box) || window.echarts.init(box);
      chart.setOption(kind === "funnel" ? funnelOption(data) : seriesOption(data, kind), true);
      box.setAttribute("data-drawn", "true");
    });
  }

  // a date typed by hand means a custom period: the preset would override it otherwise
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.hasAttribute || !target.hasAttribute("data-analysis-date")) return;
    var preset = target.form && target.form.querySelector("[data-analysis-preset]");
    if (preset) preset.value = "custom";
  });

  document.addEventListener("htmx:load", function (event) { draw(event.target); });
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-analysis-chart]").forEach(function (box) {
      var chart = window.echarts && window.echarts.getInstanceByDom(box);
      if (chart) chart.resize();
    });
  });
})();
