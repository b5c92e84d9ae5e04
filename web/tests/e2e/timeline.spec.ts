import { expect, test } from '@playwright/test';
import { ADMIN } from './env';
import { signIn } from './helpers';

test('sign in shows the shell with its landmarks and links', async ({ page }) => {
	await signIn(page);
	await expect(page.getByRole('navigation')).toBeVisible();
	await expect(page.getByRole('main')).toBeVisible();
	const nav = page.getByRole('navigation');
	for (const name of ['Photos', 'Search', 'People', 'Places', 'Albums', 'Favorites', 'Trash']) {
		await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
	}
	await expect(page.getByRole('searchbox', { name: 'Search' })).toBeVisible();
	await page.getByRole('button', { name: 'Account menu' }).click();
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(/\/login$/);
});

test('a wrong password says so', async ({ page }) => {
	await page.goto('/login');
	await page.getByLabel('Username').fill(ADMIN.username);
	await page.getByLabel('Password').fill('not-the-password');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page.getByRole('alert')).toHaveText(/wrong username or password/i);
	await expect(page).toHaveURL(/\/login$/);
});

test('a deep link without a session goes to sign-in and back', async ({ page }) => {
	await page.goto('/favorites');
	await expect(page).toHaveURL(/\/login\?next=%2Ffavorites$/);
	await page.getByLabel('Username').fill(ADMIN.username);
	await page.getByLabel('Password').fill(ADMIN.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/favorites$/);
	await expect(page.getByRole('heading', { name: 'Favorites' })).toBeVisible();
});
