/**
 * tfjs-core's Node bundle (dist/tf-core.node.js) registers no gradients: the union package
 * @tensorflow/tfjs does that by importing tfjs-core's ES-module build of
 * register_all_gradients, which Node cannot resolve on its own (its imports are
 * extensionless and name directories). A resolve hook limited to that folder adds the '.js'
 * or '/index.js' Node needs; the gradient files then register into tfjs's global registry,
 * which every copy of tfjs-core shares.
 */
import { register } from 'node:module';

const HOOK = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (context.parentURL && context.parentURL.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.')) {
      for (const suffix of ['.js', '/index.js']) {
        try { return await next(specifier + suffix, context); } catch { /* try the next form */ }
      }
    }
    throw err;
  }
}`;

let loading: Promise<void> | undefined;

/** Registers every tfjs-core gradient (once per process). */
export function registerAllGradients(): Promise<void> {
  loading ??= (async () => {
    register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  })();
  return loading;
}
