import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

test('a reload after a refresh whose answer never arrived stays signed in', async ({ page }) => {
	await signIn(page);
	const context = page.context();
	const refreshCookie = async () =>
		(await context.cookies()).find((cookie) => cookie.name === 'ownphotos_refresh')!;
	const before = await refreshCookie();

	// A reload renews the session from the cookie: the server rotates it...
	const renewed = page.waitForResponse('**/api/auth/refresh/');
	await page.reload();
	expect((await renewed).status()).toBe(200);
	await expect(page.getByRole('banner')).toBeVisible();
	expect((await refreshCookie()).value).not.toBe(before.value);
	// ...but the page unloaded before the answer came, so the browser kept the old cookie.
	await context.addCookies([before]);

	const again = page.waitForResponse('**/api/auth/refresh/');
	await page.reload();
	expect((await again).status()).toBe(200);
	await expect(page).not.toHaveURL(/\/login/);
	await expect(page.getByRole('navigation').getByRole('link', { name: 'Photos' })).toBeVisible();

	// The old cookie worked once: presented again, it is refused.
	await context.addCookies([before]);
	await page.reload();
	await expect(page).toHaveURL(/\/login/);
});
