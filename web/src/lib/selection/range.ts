/**
 * Shift-click ranges. When both ends and every month between them are loaded the range is cut
 * from the loaded ids; otherwise the server answers it (`GET /api/timeline/range/`), so a range
 * spanning months never scrolled into view is still exact.
 */
import type { MonthIds } from '$lib/viewer/steps';

export type RangeFetcher = (start: number, end: number) => Promise<number[]>;

/** The ids from `start` to `end` inclusive, in display order whichever end comes first. */
export async function rangeIds(
	source: Pick<MonthIds, 'months' | 'ids'>,
	start: number,
	end: number,
	fetchRange: RangeFetcher
): Promise<number[]> {
	const local = localRange(source, start, end);
	return local ?? (await fetchRange(start, end));
}

/** The range from the loaded months alone, or null when any part of it is not loaded. */
export function localRange(
	source: Pick<MonthIds, 'months' | 'ids'>,
	start: number,
	end: number
): number[] | null {
	const flat: number[] = [];
	let inside = false;
	for (const month of source.months()) {
		const ids = source.ids(month.key);
		if (ids === undefined) {
			// A gap is fatal only inside the range; before it, nothing was needed yet.
			if (inside && month.count > 0) return null;
			continue;
		}
		for (const id of ids) {
			const isEnd = id === start || id === end;
			if (isEnd && !inside) {
				inside = true;
				flat.push(id);
				if (start === end) return flat;
				continue;
			}
			if (inside) {
				flat.push(id);
				if (isEnd) return flat;
			}
		}
	}
	return null;
}

/** The range from `start` to `end` inclusive within one flat list (search results), in its
 * order whichever end comes first; empty when either end is not in it. */
export function listRange(ids: readonly number[], start: number, end: number): number[] {
	const [a, b] = [ids.indexOf(start), ids.indexOf(end)].sort((x, y) => x - y);
	return a < 0 ? [] : ids.slice(a, b + 1);
}
