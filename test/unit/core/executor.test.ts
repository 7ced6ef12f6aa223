import t from 'tap';
import { executorArgv, executorTag, unknownExecutor } from '../../../src/core/executor.js';

t.test('executorArgv', async (t) => {
  const table: Array<[string, [string, string[]]]> = [
    ['bash', ['bash', ['-c', 'CMD']]],
    ['/bin/sh', ['/bin/sh', ['-c', 'CMD']]],
    ['python3', ['python3', ['-c', 'CMD']]],
    ['node', ['node', ['-e', 'CMD']]],
    ['/usr/local/bin/node', ['/usr/local/bin/node', ['-e', 'CMD']]],
    ['pwsh', ['pwsh', ['-NoProfile', '-NonInteractive', '-Command', 'CMD']]],
    ['powershell.exe', ['powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', 'CMD']]],
    ['cmd.exe', ['cmd.exe', ['/d', '/s', '/c', 'CMD']]],
    ['ruby', ['ruby', ['-e', 'CMD']]],
    ['perl', ['perl', ['-e', 'CMD']]],
    ['php', ['php', ['-r', 'CMD']]],
    ['python3.12', ['python3.12', ['-c', 'CMD']]],
  ];
  for (const [exe, want] of table) t.same(executorArgv(exe, 'CMD'), want, exe);
});

t.test('an unknown executor is an error naming the known ones and how to run another program', async (t) => {
  for (const exe of ['mytool', '/opt/bin/tcl', 'rubyx']) {
    t.throws(() => executorArgv(exe, 'CMD'), /unknown executor/);
    t.match(
      unknownExecutor(exe),
      new RegExp(
        `^unknown executor "${exe.replace(/[/]/g, '\\/')}": blanket knows how to give a command to sh, bash.*ruby.*; to run another program, set executor = "bash" and command = `,
      ),
    );
  }
  for (const exe of ['bash', '/bin/sh', 'ruby', 'cmd.exe', 'pwsh']) t.equal(unknownExecutor(exe), undefined, exe);
});

t.test('executorTag: a bare program name is a capability, a path is not', async (t) => {
  const table: Array<[string, string | undefined]> = [
    ['bash', 'bash'],
    ['python3', 'python3'],
    ['python3.12', 'python3.12'],
    ['pwsh.exe', 'pwsh'],
    ['/usr/bin/python3', undefined],
    ['./run', undefined],
    ['C:\\bin\\tool.exe', undefined],
  ];
  for (const [exe, want] of table) t.equal(executorTag(exe), want, exe);
});
