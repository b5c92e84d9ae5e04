import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './env';
import { apiToken, signIn } from './helpers';
import { api } from './w2';

interface Group {
	best: number;
	photos: { id: number }[];
}
interface Detail {
	id: number;
	files: string[];
	in_trash: boolean;
}

// Files this spec adds to the library, so that the corpus' own photos stay as the other specs
// expect them: a pair of near-duplicate JPEGs (one image, two qualities) and a broken file.
const STAMP = Date.now();
const COPIES = [`w2-copy-a-${STAMP}.jpg`, `w2-copy-b-${STAMP}.jpg`];
const BROKEN = `w2-not-a-photo-${STAMP}.jpg`;

function addFiles(library: string): void {
	const draw = `
import sys
from PIL import Image, ImageDraw
image = Image.new("RGB", (1200, 800), (30, 90, 160))
pen = ImageDraw.Draw(image)
for i in range(12):
    pen.rectangle((i * 90, i * 50, i * 90 + 160, i * 50 + 120), fill=(250 - i * 20, 40 + i * 15, 90))
    pen.ellipse((1100 - i * 80, i * 60, 1180 - i * 80, i * 60 + 80), fill=(240, 220, 30 + i * 18))
image.save(sys.argv[1], quality=95)
image.resize((900, 600)).save(sys.argv[2], quality=60)
`;
	execFileSync(path.join(REPO, '.venv/bin/python'), [
		'-c',
		draw,
		path.join(library, COPIES[0]),
		path.join(library, COPIES[1])
	]);
	writeFileSync(path.join(library, BROKEN), 'this is text, not a JPEG\n');
}

test('a scan started from Jobs reaches done and lists a broken file with its reason', async ({
	page
}) => {
	const root = process.env.E2E_ROOT;
	expect(root).toBeTruthy();
	addFiles(path.join(root!, 'photos'));

	await signIn(page, undefined, '/jobs');
	await expect(page.getByRole('heading', { name: 'Models' })).toBeVisible();
	const before = await page.getByRole('progressbar').count();
	await page.getByRole('button', { name: 'Scan now' }).click();
	await expect(page.getByRole('progressbar')).toHaveCount(before + 1);
	const job = page
		.getByRole('listitem')
		.filter({ has: page.getByRole('progressbar') })
		.first();
	// The page follows the job by itself (polling /api/updates/): no reload.
	await expect(job.getByText('done', { exact: true })).toBeVisible({ timeout: 60_000 });
	await expect(job).toContainText('3 / 3');
	const bar = job.getByRole('progressbar');
	expect(await bar.getAttribute('value')).toBe(await bar.getAttribute('max'));
	await expect(job.getByText(BROKEN)).toBeVisible();
	await expect(job).toContainText(/not an image/i);
	await expect(page.getByRole('cell', { name: /Installed|Missing/ }).first()).toBeVisible();
});

test('resolve a duplicate pair, then empty the trash', async ({ page, request }) => {
	const token = await apiToken(request);
	const groups = (
		await api<{ results: Group[] }>(request, token, 'get', '/api/duplicates/?page_size=100')
	).results;
	let pair: Group | undefined;
	for (const group of groups) {
		const files = await Promise.all(
			group.photos.map((p) => api<Detail>(request, token, 'get', `/api/photos/${p.id}/`))
		);
		if (files.every((d) => COPIES.some((name) => d.files[0]?.endsWith(name)))) pair = group;
	}
	expect(pair, 'the two copies the scan added are one duplicate group').toBeDefined();
	expect(pair!.photos).toHaveLength(2);
	const best = pair!.best;
	const copy = pair!.photos.find((p) => p.id !== best)!.id;

	await signIn(page, undefined, '/duplicates');
	await page.getByRole('button', { name: 'Resolve all as suggested' }).click();
	const total = groups.reduce((n, g) => n + g.photos.length - 1, 0);
	const confirm = page.getByRole('alertdialog');
	await expect(confirm).toContainText(`${total} photos go to the trash`);
	await confirm.getByRole('button', { name: 'Cancel' }).click();
	await expect(confirm).toHaveCount(0);

	await page
		.getByRole('figure')
		.filter({ has: page.locator(`img[src="/api/photos/${best}/thumbnail/small/"]`) })
		.getByRole('button', { name: 'Keep this one' })
		.click();
	await expect(page.getByText('Kept one, 1 moved to the trash.')).toBeVisible();
	expect((await api<Detail>(request, token, 'get', `/api/photos/${copy}/`)).in_trash).toBe(true);
	expect((await api<Detail>(request, token, 'get', `/api/photos/${best}/`)).in_trash).toBe(false);
	// The kept copy goes too: the timeline spec expects the corpus' photos only.
	await api(request, token, 'patch', `/api/photos/${best}/`, { in_trash: true });

	await page.getByRole('navigation').getByRole('link', { name: 'Trash', exact: true }).click();
	await expect(page.getByText('30 days left').first()).toBeVisible();
	const inTrash = (await api<{ count: number }>(request, token, 'get', '/api/trash/')).count;
	await page.getByRole('button', { name: 'Empty trash' }).click();
	const emptying = page.getByRole('alertdialog', { name: 'Empty the trash?' });
	await expect(emptying).toContainText(`${inTrash} photos will be deleted`);
	await emptying.getByRole('button', { name: 'Delete for good' }).click();
	await expect(page.getByText('The trash is empty.')).toBeVisible();
	expect((await api<{ count: number }>(request, token, 'get', '/api/trash/')).count).toBe(0);
	for (const id of [best, copy]) {
		const gone = await request.get(`/api/photos/${id}/`, {
			headers: { Authorization: `Bearer ${token}` }
		});
		expect(gone.status()).toBe(404);
	}
});
