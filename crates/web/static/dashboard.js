// Draws the dashboard chart from the JSON the server put in #chart-data (no inline script).
(function () {
  var el = document.getElementById('chart');
  var data = document.getElementById('chart-data');
  if (!el || !data || !window.echarts) return;
  var d = JSON.parse(data.textContent);
  var chart = echarts.init(el);
  chart.setOption({
    color: ['#1d6fb8', '#5fa8d3', '#c0504d', '#a6a6a6', '#e0c060'],
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: d.regions, inverse: true },
    series: d.series.map(function (s) { return { name: s.name, type: 'bar', stack: 'n', data: s.data, barMaxWidth: 28 }; })
  });
  window.addEventListener('resize', function () { chart.resize(); });
})();
