import { expect, test } from '@playwright/test';
import { apiGet, apiToken, signIn } from './helpers';
import { bulk, timelineOrder } from './fixtures';

test('shift-click selects three photos and trashing them takes them out of the timeline', async ({
	page,
	request
}) => {
	const token = await apiToken(request);
	const [a, b, c] = await timelineOrder(request, token);
	await signIn(page);
	const main = page.getByRole('main');
	const tile = (id: number) => main.locator(`a[href="/photos/${id}"]`);
	await expect(tile(a.id)).toBeVisible();

	await tile(a.id).hover();
	await main
		.getByRole('checkbox', { name: /^Select photo/ })
		.first()
		.click();
	await tile(c.id).click({ modifiers: ['Shift'] });
	const bar = page.getByRole('toolbar', { name: 'Selection' });
	await expect(bar).toContainText('3 selected');
	await expect(page).toHaveURL(/\/$/);

	await bar.getByRole('button', { name: 'Move to trash' }).click();
	const confirm = page.getByRole('alertdialog');
	await expect(confirm).toContainText('3 photos');
	await confirm.getByRole('button', { name: 'Move to trash' }).click();

	for (const { id } of [a, b, c]) await expect(tile(id)).toHaveCount(0);
	const trash = await apiGet<{ results: { id: number }[] }>(
		request,
		'/api/photos/?in_trash=true',
		token
	);
	expect(trash.results.map((photo) => photo.id)).toEqual(
		expect.arrayContaining([a.id, b.id, c.id])
	);
	// Put them back for the specs that count the timeline.
	await bulk(request, token, [a.id, b.id, c.id], 'restore');
});

test('Ctrl+A selects every photo and Escape clears the selection', async ({ page, request }) => {
	const token = await apiToken(request);
	const all = await timelineOrder(request, token);
	await signIn(page);
	await expect(page.getByRole('main').locator('a[href^="/photos/"]').first()).toBeVisible();
	await page.getByRole('main').click({ position: { x: 5, y: 5 } });
	await page.keyboard.press('ControlOrMeta+A');
	const bar = page.getByRole('toolbar', { name: 'Selection' });
	await expect(bar).toContainText(`${all.length} selected`);
	await page.keyboard.press('Escape');
	await expect(bar).toBeHidden();
});

test('the selection downloads as one zip', async ({ page, request }) => {
	const token = await apiToken(request);
	const [a, b] = await timelineOrder(request, token);
	await signIn(page);
	const main = page.getByRole('main');
	for (const { id } of [a, b]) {
		await main.locator(`a[href="/photos/${id}"]`).hover();
		await main.locator(`a[href="/photos/${id}"] + [role="checkbox"]`).click();
	}
	const bar = page.getByRole('toolbar', { name: 'Selection' });
	await expect(bar).toContainText('2 selected');
	const download = page.waitForEvent('download');
	await bar.getByRole('button', { name: 'Download zip' }).click();
	expect((await download).suggestedFilename()).toBe('ownphotos-2.zip');
});
