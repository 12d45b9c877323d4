/**
 * Reads a user's ONNX model into the network IR: the inverse of the ONNX artifact writer
 * (native-runners/onnxruntime/artifact.ts), and lenient enough for what PyTorch's exporter
 * (opsets 9 to 17) and other tools write. Weights are not kept (the IR carries none); only
 * their shapes are read, to get channel counts and kernel sizes. The work is in ./onnx/:
 * proto.ts (reading the protobuf), context.ts (state shared by handlers), constants.ts,
 * rewrites.ts (multi-node patterns), the handlers by kind (spatial.ts, elementwise.ts,
 * linear.ts, shape-ops.ts, registered in handlers.ts) and importer.ts, which runs them.
 *
 * Mapping, one IR layer per ONNX node unless said otherwise:
 * - Conv: group 1 -> `conv`, or `pwconv` when 1x1, stride 1 and pad 0; group = C_in = C_out
 *   -> `dwconv`; other groups -> `conv` with `groups`. Square kernels, equal strides, no
 *   dilation. Pads become a number when symmetric, `'same'` when they are what TF-style
 *   'same' pads for that input, and are an error otherwise.
 * - A constant-mode Pad of H and W right before a Conv or pool is no layer: its pads add to
 *   that node's (PyTorch writes avg_pool2d with padding and ceil_mode as Pad + AveragePool).
 * - MaxPool / AveragePool -> `maxpool` / `avgpool`, pads as for Conv. `ceil_mode` adds the
 *   end padding that keeps the partial last window; when that is neither symmetric nor
 *   'same', the smallest symmetric pad giving the same output size is used (same shape and
 *   cost; the windows sit one pad-step apart).
 * - GlobalAveragePool, and ReduceMean over H and W -> `gap` (ReduceMean without keepdims
 *   adds a `flatten` named `<node>/flatten`).
 * - Gemm (transA 0) and MatMul with a constant [K, N] weight -> `fc`. An Add of a constant
 *   that is one value per output channel, right after a Gemm, MatMul or Conv without bias
 *   whose output nothing else reads, folds into that layer as its bias.
 * - BatchNormalization -> `bn`; Relu -> `relu`; Clip(0, 6) -> `relu6`, Clip(0, inf) ->
 *   `relu`, and a lower bound below 0 counts as 0 when the input is a ReLU's output (old
 *   exporters write ReLU6 as Relu + Clip(max = 6)); any other Clip is an error.
 * - Sigmoid -> `sigmoid`; HardSigmoid with PyTorch's alpha 1/6 and beta 0.5 -> `hardsigmoid`
 *   (other values are an error); HardSwish -> `hardswish`.
 * - Mul of x and Sigmoid(x) -> one `swish`, of x and HardSigmoid(x) -> one `hardswish`, when
 *   the activation's output is read by that Mul alone; older exporters' x * relu6(x + 3) / 6
 *   -> `hardswish` too. Such a layer is named after the Mul (or the Div, whichever is last).
 * - Mul of two computed tensors -> `mul`, the full-size one first (a [C,1,1] second one is
 *   squeeze-and-excitation's scale); Mul by a constant is an error.
 * - Add (two computed tensors) and Sum -> `add`; Concat on the channel axis -> `concat` (of
 *   one tensor: no layer).
 * - Slice of channels (step 1; other axes whole) -> `slice`; Split on channels -> one `slice`
 *   per output that is read, named `<node>:<k>`.
 * - Reshape [N,C,H,W] -> [N,g,C/g,H,W], Transpose perm [0,2,1,3,4], Reshape back to
 *   [N,C,H,W] -> one `shuffle` with `groups` g, named after the second Reshape.
 * - Resize / Upsample scaling H and W by one whole factor (from scales or sizes), mode
 *   nearest or linear -> `resize`.
 * - Flatten (axis 1), Reshape to [N, -1] and Squeeze to [N, F] -> `flatten`. A Flatten named
 *   `<gemm>/flatten` that feeds only that Gemm is our writer's own "fc reads a feature map"
 *   and folds into the fc.
 * - Softmax -> `softmax`; Identity and Dropout (inference) are dropped and their readers
 *   rewired; Constant, and Shape / Gather / Unsqueeze / Squeeze / Concat / Cast / Transpose /
 *   Reshape / Slice / Add / Sub / Mul / Div / Floor / Ceil on constants, are evaluated here
 *   (PyTorch's `x.view(x.size(0), -1)`, `x.chunk(2, dim=1)`).
 *
 * Nodes that no graph output depends on are ignored. Initializers listed as graph inputs (old
 * exporters do that) are constants, not inputs. The first remaining graph input is the
 * network input (NCHW or [N, F]; batch from dim 0, 1 when symbolic); any other becomes an
 * extra input. Layer names come from node names (output names when empty), made unique and
 * safe. Everything a user's file can get wrong is a one-line LabbenchError('BAD_INPUT').
 */
import type { Network } from './ir.js';
import { importModel } from './onnx/importer.js';
import { num, onnx, oneLine, type ModelProto } from './onnx/proto.js';
import { LabbenchError } from '../api/errors.js';

export { SUPPORTED_ONNX_OPS } from './onnx/handlers.js';

/**
 * Reads an ONNX model (the file's bytes) into the IR. `name` becomes the network's name and
 * prefixes every error. Throws LabbenchError('BAD_INPUT') with a one-line message for a file
 * that is not ONNX, an unsupported operator, or a model the IR cannot express.
 */
export function importOnnx(bytes: Uint8Array, name: string): Network {
  const notOnnx = (why: string): never => {
    throw new LabbenchError('BAD_INPUT', oneLine(`${name}: not an ONNX model (${why})`));
  };
  if (bytes.length === 0) notOnnx('the file is empty');
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    return notOnnx(`protobuf decoding failed: ${(e as Error).message}`);
  }
  if (!(num(model.irVersion) > 0)) notOnnx('no IR version');
  if (!model.graph) notOnnx('no graph');
  return importModel(name, model);
}
