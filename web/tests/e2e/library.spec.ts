import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { apiToken, signIn } from './helpers';
import { api } from './w2';

interface Group {
	best: number;
	photos: { id: number }[];
}
interface Detail {
	id: number;
	faces: unknown[];
	gps_lat: number | null;
	in_trash: boolean;
}

test('resolve a duplicate pair, then empty the trash', async ({ page, request }) => {
	const token = await apiToken(request);
	const groups = (
		await api<{ results: Group[] }>(request, token, 'get', '/api/duplicates/?page_size=100')
	).results;
	// A pair with no faces and no GPS, so the people and map specs see the corpus as it is.
	let pair: Group | undefined;
	for (const group of groups.filter((g) => g.photos.length === 2)) {
		const details = await Promise.all(
			group.photos.map((p) => api<Detail>(request, token, 'get', `/api/photos/${p.id}/`))
		);
		if (details.every((d) => d.faces.length === 0 && d.gps_lat === null)) pair = group;
	}
	expect(pair, 'the corpus has a plain duplicate pair').toBeDefined();
	const copy = pair!.photos.find((p) => p.id !== pair!.best)!.id;

	await signIn(page, undefined, '/duplicates');
	const resolveAll = page.getByRole('button', { name: 'Resolve all as suggested' });
	await resolveAll.click();
	const total = groups.reduce((n, g) => n + g.photos.length - 1, 0);
	const confirm = page.getByRole('alertdialog');
	await expect(confirm).toContainText(`${total} photos go to the trash`);
	await confirm.getByRole('button', { name: 'Cancel' }).click();
	await expect(confirm).toHaveCount(0);

	const group = page
		.getByRole('region')
		.filter({ has: page.getByRole('img') })
		.filter({
			has: page.locator(`img[src="/api/photos/${copy}/thumbnail/small/"]`)
		});
	await group
		.getByRole('figure')
		.filter({ has: page.locator(`img[src="/api/photos/${pair!.best}/thumbnail/small/"]`) })
		.getByRole('button', { name: 'Keep this one' })
		.click();
	await expect(page.getByText('Kept one, 1 moved to the trash.')).toBeVisible();
	expect((await api<Detail>(request, token, 'get', `/api/photos/${copy}/`)).in_trash).toBe(true);
	expect((await api<Detail>(request, token, 'get', `/api/photos/${pair!.best}/`)).in_trash).toBe(
		false
	);

	await page.getByRole('navigation').getByRole('link', { name: 'Trash', exact: true }).click();
	await expect(page.getByText('30 days left').first()).toBeVisible();
	const inTrash = (await api<{ count: number }>(request, token, 'get', '/api/trash/')).count;
	await page.getByRole('button', { name: 'Empty trash' }).click();
	const emptying = page.getByRole('alertdialog', { name: 'Empty the trash?' });
	await expect(emptying).toContainText(
		`${inTrash} ${inTrash === 1 ? 'photo' : 'photos'} will be deleted`
	);
	await emptying.getByRole('button', { name: 'Delete for good' }).click();
	await expect(page.getByText('The trash is empty.')).toBeVisible();
	expect((await api<{ count: number }>(request, token, 'get', '/api/trash/')).count).toBe(0);
	const gone = await request.get(`/api/photos/${copy}/`, {
		headers: { Authorization: `Bearer ${token}` }
	});
	expect(gone.status()).toBe(404);
});

test('a scan started from Jobs reaches done and lists a broken file with its reason', async ({
	page
}) => {
	const root = process.env.E2E_ROOT;
	expect(root).toBeTruthy();
	const name = `w2-not-a-photo-${Date.now()}.jpg`;
	writeFileSync(path.join(root!, 'photos', name), 'this is text, not a JPEG\n');

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
	await expect(job.getByText('done', { exact: true })).toBeVisible({ timeout: 45_000 });
	const bar = job.getByRole('progressbar');
	expect(await bar.getAttribute('value')).toBe(await bar.getAttribute('max'));
	await expect(job.getByText(name)).toBeVisible();
	await expect(job).toContainText(/not an image/i);
	await expect(page.getByRole('cell', { name: /Installed|Missing/ }).first()).toBeVisible();
});
