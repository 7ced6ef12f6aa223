// The shared vocabulary of the template context scanners: the executors' syntax families,
// what a spot's context is, and the mark that stands for a spot in a skeleton. Pure.

/** Syntax families of the executors blanket knows. `none`: no scanner; `{{NAME}}` is refused. */
export type Syntax = 'posix' | 'fish' | 'python' | 'node' | 'powershell' | 'cmd' | 'none';

/**
 * The context of one spot: what the reference must be written for, or why no reference is safe there.
 * posix/fish: plain | dquote | squote | ansi ($'…') | heredoc (unquoted-delimiter body) | comment;
 * python/node: code | comment; powershell: plain | dquote | comment; cmd: plain | dquote.
 */
export type Spot = { ctx: 'plain' | 'dquote' | 'squote' | 'ansi' | 'heredoc' | 'comment' | 'code' } | { refuse: string };

/** Marks a spot in a skeleton (the command with raw values spliced); values and templates never hold NUL. */
export const MARK = '\u0000';
