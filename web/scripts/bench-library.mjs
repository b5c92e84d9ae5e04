// Browser half of bench/web.py's library section (issue 13): drives Debian's Chromium against
// a running server and prints one line of JSON with the figures. BENCH_BASE, BENCH_USER,
// BENCH_PASSWORD, BENCH_ALBUM (the id of the big album), BENCH_VIEWS (map pans and zooms).
// Each figure runs from the input event itself (its timeStamp) to the frame after the images
// are decoded, as a user clicking through the navigation would see it.
import { chromium } from '@playwright/test';

const base = process.env.BENCH_BASE ?? 'http://127.0.0.1:18220';
const album = process.env.BENCH_ALBUM;
const views = Number(process.env.BENCH_VIEWS ?? 30);
const COVERS = 60;

let seed = 11;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

const percentile = (values, p) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
	args: [
		'--no-sandbox',
		'--disable-gpu',
		'--disable-background-networking',
		'--disable-component-update'
	]
});

/** Waits until `ready` (evaluated in the page each frame) and returns its value. */
async function until(page, ready, arg) {
	return (await page.waitForFunction(ready, arg, { polling: 'raf', timeout: 60_000 })).jsonValue();
}

try {
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	const page = await context.newPage();
	await page.goto(`${base}/login`);
	await page.getByLabel('Username').fill(process.env.BENCH_USER ?? 'bench');
	await page.getByLabel('Password').fill(process.env.BENCH_PASSWORD ?? '');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((url) => !url.pathname.startsWith('/login'));
	await page.evaluate(() => {
		for (const type of ['pointerdown', 'pointerup', 'wheel'])
			document.addEventListener(type, (event) => (window.__input = event.timeStamp), true);
		// What moves the map (a wheel notch, a drag's move) starts its measure again.
		const moved = (event) => {
			if (event.type === 'pointermove' && !event.buttons) return;
			window.__moved = event.timeStamp;
			window.__since = null;
			window.__wasMoving = false;
		};
		for (const type of ['pointermove', 'wheel']) document.addEventListener(type, moved, true);
		// Each frame: do the map's markers show the clusters of the view it shows? They do
		// when the box they were drawn for holds the camera's box at the camera's cluster
		// level, and every cluster image inside the map is painted. __since is the first
		// frame, once the map began to move after the last input, from which that held.
		window.__mapWatch = () => {
			const element = document.querySelector('.map');
			const camera = element?.dataset.camera?.split(',').map(Number);
			const drawn = element?.dataset.drawn?.split(',').map(Number);
			const covered =
				camera &&
				drawn &&
				drawn[4] === camera[4] &&
				drawn[0] <= camera[0] &&
				drawn[1] <= camera[1] &&
				drawn[2] >= camera[2] &&
				drawn[3] >= camera[3];
			const ok =
				covered &&
				window
					.__inView('.map .cluster img', element.getBoundingClientRect())
					.every(window.__painted);
			const now = performance.now();
			if (element.dataset.moving) window.__wasMoving = true;
			if (!ok || !window.__wasMoving) window.__since = null;
			else window.__since ??= now;
			window.__settled = ok && window.__wasMoving && !element.dataset.moving;
			requestAnimationFrame(window.__mapWatch);
		};
		// Images inside `selector` that overlap the viewport (and `box`, if given).
		window.__inView = (selector, box) => {
			const view = box ?? { top: 0, left: 0, bottom: innerHeight, right: innerWidth };
			return [...document.querySelectorAll(selector)].filter((img) => {
				const r = img.getBoundingClientRect();
				return (
					r.width > 0 &&
					r.bottom > view.top &&
					r.top < view.bottom &&
					r.right > view.left &&
					r.left < view.right
				);
			});
		};
		window.__painted = (img) => img.complete && img.naturalWidth > 0;
	});
	// Signing in lands on Photos: its first thumbnails come before anything is measured.
	await until(page, () => window.__inView('main a[href^="/photos/"] img').some(window.__painted));

	// People: the first 60 covers painted (loaded and decoded, those below the window too).
	await page.getByRole('link', { name: 'People', exact: true }).click();
	const people = await until(
		page,
		(covers) => {
			const first = [...document.querySelectorAll('ul.people li')].slice(0, covers);
			if (first.length < covers) return false;
			const images = first.map((li) => li.querySelector('img')).filter(Boolean);
			if (!images.every(window.__painted)) return false;
			return {
				ms: performance.now() - window.__input,
				covers: images.length,
				in_view: window.__inView('ul.people img').length
			};
		},
		COVERS
	);

	// Places: the map drawn with its first clusters, then pans and zooms. Two figures a view:
	// from the last move to the first frame from which the markers showed the clusters of
	// the view on screen (and kept showing them until the map stopped), and to the map
	// stopped with its clusters drawn (a wheel notch's zoom animation included).
	await page.getByRole('link', { name: 'Places', exact: true }).click();
	const map = page.locator('div.map');
	await until(page, () => Number(document.querySelector('.map')?.dataset.refreshed ?? 0) > 0);
	await page.evaluate(() => window.__mapWatch());
	const box = await map.boundingBox();
	const mapTimes = [];
	const settledTimes = [];
	let zoom = 1;
	for (let i = 0; i < views; i++) {
		const x = box.x + box.width * (0.25 + random() * 0.5);
		const y = box.y + box.height * (0.25 + random() * 0.5);
		await page.mouse.move(x, y);
		await page.evaluate(() => (window.__moved = null));
		if (random() < 0.5) {
			// One wheel notch in or out, kept between world and city scale.
			const inward = zoom < 3 || (zoom < 9 && random() < 0.6);
			zoom += inward ? 1 : -1;
			await page.mouse.wheel(0, inward ? -100 : 100);
		} else {
			// A drag that stops before release: a pan without inertia.
			await page.mouse.down();
			await page.mouse.move(x + (random() - 0.5) * 400, y + (random() - 0.5) * 300, {
				steps: 8
			});
			await page.waitForTimeout(250);
			await page.mouse.up();
		}
		const [ms, settled] = await until(page, () =>
			window.__moved !== null && window.__settled && window.__since !== null
				? [window.__since - window.__moved, performance.now() - window.__moved]
				: false
		);
		mapTimes.push(ms);
		settledTimes.push(settled);
		await page.waitForTimeout(300);
	}

	// The album, opened from the Albums page, to its first thumbnails painted.
	await page.getByRole('link', { name: 'Albums', exact: true }).click();
	const link = page.locator(`a[href="/albums/${album}"]`).first();
	await link.waitFor();
	await link.click();
	const albumMs = await until(page, () => {
		const shown = window.__inView('main a[href^="/photos/"] img');
		return shown.length > 0 && shown.every(window.__painted)
			? performance.now() - window.__input
			: false;
	});
	const albumCount = await page.evaluate(
		() => document.querySelectorAll('main a[href^="/photos/"]').length
	);

	console.log(
		JSON.stringify({
			people_ms: people.ms,
			covers: people.covers,
			covers_in_view: people.in_view,
			views: mapTimes.length,
			map_p50_ms: percentile(mapTimes, 50),
			map_p95_ms: percentile(mapTimes, 95),
			map_ms: mapTimes.map(Math.round),
			map_settled_p50_ms: percentile(settledTimes, 50),
			map_settled_p95_ms: percentile(settledTimes, 95),
			album_ms: albumMs,
			album_tiles_in_dom: albumCount
		})
	);
} finally {
	await browser.close();
}
