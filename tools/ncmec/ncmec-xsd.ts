// Validates documents against the XSD written from NCMEC's CyberTipline Reporting API description
// (ncmec-cybertipline.xsd beside this file), with libxml2's xmllint compiled to WebAssembly
// (xmllint-wasm: installed from the npm registry, no binary download, no network at run time).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateXML } from 'xmllint-wasm';

/** The XSD's text. */
export const NCMEC_XSD = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), 'ncmec-cybertipline.xsd'),
  'utf8',
);

/**
 * Validates one XML document (`report`, `fileDetails` or `reportResponse`) against the XSD.
 * @returns the schema errors, empty when the document is valid
 */
export async function ncmecSchemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: 'document.xml', contents: xml }],
    schema: [{ fileName: 'ncmec-cybertipline.xsd', contents: NCMEC_XSD }],
  });
  return result.valid ? [] : result.errors.map((e) => e.message.trim());
}
