import { expect, test } from '@playwright/test';
import { manifest } from './env';
import { signIn } from './helpers';

test('the map shows every geotagged photo and asks no other host', async ({ page, baseURL }) => {
	const geotagged = manifest().files.filter(
		(file) => (file.exif as { gps?: unknown } | undefined)?.gps
	).length;
	const origin = new URL(baseURL!).origin;
	const elsewhere: string[] = [];
	page.on('request', (request) => {
		const url = request.url();
		if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) {
			elsewhere.push(url);
		}
	});

	await signIn(page, undefined, '/places');
	await expect(page.getByRole('heading', { name: 'Places' })).toBeVisible();
	const clusters = page.getByRole('button', { name: /^\d+ photos?$/ });
	await expect(clusters.first()).toBeVisible();
	await expect
		.poll(async () => {
			const names = await clusters.evaluateAll((nodes) =>
				nodes.map((n) => n.getAttribute('aria-label') ?? '')
			);
			return names.reduce((sum, name) => sum + parseInt(name, 10), 0);
		})
		.toBe(geotagged);

	// The five Italian photos lie within a few hundred metres: one cluster at world zoom, whose
	// click opens the grid of its area.
	await page.getByRole('button', { name: '5 photos' }).click();
	await expect(page).toHaveURL(/\/places\?bbox=/);
	await expect(page.getByRole('heading', { name: 'Photos in this area' })).toBeVisible();
	await expect(page.getByRole('main').locator('a[href^="/photos/"]')).toHaveCount(5);

	// The place list opens a place's grid.
	await page.getByRole('link', { name: 'All places' }).click();
	const list = page.getByRole('navigation', { name: 'Places list' });
	await list.getByRole('link').first().click();
	await expect(page).toHaveURL(/\/places\?place=\d+$/);
	await expect(page.getByRole('main').locator('a[href^="/photos/"]').first()).toBeVisible();

	expect(elsewhere, 'requests to other hosts').toEqual([]);
});
