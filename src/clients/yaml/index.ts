// The parts of the `yaml` package that the activation bundle's code uses, bundled alone as
// dist/yaml.js so that dist/extension.js does not parse 110 KiB of YAML library at activation.
export { parseDocument, stringify } from 'yaml';
