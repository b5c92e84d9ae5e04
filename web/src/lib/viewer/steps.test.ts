import { describe, expect, it } from 'vitest';
import { listSequence, monthSequence, type MonthIds } from './steps';

/** Months of a library where only some are loaded; `load` records what it had to fetch. */
function library(all: Record<string, number[]>, loaded: string[]) {
	const have = new Map(loaded.map((key) => [key, all[key]]));
	const fetched: string[] = [];
	const source: MonthIds = {
		months: () => Object.entries(all).map(([key, ids]) => ({ key, count: ids.length })),
		ids: (key) => have.get(key),
		load: async (key) => {
			fetched.push(key);
			have.set(key, all[key]);
			return all[key];
		}
	};
	return { source, fetched };
}

const MONTHS = {
	'2024-03': [9, 8, 7],
	'2024-02': [],
	'2024-01': [6, 5],
	'2023-12': [4],
	undated: [3, 2]
};

describe('monthSequence', () => {
	it('steps inside a month without loading anything', async () => {
		const { source, fetched } = library(MONTHS, ['2024-03']);
		const seq = monthSequence(source);
		expect(await seq.neighbour(9, 1)).toBe(8);
		expect(await seq.neighbour(8, -1)).toBe(9);
		expect(fetched).toEqual([]);
	});

	it('crosses into the next month, skipping an empty one, loading it when needed', async () => {
		const { source, fetched } = library(MONTHS, ['2024-03']);
		const seq = monthSequence(source);
		expect(await seq.neighbour(7, 1)).toBe(6);
		expect(fetched).toEqual(['2024-01']);
		expect(await seq.neighbour(6, 1)).toBe(5);
		expect(fetched).toEqual(['2024-01']);
	});

	it('steps back into the previous month at its last photo', async () => {
		const { source, fetched } = library(MONTHS, ['2023-12']);
		const seq = monthSequence(source);
		expect(await seq.neighbour(4, -1)).toBe(5);
		expect(fetched).toEqual(['2024-01']);
	});

	it('reaches the undated photos last and stops at both ends', async () => {
		const { source } = library(MONTHS, ['2023-12', 'undated', '2024-03']);
		const seq = monthSequence(source);
		expect(await seq.neighbour(4, 1)).toBe(3);
		expect(await seq.neighbour(2, 1)).toBeNull();
		expect(await seq.neighbour(9, -1)).toBeNull();
	});

	it('knows no neighbour of a photo that is not in the list', async () => {
		const { source } = library(MONTHS, ['2024-03']);
		expect(await monthSequence(source).neighbour(42, 1)).toBeNull();
	});
});

describe('listSequence', () => {
	it('steps through a ranked list in its order', async () => {
		const seq = listSequence([5, 1, 9]);
		expect(await seq.neighbour(1, 1)).toBe(9);
		expect(await seq.neighbour(1, -1)).toBe(5);
		expect(await seq.neighbour(9, 1)).toBeNull();
	});
});
