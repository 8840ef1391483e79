// Starts a throw-away Linkwork server for the browser tests.
//
// The binary comes from LINKWORK_BIN (CI builds it first); by default it is
// ../../target/debug/linkwork relative to this folder. Each server gets a
// fresh temporary data folder and a free loopback port, loads the demo data
// (`serve --demo`) and is stopped with SIGTERM by `stop()`.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, access, constants, readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const DEMO_PASSWORD = 'linkwork-demo-2026';

/** Demo accounts created by `linkwork serve --demo`. */
export const DEMO_USERS = {
  admin: {
    email: 'admin@riverside.example',
    name: 'Alex Morgan',
    organisation: 'NHS Riverside Integrated Care Board',
    role: 'Administrator',
  },
  linkWorker: {
    email: 'linkworker.north@riverside.example',
    name: 'Samuel Okafor',
    organisation: 'Riverside North Primary Care Network',
    role: 'Link worker',
  },
  directoryManager: {
    email: 'directory@riverside.example',
    name: 'Gareth Owen',
    organisation: 'NHS Riverside Integrated Care Board',
    role: 'Directory manager',
  },
  partner: {
    email: 'partner.befrienders@riverside.example',
    name: 'Margaret Wilson',
    organisation: 'Riverside Befrienders',
    role: 'Community partner',
  },
  commissioner: {
    email: 'commissioner@riverside.example',
    name: 'Priya Shah',
    organisation: 'NHS Riverside Integrated Care Board',
    role: 'Commissioner',
  },
  teamLead: {
    email: 'teamlead.north@riverside.example',
    name: 'Joanne Clarke',
    organisation: 'Riverside North Primary Care Network',
    role: 'Team lead',
  },
};

/** The Linkwork binary to test: LINKWORK_BIN, else the debug build. */
export function linkworkBin() {
  const fromEnv = process.env.LINKWORK_BIN;
  // A relative LINKWORK_BIN is taken from the current directory.
  if (fromEnv) return path.resolve(fromEnv);
  return path.resolve(here, '../../target/debug/linkwork');
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `LINKWORK_BIN serve --demo` and waits until GET /readyz answers 200.
 *
 * @param {{ bin?: string, timeoutMs?: number, env?: Record<string, string> }} [options]
 * @returns {Promise<{ baseUrl: string, port: number, dataDir: string,
 *   output: () => string, stop: () => Promise<void> }>}
 */
export async function startServer({ bin = linkworkBin(), timeoutMs = 60_000, env = {} } = {}) {
  try {
    await access(bin, constants.X_OK);
  } catch {
    throw new Error(
      `Linkwork binary not found or not executable: ${bin}\n` +
        'Build it first (cargo build -p linkwork) or set LINKWORK_BIN.',
    );
  }

  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'linkwork-browser-'));
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const baseUrl = `http://${listen}`;

  let log = '';
  const child = spawn(
    bin,
    ['serve', '--demo', '--data-dir', dataDir, '--listen', listen],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Plain text logs without colour codes, so they read well in CI.
      env: { ...process.env, NO_COLOR: '1', ...env },
    },
  );
  child.stdout.setEncoding('utf8').on('data', (d) => (log += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (log += d));

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  let spawnError = null;
  child.on('error', (err) => (spawnError = err));

  // Never leave a server behind if the test process ends abruptly.
  const killOnExit = () => {
    if (exited === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (exited === null) child.kill('SIGKILL');
      }, 10_000);
      await exitPromise;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) {
      await stop();
      throw new Error(`Could not start ${bin}: ${spawnError.message}`);
    }
    if (exited !== null) {
      await stop();
      throw new Error(
        `Linkwork exited before it was ready (code ${exited.code}, signal ${exited.signal}).\n` +
          `--- server output ---\n${log}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `Linkwork did not answer 200 on /readyz within ${timeoutMs / 1000}s.\n` +
          `--- server output ---\n${log}`,
      );
    }
    await sleep(200);
  }

  return { baseUrl, port, dataDir, output: () => log, stop };
}

/**
 * Starts a real SMTP server (aiosmtpd, from the Python in
 * LINKWORK_TEST_AIOSMTPD, else python3) that keeps what it receives in a
 * maildir, and waits until it listens.
 *
 * @returns {Promise<{ url: string, emails: () => Promise<string[]>,
 *   stop: () => Promise<void> }>}
 */
export async function startMailServer() {
  const python = process.env.LINKWORK_TEST_AIOSMTPD || 'python3';
  const parent = await mkdtemp(path.join(os.tmpdir(), 'linkwork-mail-'));
  // aiosmtpd makes the maildir (new/, cur/, tmp/) only where none exists.
  const maildir = path.join(parent, 'maildir');
  const port = await freePort();
  let log = '';
  const child = spawn(
    python,
    ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.setEncoding('utf8').on('data', (d) => (log += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (log += d));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`aiosmtpd exited: ${log}`);
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`aiosmtpd did not listen on ${port}: ${log}`);
    }
    await sleep(100);
  }
  const emails = async () => {
    const dir = path.join(maildir, 'new');
    let names = [];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    return Promise.all(names.map((n) => readFile(path.join(dir, n), 'utf8')));
  };
  const stop = async () => {
    child.kill('SIGTERM');
    await rm(parent, { recursive: true, force: true });
  };
  return { url: `smtp://127.0.0.1:${port}`, emails, stop };
}

/**
 * Starts the test OpenID Connect provider (tests/oidc/provider.mjs, the
 * certified `oidc-provider` package) on a free port, registered to send
 * people back to `redirectUri`. Needs `npm ci` in tests/oidc.
 */
export async function startOidcProvider({ redirectUri, timeoutMs = 30_000 }) {
  const port = await freePort();
  const script = path.resolve(here, '../oidc/provider.mjs');
  let log = '';
  const child = spawn(process.execPath, [script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OIDC_PORT: String(port), OIDC_REDIRECT_URI: redirectUri },
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`OIDC provider did not start within ${timeoutMs} ms:\n${log}`)),
      timeoutMs,
    );
    const watch = (d) => {
      log += d;
      const found = log.match(/listening (\S+)/);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout.setEncoding('utf8').on('data', watch);
    child.stderr.setEncoding('utf8').on('data', watch);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`OIDC provider exited (${code}):\n${log}`));
    });
  });
  const issuer = await ready;
  return {
    issuer,
    clientId: 'linkwork',
    clientSecret: 'linkwork-test-client-secret',
    output: () => log,
    stop: async () => {
      process.off('exit', killOnExit);
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
    },
  };
}
