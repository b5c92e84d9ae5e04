// Browser half of bench/web.py: drives Debian's Chromium against a running server and prints
// one line of JSON with the figures. BENCH_BASE, BENCH_USER, BENCH_PASSWORD, BENCH_JUMPS.
import { chromium } from '@playwright/test';
import { gzipSync } from 'node:zlib';

const base = process.env.BENCH_BASE ?? 'http://127.0.0.1:18220';
const jumps = Number(process.env.BENCH_JUMPS ?? 20);

let seed = 7;
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
try {
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	const page = await context.newPage();
	const assets = new Map();
	page.on('response', (response) => {
		const type = response.request().resourceType();
		if (type === 'script' || type === 'stylesheet') assets.set(response.url(), response);
	});

	await page.goto(`${base}/login`);
	await page.getByLabel('Username').fill(process.env.BENCH_USER ?? 'bench');
	await page.getByLabel('Password').fill(process.env.BENCH_PASSWORD ?? '');
	await page.evaluate(() => {
		window.__longest = 0;
		new PerformanceObserver((list) => {
			for (const entry of list.getEntries())
				window.__longest = Math.max(window.__longest, entry.duration);
		}).observe({ type: 'longtask', buffered: true });
		// Input time of a scrubber press, from the event itself (not from this script's clock).
		document.addEventListener('pointerdown', (event) => (window.__input = event.timeStamp), true);
		// A thumbnail counts once decoded and the frame after it has started.
		window.__settled = (all) => {
			const main = document.querySelector('main');
			if (!main) return false;
			const view = main.getBoundingClientRect();
			const inView = [...main.querySelectorAll('a[href^="/photos/"] img')].filter((img) => {
				const r = img.getBoundingClientRect();
				return r.bottom > view.top && r.top < view.bottom && r.width > 0;
			});
			const done = inView.filter((img) => img.complete && img.naturalWidth > 0);
			const busy = [...main.querySelectorAll('[aria-busy="true"]')].some((el) => {
				const r = el.getBoundingClientRect();
				return r.bottom > view.top && r.top < view.bottom;
			});
			return all ? inView.length > 0 && done.length === inView.length && !busy : done.length > 0;
		};
		window.__t0 = performance.now();
		document.querySelector('button[type=submit]').click();
	});

	const firstThumbnail = await (
		await page.waitForFunction(
			() => (window.__settled(false) ? performance.now() - window.__t0 : false),
			null,
			{ polling: 'raf', timeout: 60_000 }
		)
	).jsonValue();
	const firstScreen = await (
		await page.waitForFunction(
			() => (window.__settled(true) ? performance.now() - window.__t0 : false),
			null,
			{ polling: 'raf', timeout: 60_000 }
		)
	).jsonValue();

	let gzipBytes = 0;
	let wireBytes = 0;
	for (const response of assets.values()) {
		gzipBytes += gzipSync(await response.body(), { level: 9 }).length;
		wireBytes += (await response.request().sizes()).responseBodySize;
	}
	const bundleFiles = assets.size;

	const scrubber = page.getByRole('slider', { name: 'Date scrubber' });
	const box = await scrubber.boundingBox();
	const jumpTimes = [];
	for (let i = 0; i < jumps; i++) {
		const before = await page.evaluate(() => document.querySelector('main .scroller').scrollTop);
		await page.mouse.click(box.x + box.width / 2, box.y + 2 + random() * (box.height - 4));
		const ms = await (
			await page.waitForFunction(
				(before) => {
					const scroller = document.querySelector('main .scroller');
					if (Math.abs(scroller.scrollTop - before) < 1) return false;
					return window.__settled(true) ? performance.now() - window.__input : false;
				},
				before,
				{ polling: 'raf', timeout: 60_000 }
			)
		).jsonValue();
		jumpTimes.push(ms);
		await page.mouse.move(box.x - 200, box.y + box.height / 2);
	}

	const scroll = await page.evaluate(async () => {
		const scroller = document.querySelector('main .scroller');
		const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
		window.__longestBefore = window.__longest;
		window.__longest = 0;
		let maxImg = 0;
		let steps = 0;
		// Four screens a step, for at most 150 s (a loaded machine draws frames slowly).
		const step = scroller.clientHeight * 4;
		const until = performance.now() + 150_000;
		let y = 0;
		for (; y <= scroller.scrollHeight && performance.now() < until; y += step) {
			scroller.scrollTop = y;
			await frame();
			await frame();
			maxImg = Math.max(maxImg, document.querySelectorAll('img').length);
			steps++;
		}
		// Late long tasks of the last step are counted too.
		await new Promise((resolve) => setTimeout(resolve, 500));
		return {
			maxImg,
			steps,
			px: Math.min(y, scroller.scrollHeight),
			total: scroller.scrollHeight,
			longest: window.__longest,
			before: window.__longestBefore
		};
	});

	console.log(
		JSON.stringify({
			first_thumbnail_ms: firstThumbnail,
			first_screen_ms: firstScreen,
			jumps: jumpTimes.length,
			jump_p50_ms: percentile(jumpTimes, 50),
			jump_p95_ms: percentile(jumpTimes, 95),
			jump_ms: jumpTimes.map(Math.round),
			longest_task_ms: Math.max(scroll.longest, scroll.before),
			longest_task_scroll_ms: scroll.longest,
			scroll_px: scroll.px,
			scroll_total_px: scroll.total,
			scroll_steps: scroll.steps,
			max_img: scroll.maxImg,
			bundle_gzip_bytes: gzipBytes,
			bundle_transferred_bytes: wireBytes,
			bundle_files: bundleFiles
		})
	);
} finally {
	await browser.close();
}
