import { expect, test } from '@playwright/test';
import { apiToken, signIn } from './helpers';
import { api } from './w2';

interface ApiAlbum {
	id: number;
	title: string;
	photo_count: number;
	photos: number[];
}

test('an event is renamed, kept when its dismissal is cancelled, and merged into an album', async ({
	page,
	request
}) => {
	const token = await apiToken(request);
	const events = async () =>
		(
			await api<{ results: ApiAlbum[] }>(
				request,
				token,
				'get',
				'/api/albums/?kind=event&page_size=500'
			)
		).results;
	const before = await events();
	// The scan grouped the corpus into at least one event.
	expect(before.length).toBeGreaterThanOrEqual(1);
	const [event] = before;
	const target = await api<ApiAlbum>(request, token, 'post', '/api/albums/', {
		title: 'Events Target',
		photos: []
	});

	await signIn(page, undefined, '/events');
	const list = page.getByRole('main').getByRole('listitem');
	await expect(list).toHaveCount(before.length);
	// Titles may repeat (two Saturdays in one city): an event is found by its link.
	const item = list.filter({ has: page.locator(`a[href="/albums/${event.id}"]`) });

	await item.getByRole('button', { name: 'Rename' }).click();
	await page.getByLabel('Event title').fill('Renamed Event Test');
	await page.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('link', { name: 'Renamed Event Test' })).toBeVisible();
	expect((await events()).find((e) => e.id === event.id)?.title).toBe('Renamed Event Test');

	// Dismissing asks in an alertdialog; cancelled, the event stays.
	const dismiss = item.getByRole('button', { name: 'Dismiss' });
	await dismiss.click();
	const confirm = page.getByRole('alertdialog', { name: 'Dismiss this event?' });
	await expect(confirm).toContainText('its photos stay in your library');
	// The safe choice has the focus, and Tab stays inside the dialog.
	const cancel = confirm.getByRole('button', { name: 'Cancel' });
	await expect(cancel).toBeFocused();
	await page.keyboard.press('Tab');
	await expect(confirm.getByRole('button', { name: 'Dismiss' })).toBeFocused();
	await page.keyboard.press('Tab');
	await expect(cancel).toBeFocused();
	await page.keyboard.press('Shift+Tab');
	await expect(confirm.getByRole('button', { name: 'Dismiss' })).toBeFocused();
	// Escape cancels, and the focus goes back to the button that asked.
	await page.keyboard.press('Escape');
	await expect(confirm).toHaveCount(0);
	await expect(dismiss).toBeFocused();
	await dismiss.click();
	await confirm.getByRole('button', { name: 'Cancel' }).click();
	await expect(confirm).toHaveCount(0);
	await expect(item).toHaveCount(1);
	expect((await events()).map((e) => e.id)).toContain(event.id);

	// Merged into the album: its photos move there and the event goes.
	await item.getByLabel('Merge into album').selectOption(String(target.id));
	await item.getByRole('button', { name: 'Merge' }).click();
	await expect(page.getByText('“Renamed Event Test” merged into “Events Target”.')).toBeVisible();
	const album = await api<ApiAlbum>(request, token, 'get', `/api/albums/${target.id}/`);
	expect([...album.photos].sort()).toEqual([...event.photos].sort());
	expect(album.photos.length).toBe(event.photo_count);
	expect((await events()).map((e) => e.id)).not.toContain(event.id);
	await expect(list).toHaveCount(before.length - 1);
});
