import { expect, test, type Page } from '@playwright/test';
import { manifest } from './env';
import { apiGet, apiToken, signIn } from './helpers';
import { makeWebm, photoOn, scratchDir, timelineOrder, uploadAndWait } from './fixtures';
import { api, manage, type ApiFace, type ApiPerson } from './w2';

const viewer = (page: Page) => page.getByRole('dialog');

test('the arrow keys step through the timeline across a day boundary', async ({
	page,
	request
}) => {
	const token = await apiToken(request);
	const order = (await timelineOrder(request, token)).filter((photo) => photo.date !== null);
	// The first change of day between two neighbours in the timeline.
	const at = order.findIndex((photo, i) => i > 0 && photo.date !== order[i - 1].date);
	expect(at).toBeGreaterThan(0);
	const [before, after] = [order[at - 1], order[at]];

	await signIn(page, undefined, `/photos/${before.id}`);
	await expect(viewer(page)).toBeVisible();
	await expect(viewer(page).getByRole('button', { name: 'Next' })).toBeEnabled();
	await page.keyboard.press('ArrowRight');
	await expect(page).toHaveURL(new RegExp(`/photos/${after.id}$`));
	await page.keyboard.press('ArrowLeft');
	await expect(page).toHaveURL(new RegExp(`/photos/${before.id}$`));
	await page.keyboard.press('Escape');
	await expect(viewer(page)).toBeHidden();
});

test('a photo opened from the grid closes back to the grid', async ({ page }) => {
	await signIn(page);
	const tile = page
		.getByRole('main')
		.getByRole('link')
		.filter({ has: page.getByRole('img') })
		.first();
	await tile.click();
	await expect(page).toHaveURL(/\/photos\/\d+$/);
	await expect(viewer(page).getByRole('img').first()).toBeVisible();
	await viewer(page).getByRole('button', { name: 'Close' }).click();
	await expect(page).toHaveURL(/\/$/);
	await expect(tile).toBeVisible();
});

test('zooming loads the full-size rendition', async ({ page, request }) => {
	const token = await apiToken(request);
	const big = (await timelineOrder(request, token)).find((photo) => photo.width > 2000);
	expect(big, 'a photo wider than the big thumbnail').toBeDefined();
	await signIn(page, undefined, `/photos/${big!.id}`);
	const img = viewer(page).getByRole('img').first();
	await expect
		.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth))
		.toBeGreaterThan(0);
	const thumbWidth = await img.evaluate((el: HTMLImageElement) => el.naturalWidth);
	expect(thumbWidth).toBeLessThanOrEqual(1440);

	const full = page.waitForResponse((r) => r.url().endsWith(`/api/photos/${big!.id}/full/`));
	await img.dblclick();
	expect((await full).status()).toBe(200);
	await expect
		.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth))
		.toBeGreaterThan(thumbWidth);
});

test('the info panel shows the camera and the date of the manifest', async ({ page, request }) => {
	const token = await apiToken(request);
	const canon = manifest().files.find((file) => file.path === 'exif/Canon_40D.jpg')!;
	// "2008:05:30 15:56:01" as the photo's own clock showed it.
	const [day, time] = canon.exif!.datetime_original!.split(' ');
	const id = await photoOn(request, token, day.replaceAll(':', '-'));
	await signIn(page, undefined, `/photos/${id}`);
	await viewer(page).getByRole('button', { name: 'Info' }).click();
	const info = viewer(page).getByRole('complementary', { name: 'Info' });
	await expect(info).toContainText(canon.exif!.model!);
	await expect(info).toContainText(`30 May 2008, ${time.slice(0, 5)}`);
	await expect(info).toContainText('exif/Canon_40D.jpg');
});

test('the info panel maps a geotagged photo where the manifest puts it, from this server only', async ({
	page,
	request,
	baseURL
}) => {
	const token = await apiToken(request);
	const gps = manifest().files.find((file) => file.path === 'gps/DSCN0010.jpg')!;
	const where = (gps.exif as { gps: { lat: number; lon: number } }).gps;
	const day = gps.exif!.datetime_original!.split(' ')[0].replaceAll(':', '-');
	// Four corpus photos share that day: the one whose file is DSCN0010.jpg.
	const sameDay = await apiGet<{ results: { id: number }[] }>(
		request,
		`/api/photos/?taken_after=${day}&taken_before=${day}`,
		token
	);
	let id = 0;
	for (const { id: candidate } of sameDay.results) {
		const detail = await apiGet<{ files: string[] }>(request, `/api/photos/${candidate}/`, token);
		if (detail.files.some((path) => path.endsWith('gps/DSCN0010.jpg'))) id = candidate;
	}
	expect(id).toBeGreaterThan(0);
	const origin = new URL(baseURL!).origin;
	const elsewhere: string[] = [];
	page.on('request', (r) => {
		const url = r.url();
		if (!url.startsWith(origin) && !/^(data|blob):/.test(url)) elsewhere.push(url);
	});

	await signIn(page, undefined, `/photos/${id}`);
	await viewer(page).getByRole('button', { name: 'Info' }).click();
	const info = viewer(page).getByRole('complementary', { name: 'Info' });
	const map = info.getByRole('img', { name: /^Map: / });
	await expect(map.locator('canvas')).toBeVisible();
	const pin = map.locator('.pin');
	await expect(pin).toBeVisible();
	expect(Number(await pin.getAttribute('data-lat'))).toBeCloseTo(where.lat, 5);
	expect(Number(await pin.getAttribute('data-lon'))).toBeCloseTo(where.lon, 5);
	// The map is centred on the photo, so the marker is drawn in its middle.
	const [mapBox, pinBox] = [await map.boundingBox(), await pin.boundingBox()];
	expect(Math.abs(pinBox!.x + pinBox!.width / 2 - (mapBox!.x + mapBox!.width / 2))).toBeLessThan(2);
	expect(Math.abs(pinBox!.y + pinBox!.height / 2 - (mapBox!.y + mapBox!.height / 2))).toBeLessThan(
		2
	);
	expect(elsewhere).toEqual([]);
});

test('a favourite survives a reload', async ({ page, request }) => {
	const token = await apiToken(request);
	const photo = (await timelineOrder(request, token))[0];
	await signIn(page, undefined, `/photos/${photo.id}`);
	const favorite = viewer(page).getByRole('button', { name: 'Favorite' });
	await expect(favorite).toHaveAttribute('aria-pressed', 'false');
	await favorite.click();
	await expect(favorite).toHaveAttribute('aria-pressed', 'true');
	await page.reload();
	await expect(viewer(page).getByRole('button', { name: 'Favorite' })).toHaveAttribute(
		'aria-pressed',
		'true'
	);
	const detail = await apiGet<{ favorite: boolean }>(request, `/api/photos/${photo.id}/`, token);
	expect(detail.favorite).toBe(true);
	await viewer(page).getByRole('button', { name: 'Favorite' }).click();
	await expect(viewer(page).getByRole('button', { name: 'Favorite' })).toHaveAttribute(
		'aria-pressed',
		'false'
	);
});

test('a face on the photo is named from the info panel', async ({ page, request }) => {
	const token = await apiToken(request);
	const faces = await apiGet<{ results: { id: number; photo: number; person: number }[] }>(
		request,
		'/api/faces/?unknown=false',
		token
	);
	// A photo with one face, so the face drawn is the one looked up.
	const face = faces.results.find(
		(candidate) => faces.results.filter((other) => other.photo === candidate.photo).length === 1
	);
	expect(face, 'a face grouped into a person by the scan').toBeDefined();
	await signIn(page, undefined, `/photos/${face!.photo}`);
	await viewer(page).getByRole('button', { name: 'Info' }).click();
	const faceButton = viewer(page)
		.getByRole('button', { name: /^Face: / })
		.first();
	// The picker is a dialog of its own: Escape closes it, not the viewer, and the focus goes
	// back to the face.
	await faceButton.click();
	const picker = page.getByRole('dialog', { name: 'Name this face' });
	await expect(picker.getByRole('textbox', { name: 'Name' })).toBeFocused();
	await page.keyboard.press('Escape');
	await expect(picker).toHaveCount(0);
	await expect(faceButton).toBeFocused();
	await faceButton.click();
	await viewer(page).getByRole('textbox', { name: 'Name' }).fill('Ada Lovelace');
	await viewer(page).getByRole('button', { name: 'Save' }).click();
	await expect(viewer(page).getByRole('button', { name: 'Face: Ada Lovelace' })).toBeVisible();
	const person = await apiGet<{ name: string }>(request, `/api/people/${face!.person}/`, token);
	expect(person.name).toBe('Ada Lovelace');
});

test('a video plays in the page', async ({ page, request }) => {
	const token = await apiToken(request);
	const id = await uploadAndWait(request, token, makeWebm(scratchDir(), 'clip.webm'));
	await signIn(page, undefined, `/photos/${id}`);
	const video = viewer(page).locator('video');
	await expect(video).toBeVisible({ timeout: 30_000 });
	await expect
		.poll(() => video.evaluate((el: HTMLVideoElement) => el.currentTime), { timeout: 15_000 })
		.toBeGreaterThan(0.3);
});

test('a photo that is not there says so', async ({ page }) => {
	await signIn(page, undefined, '/photos/987654321');
	await expect(viewer(page).getByRole('heading', { name: 'Photo not found' })).toBeVisible();
});

test.describe('on a phone', () => {
	test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

	test('the viewer fits the screen and a swipe steps to the next photo', async ({
		page,
		request
	}) => {
		const token = await apiToken(request);
		const order = await timelineOrder(request, token);
		// Two photos in a row (a video's own controls take the swipe).
		const isVideo = async (id: number) =>
			(await apiGet<{ is_video: boolean }>(request, `/api/photos/${id}/`, token)).is_video;
		let at = 0;
		while ((await isVideo(order[at].id)) || (await isVideo(order[at + 1].id))) at++;
		const [first, second] = [order[at], order[at + 1]];
		await signIn(page, undefined, `/photos/${first.id}`);
		// The photo itself, not the placeholder shown while its details load (it is replaced).
		const img = viewer(page).locator('img:not([alt="Loading"])').first();
		await expect(img).toBeVisible();
		const box = (await img.boundingBox())!;
		expect(box.width).toBeLessThanOrEqual(390);
		for (const name of ['Previous', 'Next', 'Close', 'Info', 'Favorite', 'Download']) {
			await expect(viewer(page).getByRole('button', { name })).toBeVisible();
		}
		await expect(viewer(page).getByRole('button', { name: 'Next' })).toBeEnabled();
		// A swipe to the left: pointer events as a finger sends them.
		const y = box.y + box.height / 2;
		await page.mouse.move(box.x + box.width * 0.8, y);
		await page.mouse.down();
		await page.mouse.move(box.x + box.width * 0.5, y, { steps: 4 });
		await page.mouse.move(box.x + box.width * 0.2, y, { steps: 4 });
		await page.mouse.up();
		await expect(page).toHaveURL(new RegExp(`/photos/${second.id}$`));
		await page.screenshot({ path: 'test-results/viewer-390.png' });
	});
});

test('a face in no group gets a brand-new name that re-clustering keeps', async ({
	page,
	request
}) => {
	const token = await apiToken(request);
	const faces = (
		await apiGet<{ results: { id: number; photo: number; person: number | null }[] }>(
			request,
			'/api/faces/?unknown=false&page_size=500',
			token
		)
	).results;
	// A photo with one face (not the one the naming test above took), out of its group.
	const alone = faces.filter((f) => faces.filter((other) => other.photo === f.photo).length === 1);
	const face = alone[alone.length - 1];
	await api(request, token, 'patch', `/api/faces/${face.id}/`, { person: null });

	await signIn(page, undefined, `/photos/${face.photo}`);
	const info = viewer(page).getByRole('button', { name: 'Info' });
	if ((await info.getAttribute('aria-pressed')) !== 'true') await info.click();
	await viewer(page).getByRole('button', { name: 'Face: unnamed' }).click();
	await viewer(page).getByRole('textbox', { name: 'Name' }).fill('Brand New Person');
	await viewer(page).getByRole('button', { name: 'New person: Brand New Person' }).click();
	await expect(viewer(page).getByRole('button', { name: 'Face: Brand New Person' })).toBeVisible();
	await page.goto('/people');
	await expect(page.getByRole('link', { name: 'Brand New Person' })).toBeVisible();
	const named = await api<ApiFace>(request, token, 'get', `/api/faces/${face.id}/`);
	const created = await api<ApiPerson>(request, token, 'get', `/api/people/${named.person}/`);
	expect([created.name, created.face_count]).toEqual(['Brand New Person', 1]);

	// Re-clustering keeps the face in its person and the name (recognition may find the same
	// someone in other photos, never take this face away).
	manage('cluster_faces', '--user', 'admin');
	await page.reload();
	await expect(page.getByRole('link', { name: 'Brand New Person' })).toBeVisible();
	const after = await api<ApiFace>(request, token, 'get', `/api/faces/${face.id}/`);
	expect(after.person).toBe(created.id);
	const person = await api<ApiPerson>(request, token, 'get', `/api/people/${created.id}/`);
	expect(person.name).toBe('Brand New Person');
});

test('a photo whose file has no pixels says it cannot be shown', async ({ page, request }) => {
	const token = await apiToken(request);
	// The corpus HEIC with headers only: its size is known, its pixels never decode.
	const { results } = await apiGet<{ results: { id: number; width: number; height: number }[] }>(
		request,
		'/api/photos/?page_size=500',
		token
	);
	const broken = results.filter((photo) => photo.width === 1596 && photo.height === 1064);
	const unshown = [];
	for (const photo of broken) {
		const thumbnail = await request.get(`/api/photos/${photo.id}/thumbnail/big/`, {
			headers: { Authorization: `Bearer ${token}` }
		});
		if (!thumbnail.ok()) unshown.push(photo.id);
	}
	expect(unshown.length, 'the headers-only HEIC of the corpus').toBe(1);
	await signIn(page, undefined, `/photos/${unshown[0]}`);
	await expect(viewer(page).getByRole('alert')).toContainText('This photo cannot be shown');
	await expect(viewer(page).getByRole('button', { name: 'Download' })).toBeVisible();
});
