// Draws the dashboard from the JSON the server put in #chart-data and #dash-data (no inline script): the
// estates by region and eligibility (#chart), projects by stage (#stage-chart), target and done by year with
// the cumulative share (#progress-chart), funds by source (#money-chart) and the map (#map) of the estates on
// the region's outline, fetched from /api/v1/dashboard/map and /static/geo/{code}.json. Every bar, point and
// region links to the list or the dashboard behind it. window.jiugaiMap reports what the map drew (tests).
(function () {
  if (!window.echarts) return;
  var charts = [];
  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function go(href) { if (href) window.location.href = href; }
  var base = { animation: false, grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true } };
  function init(id, option, onClick) {
    var el = document.getElementById(id);
    if (!el) return null;
    var c = echarts.init(el);
    c.setOption(Object.assign({}, base, option));
    if (onClick) c.on('click', onClick);
    charts.push(c);
    return c;
  }

  var d = json('chart-data');
  if (d) {
    init('chart', {
      color: ['#1d6fb8', '#5fa8d3', '#c0504d', '#a6a6a6', '#e0c060'],
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: d.regions, inverse: true },
      series: d.series.map(function (s) { return { name: s.name, type: 'bar', stack: 'n', data: s.data, barMaxWidth: 28 }; })
    });
  }

  var D = json('dash-data');
  if (!D) return;

  // Projects by stage: one bar per stage in its map colour; a click opens the list of that stage.
  if (D.stages) {
    init('stage-chart', {
      title: { text: D.stagesTitle, textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'category', data: D.stages.map(function (s) { return s.label; }) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', barMaxWidth: 36, label: { show: true, position: 'top' },
        data: D.stages.map(function (s) { return { value: s.count, href: s.href, itemStyle: { color: s.colour } }; }) }]
    }, function (p) { go(p.data && p.data.href); });
  }

  // Target and done by year (bars), the cumulative share and the promise (lines, right axis).
  var P = D.progress;
  if (P) {
    init('progress-chart', {
      color: ['#a6a6a6', '#1d6fb8', '#2e8b57', '#c0504d'],
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: 'category', data: P.years },
      yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } }],
      series: [
        { name: P.labels.target, type: 'bar', data: P.target, barMaxWidth: 24 },
        { name: P.labels.done, type: 'bar', data: P.done, barMaxWidth: 24 },
        { name: P.labels.share, type: 'line', yAxisIndex: 1, data: P.share, connectNulls: true },
        { name: P.labels.promised, type: 'line', yAxisIndex: 1, data: P.promised, connectNulls: true, lineStyle: { type: 'dashed' } }
      ]
    }, function () { go(P.href); });
  }

  // Funds by source: allocated and paid, the central subsidy marked.
  var M = D.money;
  if (M && M.sources.length) {
    init('money-chart', {
      color: ['#5fa8d3', '#1d6fb8'],
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', inverse: true, data: M.sources,
        axisLabel: { formatter: function (v, i) { return M.central[i] ? '★ ' + v : v; } } },
      series: [
        { name: M.labels.allocated, type: 'bar', data: M.allocated, barMaxWidth: 16 },
        { name: M.labels.paid, type: 'bar', data: M.paid, barMaxWidth: 16 }
      ]
    }, function () { go(M.href); });
  }

  // The map.
  var mapEl = document.getElementById('map');
  window.jiugaiMap = { ready: false };
  if (mapEl && D.map && window.fetch) {
    mapEl.style.height = '520px';
    var note = document.getElementById('map-note');
    var missing = document.getElementById('map-missing');
    fetch(D.map, { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (m) {
      var stageOf = {};
      m.stages.forEach(function (s) { stageOf[s.key] = s; });
      if (note) note.textContent = m.name + ' · ' + m.total + ' ' + D.labels.estates + (m.mode === 'regions' ? ' · ' + D.labels.tooMany : '');
      if (m.mode === 'regions') {
        var tb = document.querySelector('#map-regions tbody');
        if (tb) {
          m.regions.forEach(function (r) {
            var tr = document.createElement('tr');
            var a = document.createElement(r.href ? 'a' : 'span');
            if (r.href) a.href = r.href;
            a.textContent = r.name;
            var td1 = document.createElement('td'); td1.appendChild(a);
            var td2 = document.createElement('td'); td2.className = 'num'; td2.textContent = r.estates.toLocaleString('en-US');
            tr.appendChild(td1); tr.appendChild(td2); tb.appendChild(tr);
          });
          document.getElementById('map-regions').hidden = false;
        }
      }
      if (!m.outline) {
        if (missing) { missing.textContent = m.no_outline; missing.hidden = false; }
        mapEl.hidden = true;
        window.jiugaiMap = { ready: true, outline: false, points: m.points.length, regions: m.regions.length };
        return null;
      }
      return fetch(m.outline).then(function (r) {
        if (!r.ok) throw new Error('outline ' + r.status);
        return r.json();
      }).then(function (geo) { draw(m, geo, stageOf); });
    }).catch(function (e) {
      if (missing) { missing.textContent = D.labels.noOutline; missing.hidden = false; }
      window.jiugaiMap = { ready: true, outline: false, error: String(e && e.stack || e) };
    });
  }

  // ECharts' compact ring (pairs of characters: zig-zag deltas from the offset, scale 1024) → [lng, lat].
  function ring(r, off) {
    if (typeof r !== 'string') return r;
    var out = [], x = off[0], y = off[1];
    for (var i = 0; i + 1 < r.length; i += 2) {
      var dx = r.charCodeAt(i) - 64, dy = r.charCodeAt(i + 1) - 64;
      x += (dx >> 1) ^ -(dx & 1); y += (dy >> 1) ^ -(dy & 1);
      out.push([x / 1024, y / 1024]);
    }
    return out;
  }
  // The centre (area-weighted) of a feature's largest outer ring.
  function centre(f) {
    var g = f.geometry, multi = g.type === 'MultiPolygon';
    var polys = multi ? g.coordinates : [g.coordinates], offs = g.encodeOffsets ? (multi ? g.encodeOffsets : [g.encodeOffsets]) : null;
    var best = null, bestA = 0;
    polys.forEach(function (p, k) {
      var r = ring(p[0], offs ? offs[k][0] : null), a = 0, cx = 0, cy = 0;
      if (!r || r.length < 3) return;
      for (var i = 0; i < r.length; i++) {
        var q = r[(i + 1) % r.length], c = r[i][0] * q[1] - q[0] * r[i][1];
        a += c; cx += (r[i][0] + q[0]) * c; cy += (r[i][1] + q[1]) * c;
      }
      if (Math.abs(a) > bestA) { bestA = Math.abs(a); best = [cx / (3 * a), cy / (3 * a)]; }
    });
    return best;
  }
  function shade(v, max) {
    var t = max > 0 ? v / max : 0, lo = [234, 242, 250], hi = [29, 111, 184];
    return 'rgb(' + lo.map(function (x, i) { return Math.round(x + (hi[i] - x) * t); }).join(',') + ')';
  }

  function draw(m, geo, stageOf) {
    var name = 'r' + (m.region || '100000');
    echarts.registerMap(name, geo);
    var own = (m.region || '100000');
    // Children are drawn (and drilled into) when the outline is the region's own file of children.
    var drill = m.outline === '/static/geo/' + own + '.json' && !(geo.features.length === 1 && geo.features[0].id === m.region);
    var counts = {};
    m.regions.forEach(function (r) { counts[r.code] = r; });
    var max = Math.max.apply(null, [0].concat(m.regions.map(function (r) { return r.estates; })));
    var regions = geo.features.map(function (f) {
      var r = counts[f.id], v = r ? r.estates : 0;
      return { name: f.properties.name, itemStyle: m.mode === 'regions' ? { areaColor: shade(v, max) } : {} };
    });
    var c = echarts.init(mapEl);
    c.setOption({
      animation: false,
      tooltip: { trigger: 'item', formatter: function (p) { return p.seriesName + '：' + p.name + (p.data && p.data.estates != null ? ' ' + p.data.estates : ''); } },
      legend: { top: 0 },
      geo: { map: name, roam: true, top: 36, bottom: 8, regions: regions,
        label: { show: geo.features.length <= 40, fontSize: 10, color: '#555' },
        itemStyle: { areaColor: '#eef3f8', borderColor: '#7a8ea3' }, emphasis: { itemStyle: { areaColor: '#d5e5f5' } } }
    });
    // A marker at each child region's centre that opens its
    // dashboard, then the estates, one series per stage in its colour.
    var series = [];
    var links = {};
    if (drill) {
      var marks = [];
      geo.features.forEach(function (f) {
        var at = centre(f);
        if (!at) return;
        var r = counts[f.id];
        links[f.id] = '/?region=' + f.id;
        marks.push({ name: f.properties.name, value: at, code: f.id, href: links[f.id], estates: r ? r.estates : null });
      });
      series.push({ type: 'scatter', coordinateSystem: 'geo', name: D.labels.drill, symbol: 'pin', symbolSize: 16,
        itemStyle: { color: '#7a8ea3', opacity: 0.55 }, data: marks, z: 1 });
    }
    var byStage = {};
    m.points.forEach(function (p) { (byStage[p.stage] = byStage[p.stage] || []).push(p); });
    m.stages.forEach(function (s) {
      var pts = byStage[s.key];
      if (!pts) return;
      series.push({
        type: 'scatter', coordinateSystem: 'geo', name: s.label, symbolSize: 9, z: 3,
        itemStyle: { color: s.colour, borderColor: '#fff', borderWidth: 1 },
        data: pts.map(function (p) { return { name: p.name, value: [p.lng, p.lat], href: p.href }; })
      });
    });
    c.setOption({ series: series });
    c.on('click', function (p) {
      if (p.data && p.data.href) return go(p.data.href);
      if (p.componentType === 'geo' && drill) {
        var f = geo.features.filter(function (x) { return x.properties.name === p.name; })[0];
        if (f) go(links[f.id]);
      }
    });
    charts.push(c);
    window.jiugaiMap = { ready: true, outline: true, features: geo.features.length, points: m.points.length,
      regions: m.regions.length, mode: m.mode, series: series.length, drill: drill, links: links };
  }

  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
