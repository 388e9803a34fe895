// Re-encode simplified GeoJSON into ECharts' compact form (UTF8Encoding, scale 1024), which ECharts 5 decodes.
const fs = require('fs');
const IN = (process.env.W||'/tmp/geo')+'/work/simp/', OUT = process.argv[2];
fs.mkdirSync(OUT, { recursive: true });
const S = 1024;
function enc(ring) {
  let px = Math.round(ring[0][0] * S), py = Math.round(ring[0][1] * S);
  const off = [px, py]; let s = '';
  for (const [lx, ly] of ring) {
    const x = Math.round(lx * S), y = Math.round(ly * S);
    let dx = x - px, dy = y - py; px = x; py = y;
    if (dx === 0 && dy === 0 && s.length) continue;
    dx = (dx << 1) ^ (dx >> 31); dy = (dy << 1) ^ (dy >> 31);
    s += String.fromCharCode(dx + 64, dy + 64);
  }
  return [s, off];
}
let total = 0, n = 0;
const keep = new Set(fs.readFileSync('/work/shared/data/divisions/areas.csv', 'utf8').split('\n').map(l => l.split(',')[0]).filter(Boolean));
for (const f of fs.readdirSync(IN)) {
  const code = f.replace('.json', '');
  if (code === '810000' || code === '820000' || code === '710000') continue;
  const j = JSON.parse(fs.readFileSync(IN + f));
  const out = { type: 'FeatureCollection', UTF8Encoding: true, features: [] };
  for (const ft of j.features) {
    const g = ft.geometry; if (!g) continue;
    let coords, offs;
    if (g.type === 'Polygon') { const e = g.coordinates.map(enc); coords = e.map(x => x[0]); offs = e.map(x => x[1]); }
    else if (g.type === 'MultiPolygon') { const e = g.coordinates.map(p => p.map(enc)); coords = e.map(p => p.map(x => x[0])); offs = e.map(p => p.map(x => x[1])); }
    else continue;
    out.features.push({ type: 'Feature', id: ft.properties.code, properties: { name: ft.properties.name }, geometry: { type: g.type, coordinates: coords, encodeOffsets: offs } });
  }
  const txt = JSON.stringify(out);
  fs.writeFileSync(OUT + '/' + code + '.json', txt); total += Buffer.byteLength(txt); n++;
}
console.log(n, 'files', total, 'bytes');
