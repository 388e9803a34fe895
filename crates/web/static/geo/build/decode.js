// Decode the ECharts map packs into plain GeoJSON files keyed by GB/T 2260 code.
const fs = require('fs'), path = require('path'), vm = require('vm');
const OUT = (process.env.W||'/tmp/geo')+'/work/raw';
fs.mkdirSync(OUT, { recursive: true });
function decodeRing(s, off, scale) {
  const r = []; let px = off[0], py = off[1];
  for (let i = 0; i < s.length; i += 2) {
    let x = s.charCodeAt(i) - 64, y = s.charCodeAt(i + 1) - 64;
    x = (x >> 1) ^ -(x & 1); y = (y >> 1) ^ -(y & 1);
    x += px; y += py; px = x; py = y;
    r.push([x / scale, y / scale]);
  }
  return r;
}
function decode(json) {
  if (!json.UTF8Encoding) return json;
  const scale = json.UTF8Scale == null ? 1024 : json.UTF8Scale;
  for (const f of json.features) {
    const g = f.geometry, eo = g.encodeOffsets;
    if (g.type === 'Polygon') g.coordinates = g.coordinates.map((r, i) => typeof r === 'string' ? decodeRing(r, eo[i], scale) : r);
    else if (g.type === 'MultiPolygon') g.coordinates = g.coordinates.map((p, i) => p.map((r, j) => typeof r === 'string' ? decodeRing(r, eo[i][j], scale) : r));
    delete g.encodeOffsets;
  }
  delete json.UTF8Encoding; delete json.UTF8Scale;
  return json;
}
// Division names → codes.
const csv = f => fs.readFileSync('/work/shared/data/divisions/' + f, 'utf8').trim().split('\n').slice(1).map(l => l.split(',').map(x => x.replace(/"/g, '')));
const cities = csv('cities.csv'), areas = csv('areas.csv');
const provName = {}; // province code → name from china.json ids
const china = decode(JSON.parse(fs.readFileSync((process.env.W||'/tmp/geo')+'/package/map/json/china.json')));
const nation = { type: 'FeatureCollection', features: [] };
for (const f of china.features) {
  const code = f.id; provName[code] = f.properties.name;
  nation.features.push({ type: 'Feature', properties: { code, name: f.properties.name }, geometry: f.geometry });
}
fs.writeFileSync(OUT + '/100000.json', JSON.stringify(nation));
// Province files: cities by name (no ids in the file).
const pdir = (process.env.W||'/tmp/geo')+'/package/map/json/province/';
const short = n => n.replace(/(市|地区|盟|自治州|特别行政区|林区)$/, '').replace(/(藏族|羌族|彝族|回族|蒙古族|哈萨克|朝鲜族|土家族|苗族|侗族|布依族|壮族|傣族|景颇族|傈僳族|白族|哈尼族|柯尔克孜|蒙古|自治)+$/g, '');
const miss = [];
for (const file of fs.readdirSync(pdir)) {
  const j = decode(JSON.parse(fs.readFileSync(pdir + file)));
  // Which province: the one whose cities match most names.
  let best = null, bestN = -1;
  for (const pc of Object.keys(provName)) {
    const p2 = pc.slice(0, 2);
    const names = new Set(cities.filter(c => c[2] === p2).map(c => c[1]).concat(areas.filter(a => a[3] === p2).map(a => a[1])));
    const n = j.features.filter(f => names.has(f.properties.name)).length;
    if (n > bestN) { bestN = n; best = pc; }
  }
  const p2 = best.slice(0, 2);
  const out = { type: 'FeatureCollection', features: [] };
  for (const f of j.features) {
    const nm = f.properties.name;
    let c = cities.find(c => c[2] === p2 && c[1] === nm) || cities.find(c => c[2] === p2 && short(c[1]) === short(nm));
    let code = c ? c[0] + '00' : null;
    if (!code) { const a = areas.find(a => a[3] === p2 && (a[1] === nm || short(a[1]) === short(nm))); if (a) code = a[0]; }
    if (!code) { miss.push(file + ':' + nm); continue; }
    out.features.push({ type: 'Feature', properties: { code, name: nm }, geometry: f.geometry });
  }
  if (bestN * 2 > j.features.length) fs.writeFileSync(OUT + '/' + best + '.json', JSON.stringify(out));
  console.log(file, best, provName[best], j.features.length, out.features.length);
}
// City files from the cities pack (counties, with ids).
const cdir = (process.env.W||'/tmp/geo')+'/echarts-china-cities-pypkg-0.0.9/echarts_china_cities_pypkg/resources/echarts-china-cities-js/';
let nc = 0;
for (const file of fs.readdirSync(cdir)) {
  if (!file.endsWith(".js") || file === "index.js") continue;
  let got = null;
  const fake = { registerMap: (name, json) => { got = { name, json }; } };
  vm.runInNewContext(fs.readFileSync(cdir + file, 'utf8'), { define: undefined, exports: undefined, window: {}, console, echarts: fake, self: undefined }, { filename: file });
  if (!got) { // UMD: B({}, A.echarts) with A = this
    const ctx = { echarts: fake, console }; ctx.self = ctx;
    vm.runInNewContext(fs.readFileSync(cdir + file, 'utf8'), ctx);
  }
  if (!got) { miss.push('city:' + file); continue; }
  const j = decode(got.json);
  const ids = j.features.map(f => f.id).filter(x => x && /^\d{6}$/.test(x));
  if (!ids.length) { miss.push('noids:' + file); continue; }
  // The city: the most common 4-digit prefix.
  const cnt = {}; ids.forEach(i => cnt[i.slice(0, 4)] = (cnt[i.slice(0, 4)] || 0) + 1);
  const pre = Object.keys(cnt).sort((a, b) => cnt[b] - cnt[a])[0];
  const code = pre + '00';
  const out = { type: 'FeatureCollection', features: j.features.filter(f => f.id).map(f => ({ type: 'Feature', properties: { code: f.id, name: f.properties.name }, geometry: f.geometry })) };
  if (fs.existsSync(OUT + '/' + code + '.json')) { miss.push('dup:' + file + ':' + code); continue; }
  fs.writeFileSync(OUT + '/' + code + '.json', JSON.stringify(out)); nc++;
}
console.log('cities', nc, 'missing', miss.length, miss.join(' '));
