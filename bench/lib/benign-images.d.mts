/** Types of benign-images.mjs (the robustness evaluation's generated originals). */
export declare const IMAGE_KINDS: readonly string[];
export declare function benignImage(index: number): {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
  kind: string;
};
