/**
 * One real server for all specs: a fresh temp data folder, migrated, two users, a copy of the
 * shared photo corpus scanned with every pipeline step (`scan --wait`), then `manage.py serve`
 * on E2E_PORT. The returned function stops it (its whole process group) and removes the folder.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADMIN, OTHER, REPO } from './env';

const PYTHON = path.join(REPO, '.venv/bin/python');
const MANAGE = path.join(REPO, 'manage.py');
const CORPUS = path.resolve(REPO, '../shared/photos');

function run(args: string[], options: SpawnSyncOptions): string {
	const result = spawnSync(PYTHON, [MANAGE, ...args], { encoding: 'utf-8', ...options });
	if (result.status !== 0) {
		throw new Error(`manage.py ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
	}
	return String(result.stdout);
}

async function waitUntilUp(url: string, seconds: number): Promise<void> {
	const deadline = Date.now() + seconds * 1000;
	while (Date.now() < deadline) {
		try {
			await fetch(url);
			return;
		} catch {
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}
	throw new Error(`the server did not answer ${url} within ${seconds} s`);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
	const port = Number(process.env.E2E_PORT ?? 18200);
	// A developer's loop: specs against a server already running on E2E_PORT (same users).
	if (process.env.E2E_SERVER_RUNNING) return async () => {};
	const root = mkdtempSync(path.join(tmpdir(), 'ownphotos-e2e-'));
	const library = path.join(root, 'photos');
	cpSync(CORPUS, library, { recursive: true });
	// The server serves a copy of the build, so a rebuild of web/ meanwhile (by `make install`
	// in the same tree) cannot pull the assets from under the running specs.
	const build = path.join(root, 'web-build');
	cpSync(path.join(REPO, 'web/build'), build, { recursive: true });

	const env: NodeJS.ProcessEnv = {
		...process.env,
		OWNPHOTOS_DATA: path.join(root, 'data'),
		OWNPHOTOS_WEB_BUILD: build
	};
	// Embedded SQLite and filesystem broker inside the temp folder: nobody else's database.
	for (const name of ['DATABASE_URL', 'CELERY_BROKER_URL', 'OWNPHOTOS_DEBUG']) delete env[name];
	const options: SpawnSyncOptions = { env, cwd: REPO, maxBuffer: 64 * 1024 * 1024 };

	const started = Date.now();
	run(['migrate', '--no-input'], options);
	run(
		['createuser', ADMIN.username, '--password', ADMIN.password, '--admin', '--library', library],
		options
	);
	run(['createuser', OTHER.username, '--password', OTHER.password], options);
	const scanned = run(['scan', '--user', ADMIN.username, '--wait'], options)
		.trim()
		.split('\n')
		.pop();
	console.log(`e2e: corpus scanned in ${((Date.now() - started) / 1000).toFixed(1)} s: ${scanned}`);

	const server = spawn(
		PYTHON,
		[MANAGE, 'serve', '--bind', `127.0.0.1:${port}`, '--web-workers', '2'],
		{ env, cwd: REPO, detached: true, stdio: ['ignore', 'ignore', 'inherit'] }
	);
	await waitUntilUp(`http://127.0.0.1:${port}/api/schema/`, 60);
	process.env.E2E_ROOT = root;

	return async () => {
		if (server.pid) {
			try {
				process.kill(-server.pid, 'SIGTERM');
			} catch {
				// Already gone.
			}
			await new Promise((resolve) => server.once('exit', resolve).once('error', resolve));
		}
		if (!process.env.E2E_KEEP) rmSync(root, { recursive: true, force: true });
	};
}
