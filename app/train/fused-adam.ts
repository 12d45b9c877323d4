/**
 * tfjs's AdamOptimizer with each variable's update as one WebAssembly pass on the wasm
 * backend's heap (fused-adam-wasm.ts) instead of ~10 elementwise tensor ops: on big nets the
 * optimizer was a large share of a step (docs/decisions/0018-fused-adam.md).
 *
 * It is an AdamOptimizer in everything else: the moments live in the parent's slots (same
 * names, order and zero initialisation, a slot for a variable whose gradient is missing,
 * which is then left alone), beta1^t and beta2^t in its float32 variables, so getWeights,
 * setWeights, dispose and serialisation are the parent's. New w, m and v go to fresh buffers
 * that the variables are assigned, never written over the old ones: tfjs data is immutable
 * to everything else (LightnnMemo remembers quantized weights by their data id; a clone
 * shares its source's data). Where a step cannot run in the heap (another backend, a tfjs
 * whose internals moved, a non-float32 gradient), it is the parent's applyGradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { adamStepInMemory, wasmSimdSupported } from './fused-adam-wasm.js';
import { tfjsWasmMemory } from './wasm-bytes.js';

/** AdamOptimizer's private state (tfjs-core 4.x), read and updated as its own applyGradients does. */
interface AdamState {
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: { originalName: string; variable: Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: Variable }[];
}

/** What AdamOptimizer.applyGradients takes: gradients by name, or a list of named tensors (tfjs does not export these types). */
type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

export interface FusedAdamOptions {
  /** The f32x4 loop (default: where this runtime's WebAssembly has SIMD). */
  readonly simd?: boolean;
}

/** tfjs's Adam keeps its rate in a protected field; SGD and momentum already have a setter. */
export class AdamWithRate extends tf.AdamOptimizer {
  /** The learning rate of the next steps (a schedule moves it between steps). */
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

export class FusedAdam extends AdamWithRate {
  private readonly simd: boolean;
  /** Steps that ran fused (the rest went through the parent's tensor ops); for tests and logs. */
  fusedSteps = 0;

  constructor(learningRate: number, beta1: number, beta2: number, epsilon?: number, opts: FusedAdamOptions = {}) {
    // The parent takes null, not undefined, for "the backend's epsilon".
    super(learningRate, beta1, beta2, epsilon ?? (null as unknown as number));
    this.simd = opts.simd ?? wasmSimdSupported();
  }

  private get state(): AdamState {
    return this as unknown as AdamState;
  }

  override applyGradients(variableGradients: Gradients): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const gradientOf = (name: string, i: number): Tensor | undefined =>
      (Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name]) ?? undefined;
    const backend = tf.getBackend() === 'wasm' ? (tf.backend() as BackendWasm) : undefined;
    const memory = backend && tfjsWasmMemory(backend);
    const s = this.state;
    const fusable =
      backend && memory && s.accBeta1 instanceof tf.Variable && Array.isArray(s.accumulatedFirstMoment) &&
      names.every((name, i) => {
        const g = gradientOf(name, i);
        return !g || (g.dtype === 'float32' && backend.dataIdMap.get(g.dataId)?.memoryOffset !== undefined);
      });
    if (!fusable) {
      super.applyGradients(variableGradients);
      return;
    }
    const offset = (t: tf.TensorInfo): number => {
      const at = backend.dataIdMap.get(t.dataId)?.memoryOffset;
      if (at === undefined) throw new Error(`fused Adam: tensor data ${String(t.dataId)} is not on the wasm heap`);
      return at;
    };
    // beta^t as the parent keeps it: float32 variables, one float32 product per step.
    const c1 = Math.fround(1 - (s.accBeta1.dataSync()[0] ?? NaN));
    const c2 = Math.fround(1 - (s.accBeta2.dataSync()[0] ?? NaN));
    const k = { beta1: this.beta1, beta2: this.beta2, c1, c2, epsilon: this.epsilon, learningRate: this.learningRate };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (!value) throw new Error(`fused Adam: no variable named '${name}'`);
        s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const g = gradientOf(name, i);
        if (!g) return;
        const m = s.accumulatedFirstMoment[i].variable;
        const v = s.accumulatedSecondMoment[i].variable;
        if (g.size !== value.size || m.size !== value.size || v.size !== value.size) {
          throw new Error(`fused Adam: '${name}' has ${value.size} values, its gradient ${g.size}, its moments ${m.size} and ${v.size}`);
        }
        const shape = [...value.shape];
        const [wOut, mOut, vOut] = [0, 1, 2].map(() => backend.makeOutput(shape, 'float32'));
        adamStepInMemory(memory, { w: offset(value), g: offset(g), m: offset(m), v: offset(v), wOut: offset(wOut!), mOut: offset(mOut!), vOut: offset(vOut!) }, value.size, k, this.simd);
        const engine = tf.engine();
        m.assign(engine.makeTensorFromTensorInfo(mOut!));
        v.assign(engine.makeTensorFromTensorInfo(vOut!));
        value.assign(engine.makeTensorFromTensorInfo(wOut!));
      });
      s.accBeta1.assign(tf.mul(s.accBeta1, this.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, this.beta2));
    });
    this.incrementIterations();
    this.fusedSteps++;
  }
}

/** Whether makeOptimizer should use FusedAdam: the wasm backend, unless LABBENCH_FUSED_ADAM=0. */
export function fusedAdamWanted(): boolean {
  return tf.getBackend() === 'wasm' && process.env.LABBENCH_FUSED_ADAM !== '0';
}
