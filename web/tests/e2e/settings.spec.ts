import { expect, test, type Browser } from '@playwright/test';
import { apiGet, apiToken, signIn } from './helpers';
import { scratchDir } from './fixtures';

interface ApiUser {
	id: number;
	username: string;
	is_active: boolean;
	libraries: string[];
}

async function signInFresh(browser: Browser, username: string, password: string) {
	const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
	const page = await context.newPage();
	await page.goto('/login');
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	return { context, page };
}

test('staff create a user, give them a library and deactivate them; the server is described', async ({
	page,
	browser,
	request
}) => {
	const token = await apiToken(request);
	const username = `settings-${Date.now()}`;
	const password = 'settings-test-password-1';
	const users = async () =>
		(await apiGet<{ results: ApiUser[] }>(request, '/api/users/?page_size=500', token)).results;
	await signIn(page, undefined, '/settings');
	const section = page.getByRole('region', { name: 'Users' });
	const form = section.locator('form', { has: page.getByRole('heading', { name: 'New user' }) });

	// A folder that does not exist is refused by the server, and no user is made.
	await form.getByLabel('Username').fill(username);
	await form.getByLabel('Password').fill(password);
	await form.getByLabel('Library folder').fill('/no/such/folder');
	await form.getByRole('button', { name: 'Create user' }).click();
	await expect(section).toContainText('does not exist');
	expect((await users()).map((u) => u.username)).not.toContain(username);

	// Without a folder the user is made and listed, and can sign in.
	await form.getByLabel('Library folder').fill('');
	await form.getByRole('button', { name: 'Create user' }).click();
	await expect(section).toContainText(`User ${username} created.`);
	const row = section.getByRole('row', { name: new RegExp(username) });
	await expect(row).toBeVisible();
	const first = await signInFresh(browser, username, password);
	await expect(first.page.getByRole('banner')).toBeVisible();
	await first.context.close();

	// A real folder becomes their library.
	const folder = scratchDir();
	await row.getByLabel(`Add a library folder for ${username}`).fill(folder);
	await row.getByRole('button', { name: 'Add' }).click();
	await expect(row.locator('code')).toHaveText(folder);
	expect((await users()).find((u) => u.username === username)?.libraries).toEqual([folder]);

	// Deactivated, they cannot sign in any more.
	await row.getByRole('button', { name: `Deactivate ${username}` }).click();
	await expect(row.getByRole('button', { name: `Activate ${username}` })).toBeVisible();
	expect((await users()).find((u) => u.username === username)?.is_active).toBe(false);
	const second = await signInFresh(browser, username, password);
	await expect(second.page.getByRole('alert')).toBeVisible();
	await expect(second.page).toHaveURL(/\/login/);
	await second.context.close();

	// The server's state: the embedded database and broker of the test server.
	const server = page.getByRole('region', { name: 'Server' });
	await expect(server).toContainText(/Database\s*sqlite/i);
	await expect(server).toContainText('Version');
	await expect(server).toContainText('Queues');
});
