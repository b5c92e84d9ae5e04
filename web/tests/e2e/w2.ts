/** Helpers of the library screens' specs (W2): the API with a bearer token, and manage.py on
 * the harness's data folder. */
import { expect, type APIRequestContext } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from './env';

export async function api<T>(
	request: APIRequestContext,
	token: string,
	method: 'get' | 'post' | 'patch' | 'delete',
	url: string,
	data?: unknown
): Promise<T> {
	const response = await request[method](url, {
		headers: { Authorization: `Bearer ${token}` },
		data
	});
	expect(response.status(), `${method} ${url}`).toBeLessThan(300);
	return (response.status() === 204 ? null : await response.json()) as T;
}

/** `manage.py ARGS` against the server's data folder (the harness's temp folder). */
export function manage(...args: string[]): string {
	const root = process.env.E2E_ROOT;
	if (!root) throw new Error('E2E_ROOT is not set: run through the Playwright global setup');
	const env: NodeJS.ProcessEnv = { ...process.env, OWNPHOTOS_DATA: path.join(root, 'data') };
	for (const name of ['DATABASE_URL', 'CELERY_BROKER_URL']) delete env[name];
	const result = spawnSync(path.join(REPO, '.venv/bin/python'), ['manage.py', ...args], {
		cwd: REPO,
		env,
		encoding: 'utf-8'
	});
	if (result.status !== 0) throw new Error(`manage.py ${args.join(' ')}:\n${result.stderr}`);
	return result.stdout;
}

export interface ApiPerson {
	id: number;
	name: string | null;
	face_count: number;
}
export interface ApiFace {
	id: number;
	photo: number;
	person: number | null;
}
