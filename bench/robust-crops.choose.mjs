// node bench/robust-crops.choose.mjs FILE [--probe straight|all] [--sets "a,b;c,d"] — scores sets of
// bank-side variants from the output of bench/robust-crops.explore.mjs: recall at 31 per transform
// (query side as served: dihedral + trim against primaries, plus the chosen bank variants), false
// matches at ≤ 31 (an upper bound: the sum over the chosen kinds) and the minimum wrong distance.
// Without --sets it also searches greedily for the smallest set meeting the targets.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    probe: { type: 'string', default: 'straight' },
    sets: { type: 'string' },
    threshold: { type: 'string', default: '31' },
    'variant-threshold': { type: 'string' },
  },
});
const T = Number(values.threshold);
/** Bank variants may be matched within a tighter radius than primaries (cheaper to probe). */
const TV = Number(values['variant-threshold'] ?? values.threshold);
const data = JSON.parse(readFileSync(positionals[0], 'utf8'));
const { kinds, own, hist, originals } = data;
const probe = values.probe;
const PRIMARY = 0;

/** Recall per transform for bank variants `set` (kind indices, primary implied). */
function score(set) {
  const rows = {};
  for (const [t, list] of Object.entries(own)) {
    let hits = 0;
    for (const q of list) {
      // Primaries are probed by all query hashes (dihedral + trim), as served.
      let hit = q.all[PRIMARY] <= T;
      for (const k of set) hit ||= q[probe][k] <= TV;
      if (hit) hits++;
    }
    rows[t] = (100 * hits) / list.length;
  }
  let falses = hist.all[PRIMARY].slice(0, T + 1).reduce((s, n) => s + n, 0);
  let min = hist.all[PRIMARY].findIndex((n) => n > 0);
  for (const k of set) {
    const h = hist[probe][k];
    falses += h.slice(0, TV + 1).reduce((s, n) => s + n, 0);
    min = Math.min(
      min,
      h.findIndex((n) => n > 0),
    );
  }
  return { rows, falses, min };
}

const GROUPS = {
  crops: (t) => t.startsWith('crop-'),
  pads: (t) => t.startsWith('pad-') || t.startsWith('letterbox') || t.startsWith('screenshot'),
};
function meets(r) {
  return Object.entries(r.rows).every(([t, v]) =>
    GROUPS.crops(t) ? v >= 80 : GROUPS.pads(t) ? v >= 90 : true,
  );
}
function show(label, set) {
  const r = score(set);
  const interesting = Object.entries(r.rows).filter(([t]) => GROUPS.crops(t) || GROUPS.pads(t));
  console.log(
    `${label} [${set.map((k) => kinds[k]).join(' ')}] (${set.length}): ${interesting
      .map(([t, v]) => `${t} ${v.toFixed(1)}`)
      .join(', ')} | false ≤${T}: ${r.falses}, min wrong ${r.min}${meets(r) ? ' | MEETS' : ''}`,
  );
  return r;
}

console.log(`${originals} originals, probe ${probe}`);
if (values.sets) {
  for (const s of values.sets.split(';'))
    show(
      'set',
      s.split(',').map((n) => kinds.indexOf(n.trim())),
    );
} else {
  show('none', []);
  // Greedy: add the kind that raises the summed shortfall most.
  const shortfall = (r) =>
    Object.entries(r.rows).reduce(
      (s, [t, v]) => s + (GROUPS.crops(t) ? Math.max(0, 85 - v) : GROUPS.pads(t) ? Math.max(0, 93 - v) : 0),
      0,
    );
  let set = [];
  for (let step = 0; step < 10; step++) {
    let best = null;
    for (let k = 1; k < kinds.length; k++) {
      if (set.includes(k)) continue;
      const s = shortfall(score([...set, k]));
      if (!best || s < best.s) best = { k, s };
    }
    set = [...set, best.k];
    show(`greedy ${step + 1}`, set);
    if (best.s === 0) break;
  }
}
