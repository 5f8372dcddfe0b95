import { build } from 'esbuild';

/** Options of {@link bundle}. */
export interface BundleOptions {
  /** Absolute path of the TypeScript (or JavaScript) entry module. */
  readonly entry: string;
  /**
   * Package export conditions, tried before esbuild's browser defaults. Default
   * `['@hashline/source']`, so workspace packages are bundled from their TypeScript sources and
   * tests need no prior `npm run build`.
   */
  readonly conditions?: readonly string[];
  /** Compile-time replacements, as esbuild's `define` (values are JavaScript expressions). */
  readonly define?: Readonly<Record<string, string>>;
  /** Minify the output (default false: readable stack traces matter more in tests). */
  readonly minify?: boolean;
}

/**
 * Bundles one entry module and everything it imports into a single browser ES module, in memory.
 *
 * @returns the JavaScript source of the bundle, to be served as `text/javascript`.
 * @throws Error listing esbuild's messages when the entry does not build.
 */
export async function bundle(options: BundleOptions): Promise<string> {
  const result = await build({
    entryPoints: [options.entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: [...(options.conditions ?? ['@hashline/source'])],
    define: { ...options.define },
    minify: options.minify ?? false,
    // Inline source maps let a page error's stack be mapped back to the TypeScript by hand.
    sourcemap: 'inline',
    logLevel: 'silent',
  }).catch((error: unknown) => {
    // esbuild rejects with an Error whose `errors` array holds located messages.
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } }[] })
      .errors;
    const detail = errors?.map(
      (e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`,
    );
    throw new Error(`bundling ${options.entry} failed${detail ? `:\n${detail.join('\n')}` : ''}`, {
      cause: error,
    });
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`bundling ${options.entry} produced no output`);
  return output.text;
}
