/** `nntk init`: a new model directory with seeded parameters (docs/math.md §1). */
import { ACTIVATIONS, TwoLayerNetwork } from '../../index.js';
import { choice, flag, number, optional, required, text, withDefault } from '../args.js';
import { defineCommand } from '../command.js';
import { EXIT, UsageError } from '../failures.js';
import { writeModel } from '../modelfiles.js';

export const init = defineCommand({
  name: 'init',
  summary: 'Create a model directory with seeded initial parameters.',
  synopsis: '--width N --dim d [options] --out DIR',
  description: `
Draws c_i ~ N(0, 1), w_i ~ N(0, sigma_w^2 I), b_i ~ N(0, sigma_b^2) with the
seeded generator of the library (the same seed gives the same parameters), and
writes DIR/c.npy (N, or N x C with --outputs C > 1), DIR/W.npy (N x d),
DIR/b.npy (N; not written with --no-bias) and DIR/model.json = {"width",
"dim", "activation", "beta", "bias"} (and "outputs" for C > 1). With C
outputs, each c_i has C entries, drawn before w_i and b_i.
With --symmetric, neurons come in pairs (c, w, b), (-c, w, b), so f = 0 at
initialisation (N must be even).`,
  options: {
    width: required('N', 'number of hidden neurons', number({ integer: true, min: 1 })),
    dim: required('d', 'input dimension', number({ integer: true, min: 1 })),
    activation: withDefault('A', `activation: ${ACTIVATIONS.join(', ')}`, choice(ACTIVATIONS), 'tanh'),
    beta: withDefault('B', 'output scaling N^(-beta), beta in [0.5, 1]', number({ min: 0.5, max: 1 }), 0.5),
    noBias: flag('no bias terms b_i'),
    outputs: withDefault('C', 'number of outputs C (c_i in R^C)', number({ integer: true, min: 1 }), 1),
    seed: withDefault('S', 'seed, an integer in [0, 2^32)', number({ integer: true, min: 0, max: 2 ** 32 - 1 }), 0),
    sigmaW: withDefault('S', 'standard deviation of the entries of w_i', number({ min: 0 }), 1),
    sigmaB: optional('S', 'standard deviation of b_i (default 1)', number({ min: 0 })),
    symmetric: flag('pairs (c, w, b), (-c, w, b): f = 0 at initialisation (even N)'),
    out: required('DIR', 'model directory to write (created if needed)', text),
  },
  async run(o) {
    if (o.symmetric && o.width % 2 !== 0) throw new UsageError(`--symmetric needs an even --width, got ${o.width}`);
    if (o.noBias && o.sigmaB !== undefined) throw new UsageError('--sigma-b has no effect with --no-bias');
    const net = TwoLayerNetwork.initialize(
      { width: o.width, dim: o.dim, activation: o.activation, beta: o.beta, bias: !o.noBias, outputs: o.outputs },
      { seed: o.seed, sigmaW: o.sigmaW, sigmaB: o.sigmaB ?? 1, symmetric: o.symmetric },
    );
    await writeModel(o.out, net);
    return EXIT.ok;
  },
});
