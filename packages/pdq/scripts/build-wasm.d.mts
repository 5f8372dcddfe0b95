/** Path of the generated TypeScript module (src/wasm-core-bytes.ts). */
export const GENERATED: string;
/** Compiles src/pdq-core.wat to the bytes of a WebAssembly module. */
export function compileWat(): Promise<Uint8Array>;
/** The text of src/wasm-core-bytes.ts for the current .wat source. */
export function renderGeneratedModule(): Promise<string>;
