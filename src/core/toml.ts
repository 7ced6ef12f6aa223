// The TOML parser, required on first use. Only @iarna/toml's string parser: its index also
// loads the stream and async parsers and the stringifier, which cost a daemon ~4 MB more
// resident memory than this file alone (~0.8 MB). A daemon with no config.toml and no type
// files of its own loads none of it: the bundled types come parsed (dist/task-types.json).
import { createRequire } from 'node:module';

type ParseString = (text: string) => unknown;
let parser: { parse: ParseString } | undefined;

export function tomlParser(): { parse: ParseString } {
  parser ??= { parse: createRequire(import.meta.url)('@iarna/toml/parse-string.js') as ParseString };
  return parser;
}
