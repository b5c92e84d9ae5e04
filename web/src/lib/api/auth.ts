/**
 * The session: the access token lives in memory only and is renewed ~30 s before it expires;
 * the refresh token is an httpOnly cookie (Path=/api/auth/) that page scripts never see.
 */

const RENEW_BEFORE_SECONDS = 30;

export class LoginError extends Error {}

interface TokenAnswer {
	access: string;
	access_expires: number;
}

let access: string | null = null;
let expiresAt = 0;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | null = null;

/** Django's CSRF cookie, readable by scripts by design; the refresh and logout calls echo it. */
export function csrfToken(): string {
	const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
	return match ? decodeURIComponent(match[1]) : '';
}

export function accessToken(): string | null {
	return access && Date.now() / 1000 < expiresAt ? access : null;
}

function accept(answer: TokenAnswer): void {
	access = answer.access;
	expiresAt = answer.access_expires;
	clearTimeout(renewTimer);
	const delay = Math.max(1, expiresAt - Date.now() / 1000 - RENEW_BEFORE_SECONDS) * 1000;
	renewTimer = setTimeout(() => void refresh(), delay);
}

function forget(): void {
	access = null;
	expiresAt = 0;
	clearTimeout(renewTimer);
}

async function authPost(path: string, body?: unknown, keepalive = false): Promise<Response> {
	return fetch(path, {
		method: 'POST',
		credentials: 'same-origin',
		keepalive,
		headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken() },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
}

export async function login(username: string, password: string): Promise<void> {
	const response = await authPost('/api/auth/login/', { username, password });
	if (response.status === 401 || response.status === 400) {
		throw new LoginError('Wrong username or password.');
	}
	if (!response.ok) throw new LoginError(`Sign-in failed (HTTP ${response.status}). Try again.`);
	accept((await response.json()) as TokenAnswer);
}

/** A new access token from the refresh cookie; false when the session is over. One at a time. */
export function refresh(): Promise<boolean> {
	refreshing ??= (async () => {
		try {
			// keepalive: a page unloading meanwhile does not cancel the request, so the browser
			// still stores the rotated cookie (the server's grace covers answers lost anyway).
			const response = await authPost('/api/auth/refresh/', undefined, true);
			if (!response.ok) {
				forget();
				return false;
			}
			accept((await response.json()) as TokenAnswer);
			return true;
		} catch {
			// Unreachable server: keep what we have; the caller shows the failure.
			return access !== null;
		} finally {
			refreshing = null;
		}
	})();
	return refreshing;
}

/** True when there is a usable session, renewing it from the cookie (a fresh tab, a reload). */
export async function ensureSession(): Promise<boolean> {
	return accessToken() !== null || refresh();
}

export async function logout(): Promise<void> {
	try {
		await authPost('/api/auth/logout/');
	} finally {
		forget();
	}
}

/** Where sign-in sends the user back to: only paths of this app, never another origin. */
export function safeNext(next: string | null): string {
	return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function loginUrl(): string {
	const here = location.pathname + location.search;
	return here.startsWith('/login') ? '/login' : `/login?next=${encodeURIComponent(here)}`;
}
