import * as path from 'node:path';
import type * as Yaml from '../clients/yaml/index';

/**
 * Stands in for the `yaml` package inside dist/extension.js (an esbuild alias): the first call
 * requires dist/yaml.js. Only Helm features (chart folders, release values, diffs) use YAML in
 * the activation bundle, so most sessions never load it. A module of the activation bundle that
 * imports another name from `yaml` fails the build until the name is added here and in
 * src/clients/yaml/index.ts.
 */
let loaded: typeof Yaml | undefined;

function yamlLibrary(): typeof Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require(path.join(__dirname, 'yaml.js')) as typeof Yaml;
  return loaded;
}

export const parseDocument: typeof Yaml.parseDocument = (...args: Parameters<typeof Yaml.parseDocument>) => yamlLibrary().parseDocument(...args);
export const stringify: typeof Yaml.stringify = ((...args: Parameters<typeof Yaml.stringify>) => yamlLibrary().stringify(...args)) as typeof Yaml.stringify;
