/** What a sealed value is for: each purpose gets its own key, derived from the server's master key. */
export type SealPurpose = 'receipt' | 'contact' | 'media' | 'totp' | 'device' | 'exchange';

/**
 * Authenticated encryption at rest (AES-256-GCM in the server's adapter) with keys kept outside
 * the database. Opening a value sealed for another purpose, or tampered with, throws.
 */
export interface SecretBox {
  sealText(purpose: SealPurpose, text: string): string;
  openText(purpose: SealPurpose, sealed: string): string;
  sealBytes(purpose: SealPurpose, bytes: Uint8Array): Uint8Array;
  openBytes(purpose: SealPurpose, sealed: Uint8Array): Uint8Array;
}
