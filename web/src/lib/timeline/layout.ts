/**
 * Justified rows: every photo keeps its displayed aspect ratio, each full row fills the width
 * exactly, and rows come out close to the target height (as Google Photos and Immich lay out).
 * A month is laid out as its days, each a heading above its own rows. Pure functions over
 * numbers, so they are unit-tested and can be run a slice at a time.
 */

export interface GridGeometry {
	/** Width of the content in CSS px. */
	width: number;
	/** Target row height in CSS px. */
	rowHeight: number;
	/** Space between tiles and between rows. */
	gap: number;
	/** Height of a day heading, including its margin. */
	headingHeight: number;
}

/** Desktop and phone geometry (phones: smaller rows so three or four photos fit a row). */
export function gridGeometry(width: number): GridGeometry {
	const small = width < 600;
	return {
		width,
		rowHeight: small ? 110 : 220,
		gap: small ? 2 : 4,
		headingHeight: small ? 40 : 52
	};
}

/** Ratios outside this range are cropped to it (object-fit: cover), so a panorama stays visible. */
const MIN_RATIO = 0.4;
const MAX_RATIO = 4;
/** A row never grows taller than this much of the target to fill the width. */
const MAX_STRETCH = 1.6;

export function clampRatio(width: number, height: number): number {
	const ratio = width > 0 && height > 0 ? width / height : 1;
	return Math.min(MAX_RATIO, Math.max(MIN_RATIO, ratio));
}

/**
 * Lays out `ratios[start..end)` into justified rows starting at `top`, writing left, top,
 * width, height of item i into `boxes[4i..4i+3]`. Returns the bottom of the last row.
 */
export function justifyRows(
	ratios: ArrayLike<number>,
	start: number,
	end: number,
	top: number,
	geometry: GridGeometry,
	boxes: Float32Array
): number {
	const { width, rowHeight, gap } = geometry;
	let y = top;
	let rowStart = start;
	while (rowStart < end) {
		// Grow the row until it is at least as wide as the content at the target height, then
		// keep the item that overflowed only if that leaves the row closer to the target height.
		let sum = 0;
		let i = rowStart;
		while (i < end) {
			sum += ratios[i];
			i++;
			if (sum * rowHeight + gap * (i - rowStart - 1) >= width) break;
		}
		let count = i - rowStart;
		const overflowed = sum * rowHeight + gap * (count - 1) >= width;
		if (overflowed && count > 1) {
			const withLast = (width - gap * (count - 1)) / sum;
			const sumWithout = sum - ratios[i - 1];
			const without = (width - gap * (count - 2)) / sumWithout;
			const closer = Math.abs(without - rowHeight) < Math.abs(withLast - rowHeight);
			if (closer && without <= rowHeight * MAX_STRETCH) {
				count--;
				sum = sumWithout;
			}
		}
		// Full rows fill the width exactly; a last row that cannot keeps the target height.
		const height = overflowed ? (width - gap * (count - 1)) / sum : rowHeight;
		let x = 0;
		for (let k = rowStart; k < rowStart + count; k++) {
			const w = ratios[k] * height;
			boxes[4 * k] = x;
			boxes[4 * k + 1] = y;
			boxes[4 * k + 2] = w;
			boxes[4 * k + 3] = height;
			x += w + gap;
		}
		y += height + gap;
		rowStart += count;
	}
	return y;
}

export interface DayGroup {
	/** `YYYY-MM-DD`, or null for photos without a date. */
	date: string | null;
	/** Index of the day's first photo in the month, and one past its last. */
	start: number;
	end: number;
	/** Top of the heading, and bottom of the last row, within the month. */
	top: number;
	bottom: number;
}

export interface MonthLayout {
	days: DayGroup[];
	/** left, top, width, height of each photo, relative to the month's top. */
	boxes: Float32Array;
	height: number;
	/** The width it was laid out for: a new width means a new layout. */
	width: number;
}

/** Consecutive runs of the same date (the month comes sorted newest first). */
export function dayRuns(
	dates: readonly (string | null)[]
): { date: string | null; start: number; end: number }[] {
	const runs: { date: string | null; start: number; end: number }[] = [];
	for (let i = 0; i < dates.length; i++) {
		const last = runs[runs.length - 1];
		if (last && last.date === dates[i]) last.end = i + 1;
		else runs.push({ date: dates[i], start: i, end: i + 1 });
	}
	return runs;
}

export function monthRatios(widths: readonly number[], heights: readonly number[]): Float32Array {
	const ratios = new Float32Array(widths.length);
	for (let i = 0; i < widths.length; i++) ratios[i] = clampRatio(widths[i], heights[i]);
	return ratios;
}

/** Gives the main thread back to the browser (input, paint) between two slices of work. */
export function yieldToMain(): Promise<void> {
	const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
	if (scheduler?.yield) return scheduler.yield();
	return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Slices of layout work stop after this long, so no task blocks input for long. */
export const SLICE_MS = 8;

/**
 * Lays out a month day by day. Small months finish in one slice; a month of tens of thousands
 * of photos yields to the browser every SLICE_MS (and within a huge day, every few thousand
 * photos), so it never freezes the page. Throws an AbortError when `signal` aborts meanwhile.
 */
export async function layoutMonth(
	ratios: Float32Array,
	dates: readonly (string | null)[],
	geometry: GridGeometry,
	signal?: AbortSignal,
	now: () => number = () => performance.now()
): Promise<MonthLayout> {
	const boxes = new Float32Array(ratios.length * 4);
	const days: DayGroup[] = [];
	let y = 0;
	let sliceStart = now();
	const DAY_CHUNK = 4000;
	for (const run of dayRuns(dates)) {
		const top = y;
		y += geometry.headingHeight;
		// A huge day is justified a chunk at a time; the rows of a chunk end at its boundary,
		// which costs at most one short row every DAY_CHUNK photos.
		for (let from = run.start; from < run.end; from += DAY_CHUNK) {
			y = justifyRows(ratios, from, Math.min(run.end, from + DAY_CHUNK), y, geometry, boxes);
			if (now() - sliceStart > SLICE_MS) {
				await yieldToMain();
				if (signal?.aborted) throw new DOMException('Layout aborted', 'AbortError');
				sliceStart = now();
			}
		}
		days.push({ ...run, top, bottom: y });
	}
	return { days, boxes, height: Math.ceil(y), width: geometry.width };
}

/** Photos per day assumed before a month is loaded (for its estimated number of headings). */
const PHOTOS_PER_DAY = 8;
/** Displayed aspect ratio assumed before a month is loaded (most photos are 4:3 or 3:2). */
const AVERAGE_RATIO = 1.4;

/**
 * The height a month of `count` photos will probably take, before its rows are known: its rows
 * at the target height plus its headings, each day ending on a part-filled row.
 */
export function estimateMonthHeight(count: number, geometry: GridGeometry): number {
	if (count <= 0) return 0;
	const days = Math.min(31, Math.max(1, Math.round(count / PHOTOS_PER_DAY)));
	const perRow = Math.max(1, geometry.width / (AVERAGE_RATIO * geometry.rowHeight + geometry.gap));
	const rows = Math.ceil(count / perRow) + days * 0.5;
	return Math.ceil(days * geometry.headingHeight + rows * (geometry.rowHeight + geometry.gap));
}

/** First index in `boxes` (sorted by top) whose box ends below `y`, by binary search. */
export function firstBoxBelow(boxes: Float32Array, count: number, y: number): number {
	let lo = 0;
	let hi = count;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (boxes[4 * mid + 1] + boxes[4 * mid + 3] < y) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}
