// Module hooks used by source-worker-bootstrap.mjs (source mode only, never in dist/):
// - resolve: workspace packages through their `@hashline/source` export condition, and the
//   `./x.js` specifiers of NodeNext TypeScript to the `./x.ts` file beside them;
// - load: .ts files transpiled (types erased, no type check) with esbuild or the TypeScript compiler.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** @type {((source: string, fileName: string) => Promise<string>) | undefined} */
let transpile;
/** @type {(() => Promise<void>) | undefined} */
let release;

// The bootstrap says when the worker's module graph is loaded: then the esbuild service (a child
// process) is stopped, so workers that come and go leave no process behind. A later .ts import
// would simply start a new one.
export function initialize(data) {
  data?.port?.on('message', () => {
    void release?.();
    data.port.close();
  });
  data?.port?.unref();
}

// esbuild when installed (fast: ~0.2 s per worker start), else the TypeScript compiler (~1.5 s).
async function loadTranspiler() {
  try {
    const esbuild = await import('esbuild');
    release = () => esbuild.stop();
    return async (source, fileName) =>
      (
        await esbuild.transform(source, {
          loader: 'ts',
          format: 'esm',
          target: 'node20',
          sourcefile: fileName,
          sourcemap: 'inline',
        })
      ).code;
  } catch {
    const ts = (await import('typescript')).default;
    return async (source, fileName) =>
      ts.transpileModule(source, {
        fileName,
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
          inlineSourceMap: true,
        },
      }).outputText;
  }
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const candidate = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(fileURLToPath(candidate)))
      return { url: candidate.href, format: 'module', shortCircuit: true };
  }
  const conditions = [...(context.conditions ?? []), '@hashline/source'];
  return nextResolve(specifier, { ...context, conditions });
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  transpile ??= await loadTranspiler();
  const fileName = fileURLToPath(url);
  return {
    format: 'module',
    source: await transpile(await readFile(fileName, 'utf8'), fileName),
    shortCircuit: true,
  };
}
