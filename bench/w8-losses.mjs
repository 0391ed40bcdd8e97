// Where nntk's default wins or loses each W8 case a peer reaches, from a W8 run's record
// (bench/results-W8.json): time ratio = (attempts ratio) × (time per attempt ratio),
// against the fastest peer, with the full-Hessian attempts of nntk's run counted.
//
//   node bench/w8-losses.mjs [bench/results-W8.json]    # prints a markdown table
import fs from 'node:fs';

const file = process.argv[2] ?? new URL('./results-W8.json', import.meta.url);
const rows = JSON.parse(fs.readFileSync(file, 'utf8')).workloads.W8.rows;
const ms = (s) => (s < 0.1 ? `${(s * 1000).toFixed(1)} ms` : `${(s * 1000).toFixed(0)} ms`);
const lines = [
  '| case | nntk attempts (full) | nntk per attempt | best peer | its attempts | its per attempt | peer/nntk attempts | peer/nntk per attempt | peer/nntk time |',
  '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
];
for (const row of rows) {
  const nntk = row.nntk?.default;
  const reached = Object.entries(row.peers ?? {}).filter(([, p]) => p.reached && p.attempts > 0);
  if (!nntk || reached.length === 0) continue;
  const [system, peer] = reached.reduce((a, b) => (b[1].seconds < a[1].seconds ? b : a));
  const full = [...nntk.trace].filter((c) => c === 'F').length;
  const mine = nntk.seconds / nntk.attempts;
  const theirs = peer.seconds / peer.attempts;
  lines.push(
    `| ${row.id} | ${nntk.reached ? '' : '✗ '}${nntk.attempts} (${full}) | ${ms(mine)} | ${system} | ${peer.attempts} | ${ms(theirs)} | ${(peer.attempts / nntk.attempts).toFixed(2)} | ${(theirs / mine).toFixed(2)} | ${(peer.seconds / nntk.seconds).toFixed(2)}× |`,
  );
}
console.log(lines.join('\n'));
