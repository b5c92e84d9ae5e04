import { describe, expect, it, vi } from 'vitest';
import {
	dayRuns,
	estimateMonthHeight,
	firstBoxBelow,
	gridGeometry,
	justifyRows,
	layoutMonth,
	monthRatios,
	type GridGeometry
} from './layout';

const geometry: GridGeometry = { width: 1000, rowHeight: 200, gap: 4, headingHeight: 50 };

function rowsOf(boxes: Float32Array, count: number): number[][] {
	const rows = new Map<number, number[]>();
	for (let i = 0; i < count; i++) {
		const top = boxes[4 * i + 1];
		rows.set(top, [...(rows.get(top) ?? []), i]);
	}
	return [...rows.values()];
}

describe('justified rows', () => {
	it('fills every full row to the exact width at each photo’s aspect ratio', () => {
		const ratios = Float32Array.from([1.5, 1, 0.75, 1.5, 1.33, 2, 1, 1.5, 0.66, 1.5, 1, 1]);
		const boxes = new Float32Array(ratios.length * 4);
		const bottom = justifyRows(ratios, 0, ratios.length, 0, geometry, boxes);
		const rows = rowsOf(boxes, ratios.length);
		expect(rows.length).toBeGreaterThan(1);
		for (const row of rows.slice(0, -1)) {
			const last = row[row.length - 1];
			expect(boxes[4 * last] + boxes[4 * last + 2]).toBeCloseTo(geometry.width, 1);
			for (const i of row) {
				expect(boxes[4 * i + 2] / boxes[4 * i + 3]).toBeCloseTo(ratios[i], 3);
				// Close to the target height: never stretched past MAX_STRETCH.
				expect(boxes[4 * i + 3]).toBeLessThan(geometry.rowHeight * 1.6);
				expect(boxes[4 * i + 3]).toBeGreaterThan(geometry.rowHeight * 0.5);
			}
		}
		// Photos keep their order, left to right then top to bottom, with a gap between them.
		for (let i = 1; i < ratios.length; i++) {
			const sameRow = boxes[4 * i + 1] === boxes[4 * (i - 1) + 1];
			if (sameRow)
				expect(boxes[4 * i]).toBeCloseTo(boxes[4 * (i - 1)] + boxes[4 * (i - 1) + 2] + 4, 3);
			else expect(boxes[4 * i + 1]).toBeGreaterThan(boxes[4 * (i - 1) + 1]);
		}
		const lastTop = boxes[4 * (ratios.length - 1) + 1];
		expect(bottom).toBeCloseTo(lastTop + boxes[4 * (ratios.length - 1) + 3] + 4, 3);
	});

	it('leaves a short last row at the target height, left-aligned', () => {
		const ratios = Float32Array.from([1.5, 1]);
		const boxes = new Float32Array(8);
		justifyRows(ratios, 0, 2, 10, geometry, boxes);
		expect(Array.from(boxes)).toEqual([0, 10, 300, 200, 304, 10, 200, 200]);
	});

	it('gives a panorama a row of its own, cropped to a ratio that stays visible', () => {
		const ratios = monthRatios([12000, 100, 100], [1000, 100, 100]);
		expect(ratios[0]).toBe(4);
		const boxes = new Float32Array(12);
		justifyRows(ratios, 0, 3, 0, { ...geometry, width: 800 }, boxes);
		expect(boxes[3]).toBeCloseTo(200, 3);
		expect(boxes[4 + 1]).toBeGreaterThan(0);
	});

	it('treats photos without dimensions as square', () => {
		expect(monthRatios([0], [0])[0]).toBe(1);
	});
});

describe('month layout', () => {
	it('puts each day under its own heading, in the month’s order', async () => {
		const dates = ['2019-07-04', '2019-07-04', '2019-07-02', null];
		const ratios = monthRatios([300, 200, 400, 100], [200, 300, 300, 100]);
		const layout = await layoutMonth(ratios, dates, geometry);
		expect(layout.days.map((d) => [d.date, d.start, d.end])).toEqual([
			['2019-07-04', 0, 2],
			['2019-07-02', 2, 3],
			[null, 3, 4]
		]);
		for (const day of layout.days) {
			for (let i = day.start; i < day.end; i++) {
				expect(layout.boxes[4 * i + 1]).toBeGreaterThanOrEqual(day.top + geometry.headingHeight);
				expect(layout.boxes[4 * i + 1] + layout.boxes[4 * i + 3]).toBeLessThanOrEqual(day.bottom);
			}
		}
		expect(layout.height).toBe(Math.ceil(layout.days[2].bottom));
	});

	it('lays out a huge month in slices, giving the thread back between them', async () => {
		const count = 60000;
		const ratios = new Float32Array(count).fill(1.5);
		// One day of 60,000 photos: even a single day is cut into slices.
		const dates = new Array(count).fill('2020-01-15');
		const timers = vi.spyOn(globalThis, 'setTimeout');
		let clock = 0;
		const layout = await layoutMonth(ratios, dates, geometry, undefined, () => (clock += 5));
		expect(timers.mock.calls.length).toBeGreaterThanOrEqual(7);
		timers.mockRestore();
		expect(layout.days).toHaveLength(1);
		const last = 4 * (count - 1);
		expect(layout.boxes[last + 1] + layout.boxes[last + 3]).toBeLessThanOrEqual(layout.height);
		expect(layout.boxes[last + 1]).toBeGreaterThan(layout.boxes[4 * (count - 100) + 1] - 1);
	});

	it('stops when aborted between slices', async () => {
		const count = 20000;
		const ratios = new Float32Array(count).fill(1);
		const dates = Array.from(
			{ length: count },
			(_, i) => `2020-01-${String(28 - (i % 28)).padStart(2, '0')}`
		)
			.sort()
			.reverse();
		const controller = new AbortController();
		let clock = 0;
		const pending = layoutMonth(ratios, dates, geometry, controller.signal, () => (clock += 20));
		controller.abort();
		await expect(pending).rejects.toThrow(/aborted/);
	});

	it('finds the first box below a line by binary search', async () => {
		const ratios = new Float32Array(40).fill(1);
		const layout = await layoutMonth(ratios, new Array(40).fill('2020-01-01'), geometry);
		const y = layout.boxes[4 * 10 + 1] + 1;
		const index = firstBoxBelow(layout.boxes, 40, y);
		expect(layout.boxes[4 * index + 1] + layout.boxes[4 * index + 3]).toBeGreaterThanOrEqual(y);
		expect(layout.boxes[4 * (index - 1) + 1] + layout.boxes[4 * (index - 1) + 3]).toBeLessThan(y);
		expect(firstBoxBelow(layout.boxes, 40, 1e9)).toBe(40);
	});
});

describe('estimated month heights', () => {
	it('is zero for an empty month and grows with the count', () => {
		const g = gridGeometry(1200);
		expect(estimateMonthHeight(0, g)).toBe(0);
		const heights = [1, 10, 100, 1000, 10000].map((n) => estimateMonthHeight(n, g));
		for (let i = 1; i < heights.length; i++) expect(heights[i]).toBeGreaterThan(heights[i - 1]);
	});

	it('lands near the real height of a typical month', async () => {
		const g = gridGeometry(1200);
		// 240 photos over 30 days, 3:2 and 2:3 mixed as a camera roll is.
		const count = 240;
		const ratios = monthRatios(
			Array.from({ length: count }, (_, i) => (i % 5 === 0 ? 2 : 3)),
			Array.from({ length: count }, (_, i) => (i % 5 === 0 ? 3 : 2))
		);
		const dates = Array.from(
			{ length: count },
			(_, i) => `2019-07-${String(30 - Math.floor(i / 8)).padStart(2, '0')}`
		);
		const real = (await layoutMonth(ratios, dates, g)).height;
		const estimate = estimateMonthHeight(count, g);
		expect(Math.abs(estimate - real) / real).toBeLessThan(0.35);
	});

	it('needs more height on a narrow screen', () => {
		expect(estimateMonthHeight(500, gridGeometry(390))).toBeGreaterThan(
			estimateMonthHeight(500, gridGeometry(1200)) * 0.5
		);
		expect(dayRuns(['a', 'a', 'b'])).toEqual([
			{ date: 'a', start: 0, end: 2 },
			{ date: 'b', start: 2, end: 3 }
		]);
	});
});
