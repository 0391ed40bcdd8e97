/** `nntk predict`: the network's outputs f(X) at new points (docs/math.md §1, §8). */
import { Matrix } from '../../index.js';
import { required, text } from '../args.js';
import { readPoints, writeMatrix, writeVector } from '../arrays.js';
import { defineCommand } from '../command.js';
import { EXIT } from '../failures.js';
import { readModel } from '../modelfiles.js';

export const predict = defineCommand({
  name: 'predict',
  summary: 'Write the outputs f(X) of a model at the points X.',
  synopsis: '--model DIR --x X.npy --out f.npy',
  description: `
f(x) = N^-beta sum_i c_i s(w_i . x + b_i) at every row of X, the model as
'nntk init' or 'nntk train' wrote it. X.npy is M x d (d = the model's dim),
float64; f.npy gets shape (M,), or (M, C) for a model of C > 1 outputs
(row j = f(x_j)), written atomically.`,
  options: {
    model: required('DIR', 'model directory', text),
    x: required('X.npy', 'points, M x d', text),
    out: required('f.npy', 'outputs to write, M (M x C for C outputs)', text),
  },
  async run(o) {
    const net = await readModel(o.model);
    const X = await readPoints(o.x, net.config.dim);
    const f = net.predict(X);
    if (net.outputs === 1) await writeVector(o.out, f);
    else await writeMatrix(o.out, new Matrix(X.rows, net.outputs, f));
    return EXIT.ok;
  },
});
