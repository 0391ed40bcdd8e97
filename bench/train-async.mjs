// Overhead of trainAsync (a worker thread: start-up, copies, messages) over
// train on the same problem, measured side by side: median of 5 alternating
// runs each, reported as the ratio trainAsync / train. Run after
// `npm run build:ts`: node bench/train-async.mjs
import { train, trainAsync, TwoLayerNetwork } from '../dist/index.js';
import { circleData as circle } from '../dist/experiments/circle.js';


const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const cases = [
  { name: 'small  (M = 16, N = 64, 20 Newton steps max)', m: 16, width: 64, k: 2 },
  { name: 'medium (M = 64, N = 4096, Newton to 1e-6)', m: 64, width: 4096, k: 4 },
];
for (const c of cases) {
  const net = TwoLayerNetwork.initialize({ width: c.width, dim: 2, activation: 'tanh', beta: 0.5, bias: true }, { seed: 0 });
  const { X, y } = circle(c.m, c.k);
  const options = { method: 'newton', maxSteps: 20 };
  const sync = [];
  const async = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    train(net, X, y, options);
    sync.push(performance.now() - t);
    t = performance.now();
    await trainAsync(net, X, y, options);
    async.push(performance.now() - t);
  }
  const s = median(sync);
  const a = median(async);
  console.log(`${c.name}: train ${s.toFixed(1)} ms, trainAsync ${a.toFixed(1)} ms, ratio ${(a / s).toFixed(3)}, overhead ${(a - s).toFixed(1)} ms`);
}
