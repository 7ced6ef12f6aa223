import t from 'tap';
import { executorArgv, executorTag } from '../../../src/core/executor.js';

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
    ['mytool', ['mytool', ['-c', 'CMD']]],
  ];
  for (const [exe, want] of table) t.same(executorArgv(exe, 'CMD'), want, exe);
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
