// Draws the progress charts from the JSON the server put in #targets-data (no inline script): a bar chart
// of target against done per child region (#targets-bar) and a line of the cumulative share against the
// promised share over the years (#targets-line). Either element may be absent (the dashboard has the bar).
(function () {
  var data = document.getElementById('targets-data');
  if (!data || !window.echarts) return;
  var d = JSON.parse(data.textContent);
  var charts = [];
  var bar = document.getElementById('targets-bar');
  if (bar) {
    var c = echarts.init(bar);
    c.setOption({
      color: ['#a6a6a6', '#1d6fb8'],
      animation: false,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: d.children, inverse: true },
      series: [
        { name: d.labels.target, type: 'bar', data: d.target, barMaxWidth: 18 },
        { name: d.labels.done, type: 'bar', data: d.done, barMaxWidth: 18 }
      ]
    });
    charts.push(c);
  }
  var line = document.getElementById('targets-line');
  if (line) {
    var l = echarts.init(line);
    l.setOption({
      color: ['#1d6fb8', '#c0504d'],
      animation: false,
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return v == null ? '—' : v + '%'; } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: 'category', data: d.years },
      yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      series: [
        { name: d.labels.share, type: 'line', data: d.share, connectNulls: true },
        { name: d.labels.promised, type: 'line', data: d.promised, lineStyle: { type: 'dashed' }, connectNulls: true }
      ]
    });
    charts.push(l);
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
