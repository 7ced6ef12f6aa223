// The self-signed TLS key and certificate a daemon serves its output to peers with: made once by
// `openssl` (node has no certificate generator) into the home, 0600, and kept, so its SHA-256
// fingerprint (which peers pin, read from the store's hosts row) stays the same across restarts.
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

export interface PeerCertificate {
  key: string;
  cert: string;
  /** SHA-256 of the certificate, as node prints it (AB:CD:…). */
  fingerprint: string;
}

/** The key and certificate in `dir` (key.pem, cert.pem), made there first if missing. Throws an Error saying what to do when openssl is missing. */
export async function peerCertificate(dir: string, name: string): Promise<PeerCertificate> {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  let key: string;
  let cert: string;
  try {
    [key, cert] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
  } catch {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `.new-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { mode: 0o700 });
    const cn = `blanket ${name}`.replace(/[^A-Za-z0-9 ._:@-]/g, '_').slice(0, 60);
    try {
      await promisify(execFile)(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '36500',
          '-subj',
          `/CN=${cn}`,
          '-keyout',
          path.join(tmp, 'key.pem'),
          '-out',
          path.join(tmp, 'cert.pem'),
        ],
        { timeout: 30_000 },
      );
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw new Error(`cannot make this daemon's TLS certificate with openssl (${(err as Error).message.split('\n')[0]}): install openssl, or unset store.peer_token`, {
        cause: err,
      });
    }
    for (const f of ['key.pem', 'cert.pem']) await chmod(path.join(tmp, f), 0o600);
    await rename(path.join(tmp, 'cert.pem'), certFile);
    await rename(path.join(tmp, 'key.pem'), keyFile);
    await rm(tmp, { recursive: true, force: true });
    [key, cert] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
  }
  // node:crypto only here: a daemon without a peer listener does not load it.
  const { X509Certificate } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return { key, cert, fingerprint: new X509Certificate(cert).fingerprint256 };
}
