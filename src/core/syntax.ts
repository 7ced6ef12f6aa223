// Where each `{{NAME}}` of a command sits in its executor's syntax. Quoting a
// value without knowing that cannot be made safe ('…' is literal inside "…"),
// so a `{{NAME}}` is rendered as a reference to an environment variable written
// for the context at that point; these small scanners find the context. Pure.

import { MARK, type Spot, type Syntax } from './syntax-spot.js';
import { posixSpots } from './syntax-posix.js';
import { cmdSpots, fishSpots, nodeSpots, powershellSpots, pythonSpots } from './syntax-other.js';

export { MARK, type Spot, type Syntax } from './syntax-spot.js';

/** The context of every MARK in `text`, in order. */
export function spots(syntax: Syntax, text: string): Spot[] {
  switch (syntax) {
    case 'posix':
      return posixSpots(text);
    case 'fish':
      return fishSpots(text);
    case 'python':
      return pythonSpots(text);
    case 'node':
      return nodeSpots(text);
    case 'powershell':
      return powershellSpots(text);
    case 'cmd':
      return cmdSpots(text);
    case 'none':
      return [...text].filter((c) => c === MARK).map(() => ({ refuse: 'this executor has no safe way to insert a value into its code' }));
  }
}
