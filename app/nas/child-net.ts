/** `ChildNet`: one fixed architecture of the space at its real sizes, to train the found network and the baselines on the same footing. */
import * as tf from '@tensorflow/tfjs-core';
import { SPNAS_LAYERS, SPNAS_OPTIONS } from '../workloads/zoo/spnas-space.js';
import { SKIP } from '../predict/spnas-lut.js';
import type { TrainableModel } from '../train/types.js';
import { BatchNorm } from '../train/nn.js';
import type { Architecture } from './architecture.js';
import { StemHead, WeightFactory, scaled, type ProxyShape } from './supernet-parts.js';

class FixedMbconv {
  readonly expandW: tf.Variable;
  readonly expandBn: BatchNorm;
  readonly dwW: tf.Variable;
  readonly dwBn: BatchNorm;
  readonly projectW: tf.Variable;
  readonly projectBn: BatchNorm;
  readonly residual: boolean;
  readonly stride: number;
  constructor(f: WeightFactory, index: number, option: number, width: number) {
    const l = SPNAS_LAYERS[index]!;
    const o = SPNAS_OPTIONS[option]!;
    const cin = scaled(l.cin, width);
    const cout = scaled(l.cout, width);
    const mid = cin * o.expansion;
    this.residual = l.residual;
    this.stride = l.stride;
    this.expandW = f.he([1, 1, cin, mid], cin, `L${index}_expand`);
    this.expandBn = f.bn(mid, `L${index}_expand_bn`);
    this.dwW = f.he([o.kernel, o.kernel, mid, 1], o.kernel * o.kernel, `L${index}_dw`);
    this.dwBn = f.bn(mid, `L${index}_dw_bn`);
    this.projectW = f.he([1, 1, mid, cout], mid, `L${index}_project`);
    this.projectBn = f.bn(cout, `L${index}_project_bn`);
    // A residual block starts as the identity (its last batch norm's scale at 0, Goyal et al.
    // 2017): the deep narrow proxy then trains from its first steps instead of stalling near chance.
    if (this.residual) this.projectBn.gamma.assign(tf.zeros([cout]));
  }
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    let h = tf.relu(this.expandBn.apply(tf.conv2d(x, this.expandW as tf.Tensor4D, 1, 'same'), training)) as tf.Tensor4D;
    h = tf.relu(this.dwBn.apply(tf.depthwiseConv2d(h, this.dwW as tf.Tensor4D, this.stride, 'same'), training)) as tf.Tensor4D;
    const y = this.projectBn.apply(tf.conv2d(h, this.projectW as tf.Tensor4D, 1, 'same'), training) as tf.Tensor4D;
    return this.residual ? tf.add(x, y) : y;
  }
}

/** One architecture of the space at its real sizes (skipped layers are absent). */
export class ChildNet implements TrainableModel {
  readonly variables: tf.Variable[];
  private readonly ends: StemHead;
  private readonly layers: FixedMbconv[];
  constructor(shape: ProxyShape, readonly architecture: Architecture) {
    const f = new WeightFactory(shape.seed);
    this.ends = new StemHead(f, shape);
    this.layers = [];
    architecture.forEach((c, i) => {
      if (c !== SKIP) this.layers.push(new FixedMbconv(f, i, c, shape.width));
    });
    this.variables = f.all;
    this.named = f.named;
  }
  readonly named: readonly [string, tf.Variable][];
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    let h = this.ends.stem(x, training);
    for (const l of this.layers) h = l.apply(h, training);
    return this.ends.head(h, training);
  }
  dispose(): void {
    this.named.forEach(([, v]) => v.dispose());
  }
}
