/**
 * The zoo: built-in workloads by name, as DESIGN.md's `--workload NAME` takes them. Each
 * entry builds a validated network; `resolution` shrinks the big ImageNet networks so they
 * stay practical on a small CPU.
 */
import type { Network } from '../ir.js';
import { LabbenchError } from '../../api/errors.js';
import { alexnet } from './alexnet.js';
import { cifar10SixConv } from './cifar10-6conv.js';
import { mobilenetv2 } from './mobilenetv2.js';
import { mnistOneHidden, mnistResnet, mnistThreeHidden, mnistTwoConv, mnistVgg } from './mnist.js';
import { nin } from './nin.js';
import type { ZooOptions } from './options.js';
import { overfeat } from './overfeat.js';
import { resnet56 } from './resnet56.js';
import { spnasSpace } from './spnas-space.js';
import { vgg13 } from './vgg13.js';
import { vgg16 } from './vgg16.js';

export type { ZooOptions } from './options.js';

export type ZooName = 'vgg16' | 'alexnet' | 'nin' | 'overfeat' | 'cifar10-6conv' | 'resnet56' | 'vgg13' | 'mobilenetv2' | 'spnas-space'
  | 'mnist-1hidden' | 'mnist-2conv' | 'mnist-3hidden' | 'mnist-vgg' | 'mnist-resnet';

export interface ZooEntry {
  readonly description: string;
  /** Input height = width when `resolution` is not given. */
  readonly defaultResolution: number;
  readonly build: (opts?: ZooOptions) => Network;
}

export const ZOO: Readonly<Record<ZooName, ZooEntry>> = {
  vgg16: { description: 'VGG-16, ImageNet (13 conv + 3 fc, no BN)', defaultResolution: 224, build: vgg16 },
  alexnet: { description: 'AlexNet, ImageNet (torchvision single-tower, no LRN)', defaultResolution: 224, build: alexnet },
  nin: { description: 'Network-in-Network, ImageNet (Caffe nin_imagenet)', defaultResolution: 224, build: nin },
  overfeat: { description: 'OverFeat fast model, ImageNet', defaultResolution: 231, build: overfeat },
  'cifar10-6conv': { description: 'CIFAR-10 6-conv (128/256/512 pairs, fc 1024, 1024)', defaultResolution: 32, build: cifar10SixConv },
  resnet56: { description: 'ResNet-56, CIFAR-10 (option B shortcuts)', defaultResolution: 32, build: resnet56 },
  vgg13: { description: 'VGG-13 with BN, CIFAR-10 (as pruned by LeGR)', defaultResolution: 32, build: vgg13 },
  mobilenetv2: { description: 'MobileNetV2 1.0, ImageNet', defaultResolution: 224, build: mobilenetv2 },
  'spnas-space': { description: 'Single-Path NAS space, reference architecture (all layers k3 e6)', defaultResolution: 224, build: spnasSpace },
  'mnist-1hidden': { description: 'MNIST 784-100-10 MLP (LightNN table, 79,510 params)', defaultResolution: 28, build: mnistOneHidden },
  'mnist-2conv': { description: 'MNIST LeNet 2-conv (LightNN table, 431,080 params)', defaultResolution: 28, build: mnistTwoConv },
  'mnist-3hidden': { description: 'MNIST 784-4096x3-10 MLP (LightNN table, 36,818,954 params)', defaultResolution: 28, build: mnistThreeHidden },
  'mnist-vgg': { description: 'VGG-style 5-conv net with BN for 28x28x1 (LeGR demo)', defaultResolution: 28, build: mnistVgg },
  'mnist-resnet': { description: 'ResNet-8-style net for 28x28x1 (LeGR demo)', defaultResolution: 28, build: mnistResnet },
};

export const ZOO_NAMES: readonly ZooName[] = Object.keys(ZOO) as ZooName[];

export function isZooName(name: string): name is ZooName {
  return (ZOO_NAMES as readonly string[]).includes(name);
}

/** Builds a zoo network; throws WORKLOAD_NOT_FOUND for an unknown name. */
export function zooNetwork(name: string, opts: ZooOptions = {}): Network {
  if (!isZooName(name)) {
    throw new LabbenchError('WORKLOAD_NOT_FOUND', `no zoo workload named "${name}"; valid names: ${ZOO_NAMES.join(', ')}`);
  }
  return ZOO[name].build(opts);
}
