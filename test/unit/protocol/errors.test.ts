import t from 'tap';
import { BlanketError, closest, ERRORS } from '../../../src/protocol/errors.js';

t.test('codes are stable and distinct', async (t) => {
  const rpc = Object.values(ERRORS).map((e) => e.rpc);
  t.equal(new Set(rpc).size, rpc.length, 'no two codes share an RPC number');
  t.equal(ERRORS.PARSE_ERROR.rpc, -32700);
  t.equal(ERRORS.INVALID_REQUEST.rpc, -32600);
  t.equal(ERRORS.METHOD_NOT_FOUND.rpc, -32601);
  t.equal(ERRORS.INVALID_PARAMS.rpc, -32602);
  t.equal(ERRORS.INTERNAL.rpc, -32603);
});

t.test('a BlanketError survives the wire', async (t) => {
  const e = new BlanketError('MISSING_ENV', 'task type greet requires NAME', { hint: '-e NAME=…', details: { missing: ['NAME'] } });
  t.equal(e.rpcCode, 1002);
  t.equal(e.isUserError, true);
  t.same(e.toData(), { missing: ['NAME'], code: 'MISSING_ENV', hint: '-e NAME=…' });
  const back = BlanketError.fromRpc({ code: e.rpcCode, message: e.message, data: e.toData() });
  t.equal(back.code, 'MISSING_ENV');
  t.equal(back.hint, '-e NAME=…');
  t.same(back.details, { missing: ['NAME'] });
  t.equal(back.message, e.message);
  // details cannot overwrite the code
  t.equal(new BlanketError('NOT_FOUND', 'x', { details: { code: 'INTERNAL' } }).toData().code, 'NOT_FOUND');
});

t.test('fromRpc without our data falls back on the number, then INTERNAL', async (t) => {
  t.equal(BlanketError.fromRpc({ code: -32601, message: 'Method not found' }).code, 'METHOD_NOT_FOUND');
  t.equal(BlanketError.fromRpc({ code: 1234567, message: '?' }).code, 'INTERNAL');
  t.equal(BlanketError.fromRpc({ code: 1001, message: 'x', data: { code: 'NOT_A_CODE' } }).code, 'UNKNOWN_TYPE');
  t.equal(BlanketError.fromRpc({ code: 1001, message: 'x', data: 'text' }).code, 'UNKNOWN_TYPE');
  t.equal(BlanketError.fromRpc({ code: 1001, message: 'x', data: { code: 'toString' } }).code, 'UNKNOWN_TYPE', 'inherited names are not codes');
});

t.test('closest suggests a near name, or nothing', async (t) => {
  const names = ['echo_task', 'bash_task', 'greet', 'python_hello', 'report', 'shell'];
  const table: Array<[string, string | undefined]> = [
    ['echo_tsak', 'echo_task'],
    ['echo', 'echo_task'],
    ['ECHO_TASK', 'echo_task'],
    ['gret', 'greet'],
    ['python', 'python_hello'],
    ['hello', 'python_hello'],
    ['shel', 'shell'],
    ['zzzzzzzz', undefined],
    ['kubernetes_deploy', undefined],
  ];
  for (const [word, want] of table) t.equal(closest(word, names), want, word);
  t.equal(closest('x', []), undefined);
});
