import t from 'tap';
import { commandShell, executorArgv, executorLabel, executorListShell, executorTag, unknownExecutor } from '../../../src/core/executor.js';

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

t.test('executor = [PROGRAM, ARGS…]: the list must end in a known shell and exactly its command flag', async (t) => {
  const ok: Array<[string[], string]> = [
    [['docker', 'run', '--rm', 'alpine', 'sh', '-c'], 'sh'],
    [['ssh', 'host', 'bash', '-c'], 'bash'],
    [['/usr/bin/env', 'python3', '-c'], 'python3'],
    [['nsenter', '-t', '1', 'pwsh', '-NoProfile', '-NonInteractive', '-Command'], 'pwsh'],
    [['bash', '-c'], 'bash'],
  ];
  for (const [list, shell] of ok) {
    t.same(executorListShell(list), { shell }, list.join(' '));
    t.same(executorArgv(list[0]!, 'CMD', list.slice(1)), [list[0], [...list.slice(1), 'CMD']], 'the command is the last argument');
    t.equal(commandShell(list[0]!, list.slice(1)), shell);
  }
  const bad: Array<[unknown[], RegExp]> = [
    [['docker', 'run', 'alpine'], /must end in a shell blanket knows and its command flag/],
    [['docker', 'run', 'alpine', 'sh'], /must end in a shell/],
    [['docker', 'run', 'alpine', 'sh', '-c', '-x'], /must end in a shell/],
    [['docker', 'run', 'alpine', 'sh', '-e'], /must end in a shell/],
    [['docker', 'run', 'alpine', 'mytool', '-c'], /must end in a shell/],
    [[], /a list of a program and its arguments/],
    [['docker', 3], /a list of a program and its arguments/],
    [['my prog', 'sh', '-c'], /the program \(the first element\) must be a name or path/],
    [['docker', 'a\0b', 'sh', '-c'], /NUL/],
  ];
  for (const [list, re] of bad) {
    const r = executorListShell(list);
    t.ok('problem' in r && re.test(r.problem), `${JSON.stringify(list)} refused: ${'problem' in r ? r.problem : 'accepted'}`);
  }
  t.throws(() => executorArgv('docker', 'CMD', ['run', 'alpine']), /must end in a shell/);
  t.equal(executorLabel('docker', ['run', 'sh', '-c']), '["docker", "run", "sh", "-c"]');
  t.equal(executorLabel('bash'), 'bash');
});
