import { expect, test, type APIRequestContext, type Browser } from '@playwright/test';
import { OTHER } from './env';
import { apiToken, signIn } from './helpers';
import { api } from './w2';

interface MonthRows {
	ids: number[];
}

/** The first `n` photos of the timeline, in its order (months newest first). */
async function someIds(request: APIRequestContext, token: string, n: number): Promise<number[]> {
	const months = await api<{ month: string | null }[]>(
		request,
		token,
		'get',
		'/api/timeline/months/'
	);
	const ids: number[] = [];
	for (const { month } of months) {
		const rows = await api<MonthRows>(
			request,
			token,
			'get',
			`/api/timeline/months/${month ?? 'undated'}/`
		);
		ids.push(...rows.ids);
		if (ids.length >= n) break;
	}
	return ids.slice(0, n);
}

async function cookieless(browser: Browser) {
	const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
	return { context, page: await context.newPage() };
}

test('an album shared with a user shows in their Shared with me until revoked', async ({
	page,
	browser,
	request
}) => {
	const token = await apiToken(request);
	const [a, , c] = await someIds(request, token, 3);

	// An album from a selection of three photos in the timeline.
	await signIn(page);
	const main = page.getByRole('main');
	const tile = (id: number) => main.locator(`a[href="/photos/${id}"]`);
	await tile(a).hover();
	// The first photo's own checkbox (a day's "Select all of …" comes before it).
	await main
		.getByRole('checkbox', { name: /^Select photo/ })
		.first()
		.click();
	await tile(c).click({ modifiers: ['Shift'] });
	const bar = page.getByRole('toolbar', { name: 'Selection' });
	await expect(bar).toContainText('3 selected');
	await bar.getByRole('button', { name: 'Add to album' }).click();
	const picker = page.getByRole('dialog', { name: 'Add 3 to an album' });
	await picker.getByRole('textbox', { name: 'New album' }).fill('Trip Test');
	await picker.getByRole('button', { name: 'Create' }).click();
	await expect(picker).toHaveCount(0);

	await page.getByRole('navigation').getByRole('link', { name: 'Albums', exact: true }).click();
	await page.getByRole('link', { name: /Trip Test/ }).click();
	await expect(page.getByRole('heading', { name: 'Trip Test' })).toBeVisible();
	await expect(main.locator('a[href^="/photos/"]')).toHaveCount(3);

	await page.getByRole('button', { name: 'Share' }).click();
	const dialog = page.getByRole('dialog', { name: /Share/ });
	await dialog.getByLabel('User').selectOption(OTHER.username);
	await dialog.getByRole('button', { name: 'Share', exact: true }).click();
	await expect(dialog.getByRole('list', { name: 'Shared with' })).toContainText(OTHER.username);

	const second = await cookieless(browser);
	await signIn(second.page, OTHER, '/albums');
	const shared = second.page.getByRole('region', { name: 'Shared with me' });
	await expect(shared.getByRole('link', { name: /Trip Test/ })).toBeVisible();

	await dialog.getByRole('button', { name: `Stop sharing with ${OTHER.username}` }).click();
	await expect(dialog.getByRole('list', { name: 'Shared with' })).not.toContainText(OTHER.username);
	await second.page.reload();
	await expect(second.page.getByRole('heading', { name: 'Shared with me' })).toBeVisible();
	await expect(shared.getByRole('link', { name: /Trip Test/ })).toHaveCount(0);
	await second.context.close();
});

test('a public link shows the album without GPS to anyone, and says so once revoked', async ({
	page,
	browser,
	request
}) => {
	const token = await apiToken(request);
	const geotagged = (
		await api<{ photo: number }[]>(
			request,
			token,
			'get',
			'/api/places/map/?bbox=-180,-85,180,85&zoom=1'
		)
	).map((c) => c.photo);
	const album = await api<{ id: number }>(request, token, 'post', '/api/albums/', {
		title: 'Public Test',
		photos: geotagged
	});

	await signIn(page, undefined, `/albums/${album.id}`);
	await page.getByRole('button', { name: 'Share' }).click();
	const dialog = page.getByRole('dialog', { name: /Share/ });
	await expect(dialog.getByRole('switch', { name: 'Show location' })).not.toBeChecked();
	await dialog.getByRole('button', { name: 'Create link' }).click();
	const url = await dialog.getByRole('textbox', { name: 'Public link' }).inputValue();
	expect(url).toMatch(/\/share\/[\w-]+$/);

	const visitor = await cookieless(browser);
	const answer = visitor.page.waitForResponse((r) => r.url().includes('/api/public/albums/'));
	await visitor.page.goto(url);
	const body = JSON.stringify(await (await answer).json());
	await expect(visitor.page.getByRole('heading', { name: 'Public Test' })).toBeVisible();
	await expect(visitor.page.getByRole('img')).toHaveCount(geotagged.length);
	expect(body).not.toContain('gps');
	await expect(visitor.page.getByRole('navigation')).toHaveCount(0);

	await dialog.getByRole('button', { name: 'Revoke link' }).click();
	await expect(dialog.getByRole('button', { name: 'Create link' })).toBeVisible();
	await visitor.page.reload();
	await expect(
		visitor.page.getByRole('heading', { name: 'This link no longer works' })
	).toBeVisible();
	await visitor.context.close();
});

test('the album grid shows the order Arrange saved, by hand and by date, after a reload', async ({
	page,
	request
}) => {
	const token = await apiToken(request);
	const ids = await someIds(request, token, 4);
	const album = await api<{ id: number; photos: number[] }>(
		request,
		token,
		'post',
		'/api/albums/',
		{
			title: 'Arrange Test',
			photos: ids
		}
	);
	const byDate = album.photos;
	const grid = page.getByRole('main').locator('a[href^="/photos/"]');
	const gridOrder = async () =>
		(await grid.evaluateAll((links) => links.map((a) => a.getAttribute('href')))).map((href) =>
			Number(href?.split('/').pop())
		);

	await signIn(page, undefined, `/albums/${album.id}`);
	await expect(grid).toHaveCount(4);
	// By date, oldest first: the album's own order, not the timeline's newest first.
	expect(await gridOrder()).toEqual(byDate);

	await page.getByRole('button', { name: 'Arrange' }).click();
	const dialog = page.getByRole('dialog', { name: /Arrange/ });
	// Drag the first photo onto the last place, then move the (new) first one a place later.
	await dialog
		.getByRole('img', { name: 'Photo 1' })
		.dragTo(dialog.getByRole('img', { name: 'Photo 4' }));
	await dialog.getByRole('button', { name: 'Move photo 1 later' }).click();
	const arranged = [byDate[2], byDate[1], byDate[3], byDate[0]];
	await dialog.getByRole('button', { name: 'Save this order' }).click();
	await expect(dialog.getByText('In your own order.')).toBeVisible();
	await dialog.getByRole('button', { name: 'Done' }).click();
	await expect(dialog).toHaveCount(0);
	await expect.poll(gridOrder).toEqual(arranged);
	await page.reload();
	await expect(grid).toHaveCount(4);
	expect(await gridOrder()).toEqual(arranged);

	// Back to the order by date.
	await page.getByRole('button', { name: 'Arrange' }).click();
	await dialog.getByRole('button', { name: 'Order by date' }).click();
	await expect(dialog.getByText('By date taken.')).toBeVisible();
	await dialog.getByRole('button', { name: 'Done' }).click();
	await expect.poll(gridOrder).toEqual(byDate);
	await page.reload();
	await expect(grid).toHaveCount(4);
	expect(await gridOrder()).toEqual(byDate);
});
