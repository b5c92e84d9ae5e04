import { expect, test } from '@playwright/test';
import { manifest } from './env';
import { apiGet, apiToken, signIn } from './helpers';
import { photoOn } from './fixtures';

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
