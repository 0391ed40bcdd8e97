/** `nntk limit`: the infinite-width NTK or Newton NTK at the points X (docs/math.md §5). */
import { ACTIVATIONS, DEFAULT_TOLERANCE, limitKernel, MAX_QUADRATURE_NODES, Matrix, type LimitKernelOptions } from '../../index.js';
import { choice, flag, number, optional, required, text, withDefault } from '../args.js';
import { readArray, shapeText, writeMatrix } from '../arrays.js';
import { defineCommand } from '../command.js';
import { EXIT, Failure, UsageError } from '../failures.js';

export const limit = defineCommand({
  name: 'limit',
  summary: 'Write the infinite-width (beta = 1/2) NTK or Newton NTK at the points X.',
  synopsis:
    '--x X.npy [--x2 X2.npy] --activation A [--sigma-w S] [--sigma-b S] [--no-bias] [--kind ntk|nntk] [--lambda L] [--quadrature-nodes N] [--tolerance T] [--outputs trace|full [--output-count C]] --out K.npy',
  description: `
The limit as the width N -> infinity, at initialisation (c ~ N(0,1),
w ~ N(0, sigma_w^2 I), b ~ N(0, sigma_b^2)), of the kernels of 'nntk kernel':
  K_inf(x, x') = E[s(u) s(u')] + E[c^2] E[s'(u) s'(u')] (x~ . x~'),   E[c^2] = 1,
  (u, u') ~ N(0, S),  S = [[sw^2 |x|^2 + sb^2, sw^2 x.x' + sb^2], [., sw^2 |x'|^2 + sb^2]],
with x~ = [x; 1] (x~ . x~' = x.x' + 1); with --no-bias the sb^2 terms are absent
and x~ = x.
--kind ntk:  K = K_inf / M                               (M x M; the limit of K_GD)
--kind nntk: K = (K_inf/M) (lambda I + K_inf/M)^-1       (M x M; the limit Newton NTK, fixed lambda > 0)
--x is the training set. With --x2, as in 'nntk kernel', the rows are the
points of X2 (M2 x M), still divided by M = the number of rows of X:
K_inf(X2, X)/M, or for nntk (K_inf(X2, X)/M) (lambda I + K_inf(X, X)/M)^-1.
relu, erf and sin use closed forms (arc-cosine kernels for relu); tanh, sigmoid
and softplus an adaptive Hermite-series rule to --tolerance T relative to
max|K_inf| (default ${DEFAULT_TOLERANCE}; an error when it cannot be met), or with
--quadrature-nodes N a fixed 2-D Gauss-Hermite rule with N nodes per axis
(no error estimate).
For a network of C outputs (docs/math.md section 8) the limit's off-diagonal
output blocks vanish and each diagonal block is the kernel above:
--outputs trace (default) writes that kernel (the mean of the C diagonal
blocks, the same for every C); --outputs full --output-count C writes the
(M C) x (M C) kernel K (x) I_C, sample-major (row j C + k is output k at
point j; (M2 C) x (M C) with --x2). Inputs: X.npy (M x d), X2.npy (M2 x d), float64.`,
  options: {
    x: required('X.npy', 'training points, M x d', text),
    x2: optional('X2.npy', 'test points (rows of a cross-kernel), M2 x d', text),
    activation: required('A', ACTIVATIONS.join(', '), choice(ACTIVATIONS)),
    sigmaW: withDefault('S', 'standard deviation of the inner weights w', number({ min: 0 }), 1),
    sigmaB: withDefault('S', 'standard deviation of the biases b', number({ min: 0 }), 1),
    noBias: flag('a network without biases'),
    kind: withDefault('KIND', 'ntk or nntk', choice(['ntk', 'nntk'] as const), 'ntk'),
    lambda: optional('L', 'a fixed lambda > 0 (needed by --kind nntk)', number({ above: 0 })),
    quadratureNodes: optional('N', `the fixed Gauss-Hermite rule with N nodes per axis, 1 to ${MAX_QUADRATURE_NODES} (tanh, sigmoid, softplus; default: the adaptive rule)`, number({ integer: true, min: 1, max: MAX_QUADRATURE_NODES })),
    tolerance: withDefault('T', 'the adaptive rule\'s error target relative to max|K_inf|, in [1e-14, 1)', number({ min: 1e-14, below: 1 }), DEFAULT_TOLERANCE),
    outputs: withDefault('trace|full', 'the mean of the C output blocks, or the full kernel of C outputs', choice(['trace', 'full'] as const), 'trace'),
    outputCount: optional('C', 'with --outputs full: the number of outputs C', number({ integer: true, min: 1 })),
    out: required('K.npy', 'kernel file to write', text),
  },
  async run(o) {
    if (o.kind === 'ntk' && o.lambda !== undefined) throw new UsageError('--lambda applies to --kind nntk only');
    if (o.kind === 'nntk' && o.lambda === undefined) throw new UsageError('--kind nntk needs --lambda L (a fixed lambda > 0)');
    if (o.outputs === 'full' && o.outputCount === undefined) throw new UsageError('--outputs full needs --output-count C (the number of outputs)');
    if (o.outputs === 'trace' && o.outputCount !== undefined) throw new UsageError('--output-count applies to --outputs full only (the traced limit kernel is the same for every C)');
    const X = await readInputs(o.x, null);
    const options: LimitKernelOptions = { activation: o.activation, sigmaW: o.sigmaW, sigmaB: o.sigmaB, bias: !o.noBias, kind: o.kind, tolerance: o.tolerance };
    if (o.lambda !== undefined) options.lambda = o.lambda;
    if (o.quadratureNodes !== undefined) options.quadratureNodes = o.quadratureNodes;
    if (o.outputCount !== undefined) Object.assign(options, { outputs: o.outputs, outputCount: o.outputCount });
    const X2 = o.x2 === undefined ? undefined : await readInputs(o.x2, X.cols);
    const K = X2 === undefined ? limitKernel(X, options) : limitKernel(X2, X, options);
    await writeMatrix(o.out, K.kernel);
    return EXIT.ok;
  },
});

/** Points as rows: M x d (d given for X2, to match X). */
async function readInputs(path: string, dim: number | null): Promise<Matrix> {
  const { shape, data } = await readArray(path);
  if (shape.length !== 2 || shape[0]! < 1 || shape[1]! < 1 || (dim !== null && shape[1] !== dim)) {
    const expected = dim === null ? '(M, d) with M, d >= 1' : `(M2, ${dim}) with M2 >= 1, like the points of --x`;
    throw new Failure(`${path}: points must be a 2-D array of shape ${expected}, found shape ${shapeText(shape)}`);
  }
  return new Matrix(shape[0]!, shape[1]!, data);
}
