import { expect, test } from '@playwright/test';
import { manifest } from './env';
import { apiGet, apiToken, signIn } from './helpers';
import { bulk, photoOn } from './fixtures';

interface Detail {
	place: { city: string | null; country: string | null } | null;
}

test('a search finds a photo by the city it was taken in', async ({ page, request }) => {
	const token = await apiToken(request);
	const gps = manifest().files.find((file) => file.path === 'gps/DSCN0010.jpg')!;
	const day = gps.exif!.datetime_original!.split(' ')[0].replaceAll(':', '-');
	// Four photos of the corpus were shot there that day: take one of them.
	const photos = await apiGet<{ results: { id: number }[] }>(
		request,
		`/api/photos/?taken_after=${day}&taken_before=${day}`,
		token
	);
	const id = photos.results[0].id;
	const city = (await apiGet<Detail>(request, `/api/photos/${id}/`, token)).place!.city!;
	expect(city).toBeTruthy();

	await signIn(page);
	const box = page.getByRole('searchbox', { name: 'Search' });
	await box.fill(city);
	await expect(page.getByRole('option', { name: new RegExp(city) }).first()).toBeVisible();
	await box.press('Enter');
	await expect(page).toHaveURL(new RegExp(`/search\\?q=${encodeURIComponent(city)}$`));
	await expect(page.getByRole('main').locator(`a[href="/photos/${id}"]`)).toBeVisible();

	// The URL is the search: a new tab opened on it shows the same results.
	const again = await page.context().newPage();
	await again.goto(page.url());
	await expect(again.getByRole('main').locator(`a[href="/photos/${id}"]`)).toBeVisible();
});

test('a suggestion becomes a filter chip that narrows the results', async ({ page, request }) => {
	const token = await apiToken(request);
	const id = await photoOn(request, token, '2008-05-30');
	await signIn(page, undefined, '/search?taken_after=2008-05-30&taken_before=2008-05-30');
	const main = page.getByRole('main');
	await expect(main.getByRole('button', { name: /Remove filter From: 2008-05-30/ })).toBeVisible();
	await expect(main.locator(`a[href="/photos/${id}"]`)).toBeVisible();
	await expect(main.locator('a[href^="/photos/"]')).toHaveCount(1);
	await main.getByRole('button', { name: /Remove filter From/ }).click();
	await expect(page).toHaveURL(/\/search\?taken_before=2008-05-30$/);
});

test('search results are selected and acted on as the timeline is', async ({ page, request }) => {
	const token = await apiToken(request);
	const gps = manifest().files.find((file) => file.path === 'gps/DSCN0010.jpg')!;
	const day = gps.exif!.datetime_original!.split(' ')[0].replaceAll(':', '-');
	const query = `taken_after=${day}&taken_before=${day}`;
	const ranked = (
		await apiGet<{ results: { id: number; favorite: boolean }[] }>(
			request,
			`/api/search/?${query}`,
			token
		)
	).results;
	expect(ranked.length, 'photos of that day').toBeGreaterThanOrEqual(4);
	const ids = ranked.map((photo) => photo.id);

	await signIn(page, undefined, `/search?${query}`);
	const main = page.getByRole('main');
	const tile = (id: number) => main.locator(`a[href="/photos/${id}"]`);
	const check = (id: number) => main.locator(`a[href="/photos/${id}"] + [role="checkbox"]`);
	const bar = page.getByRole('toolbar', { name: 'Selection' });
	await expect(tile(ids[0])).toBeVisible();

	// A check, then shift-click: the range in the results' own order.
	await tile(ids[0]).hover();
	await check(ids[0]).click();
	await expect(bar).toContainText('1 selected');
	await tile(ids[2]).click({ modifiers: ['Shift'] });
	await expect(bar).toContainText('3 selected');
	for (const id of ids.slice(0, 3)) await expect(check(id)).toHaveAttribute('aria-checked', 'true');
	await expect(check(ids[3])).toHaveAttribute('aria-checked', 'false');
	await expect(page).toHaveURL(new RegExp(`/search\\?${query}$`));
	await page.keyboard.press('Escape');
	await expect(bar).toBeHidden();

	// Ctrl/Cmd+A selects every result; favourite them all in one request.
	await main.click({ position: { x: 5, y: 5 } });
	await page.keyboard.press('ControlOrMeta+A');
	await expect(bar).toContainText(`${ids.length} selected`);
	await bar.getByRole('button', { name: 'Add to favorites' }).click();
	await expect(bar).toBeHidden();
	await expect(page.getByRole('status').filter({ hasText: 'added to favorites' })).toBeVisible();
	const favourites = await apiGet<{ results: { id: number }[] }>(
		request,
		`/api/photos/?favorite=true&${query}`,
		token
	);
	expect(favourites.results.map((photo) => photo.id).sort()).toEqual([...ids].sort());

	// Two of them as one zip.
	await check(ids[0]).click();
	await check(ids[1]).click();
	await expect(bar).toContainText('2 selected');
	const download = page.waitForEvent('download');
	await bar.getByRole('button', { name: 'Download zip' }).click();
	expect((await download).suggestedFilename()).toBe('ownphotos-2.zip');

	// Trash one: it leaves the results and is in the trash.
	await page.keyboard.press('Escape');
	await tile(ids[1]).hover();
	await check(ids[1]).click();
	await bar.getByRole('button', { name: 'Move to trash' }).click();
	await page.getByRole('alertdialog').getByRole('button', { name: 'Move to trash' }).click();
	await expect(tile(ids[1])).toHaveCount(0);
	await expect(tile(ids[0])).toBeVisible();
	const trash = await apiGet<{ results: { id: number }[] }>(
		request,
		'/api/photos/?in_trash=true',
		token
	);
	expect(trash.results.map((photo) => photo.id)).toContain(ids[1]);

	// Put everything back as it was for the other specs.
	await bulk(request, token, [ids[1]], 'restore');
	const unfavourite = ranked.filter((photo) => !photo.favorite).map((photo) => photo.id);
	if (unfavourite.length > 0) await bulk(request, token, unfavourite, 'unfavorite');
});
