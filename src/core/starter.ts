// The commented starter file `blanket types new NAME` writes: a working type
// that shows the fields most types need, with the rest commented out.
import { quoteStyle } from './template.js';

export function starterType(name: string, executor = 'bash'): string {
  const style = quoteStyle(executor);
  const command =
    style === 'python'
      ? 'print("hello,", {{WHO}})'
      : style === 'node'
        ? 'console.log("hello,", {{WHO}})'
        : style === 'powershell'
          ? 'Write-Output "hello, $({{WHO}})"'
          : 'echo "hello," {{WHO}}';
  return `# ${name}: a blanket task type. Its name is the file's name.
#   blanket run ${name} -e WHO=Ada         run it (prints its id; --wait waits)
#   blanket types validate ${name}        check it after an edit
# Every field: docs/task-types.md. The daemon reloads this file when it changes.

description = "Say hello (describe what ${name} does in one line)."

# The program that runs the command: bash, sh, zsh, python3, node, pwsh, …
executor = "${executor}"

# {{NAME}} inserts a variable safely (a reference to it, written for where it sits), so a value is never run as code.
# {{raw NAME}} would splice it unquoted (then say so in the description).
command = '${command}'

# Capabilities a worker must have; the executor's name is added for you.
# tags = ["unix"]

# Seconds before the task is stopped and ends TIMEDOUT (0: no limit).
timeout = 3600

# Extra attempts after ERROR, TIMEDOUT or LOST; the delay doubles from retry_backoff.
# retries = 2
# retry_backoff = "10s"

# Higher runs first; at most max_concurrent of this type run at once (0: no limit).
# priority = 0
# max_concurrent = 0

# At most N tasks of this type start in any window ("10/1m"); its fair share among
# tasks of equal priority (docs/task-types.md, Dispatch).
# rate_limit = "10/1m"
# weight = 1

# Commands run (with sh) when a task ends. {{ID}}, {{STATE}}, {{EXIT_CODE}},
# {{DURATION}}, {{OUTPUT}}, … are the task's values, inserted safely for sh.
# on_failure = "notify-send '${name} failed' {{OUTPUT}}"
# on_success = "echo {{ID}} took {{DURATION}}s >> ~/${name}.log"

[[environment.default]]
name = "WHO"
value = "world"
description = "Who to greet: any text, passed with -e WHO=…"

# Variables every task must give (-e NAME=…):
# [[environment.required]]
# name = "TARGET"
# description = "What to work on."
`;
}
