import { expect, test, type Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { apiToken, signIn } from './helpers';
import { makeJpeg, scratchDir, timelineOrder } from './fixtures';

/** Drop files onto the page as a file manager would, through a real DataTransfer. */
async function dropFiles(page: Page, files: string[]): Promise<void> {
	const payload = files.map((file) => ({
		name: path.basename(file),
		data: readFileSync(file).toString('base64')
	}));
	const transfer = await page.evaluateHandle((list) => {
		const data = new DataTransfer();
		for (const { name, data: b64 } of list) {
			const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
			data.items.add(new File([bytes], name));
		}
		return data;
	}, payload);
	for (const type of ['dragenter', 'dragover', 'drop']) {
		await page.dispatchEvent('main', type, { dataTransfer: transfer });
	}
}

test('a dropped photo is uploaded and appears in the timeline without a reload', async ({
	page,
	request
}) => {
	const dir = scratchDir();
	// Newer than every corpus photo (those without a date are dated by their file), so it lands
	// at the top of the timeline.
	const file = makeJpeg(dir, 'dropped.jpg', '2030:06:15 12:00:00');
	await signIn(page);
	await expect(page.getByRole('button', { name: 'Upload' })).toBeVisible();
	const before = await page
		.getByRole('main')
		.locator('a[href^="/photos/"]')
		.first()
		.getAttribute('href');

	await dropFiles(page, [file]);
	const panel = page.getByRole('region', { name: 'Uploads' });
	await expect(panel.getByText('dropped.jpg')).toBeVisible();
	await expect(panel).toContainText('Added', { timeout: 60_000 });

	const token = await apiToken(request);
	const [newest] = await timelineOrder(request, token);
	expect(`/photos/${newest.id}`).not.toBe(before);
	await expect(page.getByRole('main').locator(`a[href="/photos/${newest.id}"]`)).toBeVisible({
		timeout: 20_000
	});

	// The same bytes again are recognised.
	await dropFiles(page, [file]);
	await expect(panel).toContainText('Already in your library');
});

test('a dropped text file is listed with the server’s reason', async ({ page, request }) => {
	const file = path.join(scratchDir(), 'notes.txt');
	writeFileSync(file, 'Shopping list: milk, eggs, film for the camera.\n');
	const token = await apiToken(request);
	const answer = await request.post('/api/photos/upload/', {
		headers: { Authorization: `Bearer ${token}` },
		multipart: { file: { name: 'notes.txt', mimeType: 'text/plain', buffer: readFileSync(file) } }
	});
	expect(answer.status()).toBe(400);
	const reason = ((await answer.json()) as { detail: string }).detail;

	await signIn(page);
	await dropFiles(page, [file]);
	const row = page.getByRole('region', { name: 'Uploads' }).getByRole('listitem').filter({
		hasText: 'notes.txt'
	});
	await expect(row).toContainText(reason);
});
