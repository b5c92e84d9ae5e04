/** Helpers for the specs: signing in through the page, and the API with a bearer token. */
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { ADMIN } from './env';

export async function signIn(page: Page, user = ADMIN, next = '/'): Promise<void> {
	await page.goto(next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`);
	await page.getByLabel('Username').fill(user.username);
	await page.getByLabel('Password').fill(user.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page.getByRole('banner')).toBeVisible();
}

/** A bearer token from the scripts' endpoint, for checking what the server holds. */
export async function apiToken(request: APIRequestContext, user = ADMIN): Promise<string> {
	const response = await request.post('/api/auth/token/', { data: user });
	expect(response.status()).toBe(200);
	return ((await response.json()) as { access: string }).access;
}

export async function apiGet<T>(
	request: APIRequestContext,
	url: string,
	token: string
): Promise<T> {
	const response = await request.get(url, { headers: { Authorization: `Bearer ${token}` } });
	expect(response.status(), url).toBe(200);
	return (await response.json()) as T;
}
