// The opportunity funnel (ECharts): one band per stage, its width the number of
// opportunities; the tooltip adds the amount. Data from the page's #funnel-data JSON.
(function () {
  "use strict";
  function draw() {
    var box = document.getElementById("funnel-chart");
    var source = document.getElementById("funnel-data");
    if (!box || !source || !window.echarts) return;
    var chart = JSON.parse(source.textContent);
    var data = chart.stages.map(function (name, i) {
      return { name: name, value: chart.counts[i], amount: chart.amounts[i] };
    });
    var max = Math.max.apply(null, chart.counts.concat([1]));
    var instance = window.echarts.init(box);
    instance.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          return p.name + "<br>" + chart.labels.count + ": " + p.value +
            "<br>" + chart.labels.amount + ": " + p.data.amount;
        }
      },
      series: [{
        type: "funnel",
        sort: "none",
        min: 0,
        max: max,
        minSize: "8%",
        left: "10%",
        width: "80%",
        label: { show: true, position: "inside", formatter: "{b}: {c}" },
        data: data
      }]
    });
    window.addEventListener("resize", function () { instance.resize(); });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
