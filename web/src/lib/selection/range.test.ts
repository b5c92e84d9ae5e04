import { describe, expect, it } from 'vitest';
import { listRange, localRange, rangeIds } from './range';

function months(all: Record<string, number[]>, loaded: string[]) {
	return {
		months: () => Object.entries(all).map(([key, ids]) => ({ key, count: ids.length })),
		ids: (key: string) => (loaded.includes(key) ? all[key] : undefined)
	};
}

const ALL = { '2024-03': [9, 8, 7], '2024-02': [6, 5], '2024-01': [4, 3], '2023-12': [2, 1] };

/** The server's answer over the whole library, as `/api/timeline/range/` gives it. */
function server(calls: [number, number][]) {
	const order = Object.values(ALL).flat();
	return async (start: number, end: number) => {
		calls.push([start, end]);
		const [a, b] = [order.indexOf(start), order.indexOf(end)].sort((x, y) => x - y);
		return order.slice(a, b + 1);
	};
}

describe('range selection', () => {
	it('cuts a range inside loaded months locally, whichever end was clicked first', async () => {
		const calls: [number, number][] = [];
		const source = months(ALL, ['2024-03', '2024-02']);
		expect(await rangeIds(source, 8, 5, server(calls))).toEqual([8, 7, 6, 5]);
		expect(await rangeIds(source, 5, 8, server(calls))).toEqual([8, 7, 6, 5]);
		expect(calls).toEqual([]);
	});

	it('asks the server when a month between the ends is not loaded', async () => {
		const calls: [number, number][] = [];
		const source = months(ALL, ['2024-03', '2023-12']);
		expect(localRange(source, 8, 2)).toBeNull();
		expect(await rangeIds(source, 8, 2, server(calls))).toEqual([8, 7, 6, 5, 4, 3, 2]);
		expect(calls).toEqual([[8, 2]]);
	});

	it('asks the server when the far end is in a month not loaded yet', async () => {
		const calls: [number, number][] = [];
		const source = months(ALL, ['2024-03']);
		expect(await rangeIds(source, 9, 3, server(calls))).toEqual([9, 8, 7, 6, 5, 4, 3]);
		expect(calls).toEqual([[9, 3]]);
	});

	it('ignores unloaded months outside the range', () => {
		const source = months(ALL, ['2024-02', '2024-01']);
		expect(localRange(source, 6, 3)).toEqual([6, 5, 4, 3]);
	});

	it('selects one photo when both ends are the same', () => {
		expect(localRange(months(ALL, ['2024-03']), 8, 8)).toEqual([8]);
	});
});

describe('list range selection', () => {
	it('cuts a flat list in its own order from either end, and nothing for an unknown id', () => {
		const ranked = [40, 7, 19, 3, 88];
		expect(listRange(ranked, 7, 3)).toEqual([7, 19, 3]);
		expect(listRange(ranked, 3, 7)).toEqual([7, 19, 3]);
		expect(listRange(ranked, 88, 88)).toEqual([88]);
		expect(listRange(ranked, 7, 1000)).toEqual([]);
	});
});
