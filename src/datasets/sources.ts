/**
 * Every dataset a user can name (`--dataset mnist|fashion-mnist|cifar10`),
 * registered here explicitly rather than by importing each file for its side
 * effect. The registry name is the source's `name` and the cache file's prefix.
 */
import { Registry } from '../common/registry.js';
import { cifar10Source } from './cifar10.js';
import { fashionMnistSource } from './fashion-mnist.js';
import { mnistPackageSource } from './mnist-package.js';
import type { DatasetSource } from './types.js';

export const datasetSources = new Registry<DatasetSource>('dataset')
  .register(mnistPackageSource.name, mnistPackageSource)
  .register(fashionMnistSource.name, fashionMnistSource)
  .register(cifar10Source.name, cifar10Source);
