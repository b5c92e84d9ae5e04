/**
 * The one API client: every request of the app goes through `request`, which sends the
 * in-memory access token, renews it once on a 401 and sends the user to sign-in when the
 * session is over. Types come from the generated OpenAPI schema (`schema.d.ts`).
 */
import { goto } from '$app/navigation';
import { accessToken, csrfToken, loginUrl, refresh } from './auth';
import type { components } from './schema';

export type Schemas = components['schemas'];

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
	method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
	query?: Query;
	json?: unknown;
	body?: BodyInit;
	signal?: AbortSignal;
	headers?: Record<string, string>;
}

/** A non-2xx answer; `detail` is the server's message when it sent one. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly detail: string,
		readonly body: unknown
	) {
		super(detail || `HTTP ${status}`);
	}
}

/** The server could not be reached at all (down, network gone). */
export class OfflineError extends Error {}

export function queryString(query: Query | undefined): string {
	const params = new URLSearchParams();
	for (const [key, value] of Object.entries(query ?? {})) {
		if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
	}
	const text = params.toString();
	return text ? `?${text}` : '';
}

async function send(path: string, options: RequestOptions): Promise<Response> {
	const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
	const token = accessToken();
	if (token) headers.Authorization = `Bearer ${token}`;
	let body = options.body;
	if (options.json !== undefined) {
		headers['Content-Type'] = 'application/json';
		body = JSON.stringify(options.json);
	}
	if (options.method && options.method !== 'GET') headers['X-CSRFToken'] = csrfToken();
	try {
		return await fetch(path + queryString(options.query), {
			method: options.method ?? 'GET',
			headers,
			body,
			signal: options.signal,
			credentials: 'same-origin'
		});
	} catch (error) {
		if (error instanceof DOMException && error.name === 'AbortError') throw error;
		throw new OfflineError('The server cannot be reached.');
	}
}

export async function request(path: string, options: RequestOptions = {}): Promise<Response> {
	let response = await send(path, options);
	if (response.status === 401) {
		if (await refresh()) response = await send(path, options);
		if (response.status === 401) {
			await goto(loginUrl());
			throw new ApiError(401, 'Your session has ended: sign in again.', null);
		}
	}
	if (!response.ok && response.status !== 304) {
		const parsed: unknown = await response.json().catch(() => null);
		const detail =
			parsed && typeof parsed === 'object' && 'detail' in parsed ? String(parsed.detail) : '';
		throw new ApiError(response.status, detail, parsed);
	}
	return response;
}

export async function getJson<T>(path: string, options: Omit<RequestOptions, 'method'> = {}) {
	const response = await request(path, options);
	return (await response.json()) as T;
}

export async function sendJson<T>(
	method: 'POST' | 'PATCH' | 'PUT' | 'DELETE',
	path: string,
	json?: unknown
): Promise<T | null> {
	const response = await request(path, { method, json });
	return response.status === 204 ? null : ((await response.json()) as T);
}

export type ThumbnailSize = 'small' | 'big';

/** Images authenticate with the access cookie (no header on <img>). */
export function thumbnailUrl(id: number, size: ThumbnailSize): string {
	return `/api/photos/${id}/thumbnail/${size}/`;
}

export type Me = Schemas['User'];

export function me(): Promise<Me> {
	return getJson<Me>('/api/users/me/');
}
