import { expect, test, type Page } from '@playwright/test';
import { ADMIN, manifest } from './env';
import { apiGet, apiToken, signIn } from './helpers';

interface MonthRows {
	month: string | null;
	ids: number[];
	dates: (string | null)[];
	places: Record<string, string>;
}

/** What the timeline must show: every month's rows in the API's order. */
async function expectedTimeline(page: Page): Promise<{ ids: number[]; dates: (string | null)[] }> {
	const token = await apiToken(page.request);
	const months = await apiGet<{ month: string | null }[]>(
		page.request,
		'/api/timeline/months/',
		token
	);
	const ids: number[] = [];
	const dates: (string | null)[] = [];
	for (const { month } of months) {
		const rows = await apiGet<MonthRows>(
			page.request,
			`/api/timeline/months/${month ?? 'undated'}/`,
			token
		);
		ids.push(...rows.ids);
		dates.push(...rows.dates);
	}
	return { ids, dates };
}

const grid = (page: Page) => page.getByRole('main');

/** Ids of the photo links in the DOM now, in document order. */
async function tileIds(page: Page): Promise<number[]> {
	return grid(page)
		.getByRole('link')
		.evaluateAll((links) =>
			links
				.map((a) => (a as HTMLAnchorElement).getAttribute('href') ?? '')
				.filter((href) => /^\/photos\/\d+$/.test(href))
				.map((href) => Number(href.split('/')[2]))
		);
}

/** Waits until no month in the viewport is still loading (its tiles are then all there). */
async function settled(page: Page): Promise<void> {
	await page.waitForFunction(() => {
		const main = document.querySelector('main');
		if (!main) return false;
		const view = main.getBoundingClientRect();
		return ![...main.querySelectorAll('[aria-busy="true"]')].some((el) => {
			const r = el.getBoundingClientRect();
			return r.bottom > view.top && r.top < view.bottom;
		});
	});
}

/** Scrolls the whole timeline with the wheel, collecting the tiles in the order they appear. */
async function scrollThrough(page: Page): Promise<number[]> {
	const seen: number[] = [];
	const known = new Set<number>();
	await grid(page).hover();
	let stable = 0;
	for (let step = 0; step < 300 && stable < 3; step++) {
		await settled(page);
		const before = known.size;
		for (const id of await tileIds(page)) {
			if (!known.has(id)) {
				known.add(id);
				seen.push(id);
			}
		}
		stable = known.size === before ? stable + 1 : 0;
		await page.mouse.wheel(0, 600);
		await page.waitForTimeout(50);
	}
	return seen;
}

async function photoPath(page: Page, token: string, id: number): Promise<string> {
	const photo = await apiGet<{ files: string[] }>(page.request, `/api/photos/${id}/`, token);
	// Files live in the temp copy of the corpus: the manifest's path is what follows photos/.
	return photo.files[0].split('/photos/').pop() ?? '';
}

test.describe('sign-in', () => {
	test('sign in shows the shell with its landmarks and links; Sign out ends it', async ({
		page
	}) => {
		await signIn(page);
		await expect(page.getByRole('navigation')).toBeVisible();
		await expect(page.getByRole('main')).toBeVisible();
		const nav = page.getByRole('navigation');
		for (const name of ['Photos', 'Search', 'People', 'Places', 'Albums', 'Favorites', 'Trash']) {
			await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
		}
		await expect(page.getByRole('searchbox', { name: 'Search' })).toBeVisible();
		await page.getByRole('button', { name: 'Account menu' }).click();
		await page.getByRole('button', { name: 'Sign out' }).click();
		await expect(page).toHaveURL(/\/login$/);
		// The refresh cookie was ended server-side: a reload does not sign back in.
		await page.goto('/');
		await expect(page).toHaveURL(/\/login\?next=%2F$/);
	});

	test('a wrong password says so', async ({ page }) => {
		await page.goto('/login');
		await page.getByLabel('Username').fill(ADMIN.username);
		await page.getByLabel('Password').fill('not-the-password');
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect(page.getByRole('alert')).toHaveText(/wrong username or password/i);
		await expect(page).toHaveURL(/\/login$/);
	});

	test('a deep link without a session goes to sign-in, then back to it', async ({ page }) => {
		await page.goto('/favorites');
		await expect(page).toHaveURL(/\/login\?next=%2Ffavorites$/);
		await page.getByLabel('Username').fill(ADMIN.username);
		await page.getByLabel('Password').fill(ADMIN.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect(page).toHaveURL(/\/favorites$/);
		await expect(page.getByRole('heading', { name: 'Favorites', level: 1 })).toBeVisible();
	});
});

test.describe('timeline', () => {
	test('shows every indexed manifest photo exactly once, days in the manifest’s order', async ({
		page
	}) => {
		await signIn(page);
		const expected = await expectedTimeline(page);
		expect(expected.ids.length).toBeGreaterThan(50);

		const shown = await scrollThrough(page);
		// Exactly the server's photos, each once, in its order.
		expect(shown).toEqual(expected.ids);

		// Every manifest file the server indexed is there once, and those with a camera date
		// come newest first, as their EXIF dates say.
		const token = await apiToken(page.request);
		const paths = await Promise.all(shown.map((id) => photoPath(page, token, id)));
		const byPath = new Map(paths.map((path, i) => [path, shown[i]]));
		const files = manifest().files;
		const dated = files
			.filter((f) => byPath.has(f.path) && f.exif?.datetime_original)
			.map((f) => ({ path: f.path, when: String(f.exif?.datetime_original) }));
		expect(dated.length).toBeGreaterThan(20);
		const position = (path: string) => shown.indexOf(byPath.get(path) as number);
		const byManifest = [...dated].sort((a, b) => b.when.localeCompare(a.when));
		const days = (list: { when: string }[]) => list.map((f) => f.when.slice(0, 10));
		const byScreen = [...dated].sort((a, b) => position(a.path) - position(b.path));
		expect(days(byScreen)).toEqual(days(byManifest));
		// Not every file of the corpus is a photo (broken ones are refused), but no photo is lost.
		expect(byPath.size).toBe(shown.length);
	});

	test('day headings name the day and its place; tiles have alt text', async ({ page }) => {
		await signIn(page);
		const first = grid(page).getByRole('heading', { level: 2 }).first();
		await expect(first).toHaveText(
			/(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{1,2} \w+ \d{4}/
		);
		const alts = await grid(page)
			.getByRole('img')
			.evaluateAll((imgs) => imgs.map((i) => i.getAttribute('alt')));
		expect(alts.length).toBeGreaterThan(5);
		for (const alt of alts) expect(alt?.trim()).toBeTruthy();
		// The geotagged Arezzo photos (gps/) are under a heading with their place.
		const token = await apiToken(page.request);
		const months = await apiGet<{ month: string | null }[]>(
			page.request,
			'/api/timeline/months/',
			token
		);
		let arezzoId = 0;
		for (const { month } of months) {
			const rows = await apiGet<MonthRows>(
				page.request,
				`/api/timeline/months/${month ?? 'undated'}/`,
				token
			);
			const day = Object.keys(rows.places).find((d) => rows.places[d] === 'Arezzo, Italy');
			if (day) arezzoId = rows.ids[rows.dates.indexOf(day)];
		}
		expect(arezzoId).toBeGreaterThan(0);
		await page.goto(`/?at=${arezzoId}`);
		await expect(
			grid(page).getByRole('heading', { name: /Wednesday, 22 October 2008.*Arezzo, Italy/ })
		).toBeVisible();
	});

	test('a deep link ?at= and Back restore the position', async ({ page }) => {
		await signIn(page);
		const { ids } = await expectedTimeline(page);
		const target = ids[Math.floor(ids.length * 0.8)];
		await page.goto(`/?at=${target}`);
		const tile = page.locator(`main a[href="/photos/${target}"]`);
		await expect(tile).toBeInViewport();
		const scrolled = await page.getByRole('main').evaluate((main) => {
			const scroller = main.querySelector('.scroller') as HTMLElement;
			return scroller.scrollTop;
		});
		expect(scrolled).toBeGreaterThan(500);

		// The user scrolls a little: the URL follows, so a photo opened and Back land here.
		await grid(page).hover();
		await page.mouse.wheel(0, -300);
		await expect(page).not.toHaveURL(new RegExp(`at=${target}$`));
		await expect(page).toHaveURL(/\?at=\d+$/);
		const at = Number(new URL(page.url()).searchParams.get('at'));
		const anchored = page.locator(`main a[href="/photos/${at}"]`);
		await expect(anchored).toBeInViewport();
		await anchored.click();
		await expect(page).toHaveURL(new RegExp(`/photos/${at}$`));
		await page.goBack();
		await expect(page).toHaveURL(new RegExp(`\\?at=${at}$`));
		await expect(page.locator(`main a[href="/photos/${at}"]`)).toBeInViewport();

		// A reload in a new tab (same session cookie) lands on the same photo too.
		const other = await page.context().newPage();
		await other.goto(`/?at=${at}`);
		await expect(other.locator(`main a[href="/photos/${at}"]`)).toBeInViewport();
		await other.close();
	});

	test('the scrubber jumps to the oldest and newest months', async ({ page }) => {
		await signIn(page);
		const { ids } = await expectedTimeline(page);
		const scrubber = page.getByRole('slider', { name: 'Date scrubber' });
		await scrubber.focus();
		await page.keyboard.press('End');
		await expect(page.locator(`main a[href="/photos/${ids[ids.length - 1]}"]`)).toBeInViewport();
		await expect(scrubber).toHaveAttribute('aria-valuetext', /\d{4}|No date/);
		await page.keyboard.press('Home');
		await expect(page.locator(`main a[href="/photos/${ids[0]}"]`)).toBeInViewport();
		// A click half-way down lands half-way through the library.
		const box = await scrubber.boundingBox();
		if (!box) throw new Error('no scrubber');
		await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
		await expect(page).toHaveURL(/\?at=\d+$/);
		const at = Number(new URL(page.url()).searchParams.get('at'));
		const index = ids.indexOf(at);
		expect(index).toBeGreaterThan(0);
		expect(index).toBeLessThan(ids.length - 1);
	});

	test('works on a 390×844 phone screen', async ({ page }) => {
		await page.setViewportSize({ width: 390, height: 844 });
		await signIn(page);
		await expect(grid(page).getByRole('img').first()).toBeVisible();
		const width = await page.evaluate(() => document.documentElement.scrollWidth);
		expect(width).toBeLessThanOrEqual(390);
		// Several photos a row, every tile inside the screen.
		const boxes = await grid(page)
			.getByRole('link')
			.evaluateAll((links) => links.slice(0, 12).map((a) => a.getBoundingClientRect().toJSON()));
		const firstRow = boxes.filter((b) => Math.abs(b.top - boxes[0].top) < 1);
		expect(firstRow.length).toBeGreaterThanOrEqual(2);
		for (const b of boxes) expect(b.right).toBeLessThanOrEqual(390);
		await expect(page.getByRole('navigation').getByRole('link', { name: 'Trash' })).toBeAttached();
	});

	test('dark mode follows the system and the switch, which is remembered', async ({ page }) => {
		await page.emulateMedia({ colorScheme: 'dark' });
		await signIn(page);
		const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
		const isDark = async () => {
			const [r, g, b] = ((await background()).match(/\d+/g) ?? []).map(Number);
			return 0.2126 * r + 0.7152 * g + 0.0722 * b < 60;
		};
		expect(await isDark()).toBe(true);
		await page.getByRole('button', { name: 'Account menu' }).click();
		await page.getByRole('radio', { name: 'Light' }).check();
		expect(await isDark()).toBe(false);
		await page.reload();
		await expect(page.getByRole('banner')).toBeVisible();
		expect(await isDark()).toBe(false);
		await page.getByRole('button', { name: 'Account menu' }).click();
		await page.getByRole('radio', { name: 'System' }).check();
		expect(await isDark()).toBe(true);
	});
});
