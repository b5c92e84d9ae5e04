/**
 * Stepping through the list a viewer was opened from: the timeline's months (some not loaded
 * yet) or a plain ranked list. Previous/Next cross month boundaries, loading a month when the
 * step lands in one that has not been fetched; empty months are skipped.
 */

export interface MonthSlot {
	key: string;
	count: number;
}

export interface MonthIds {
	/** Months in display order (newest first, undated last). */
	months(): readonly MonthSlot[];
	/** A month's ids in display order, or undefined when it is not loaded. */
	ids(key: string): readonly number[] | undefined;
	/** Fetch a month's ids (the grid's own loader, so the grid sees them too). */
	load(key: string): Promise<readonly number[]>;
}

export type Direction = 1 | -1;

export interface PhotoSequence {
	/** The id `dir` steps from `id`, or null at either end (or when `id` is not in the list). */
	neighbour(id: number, dir: Direction): Promise<number | null>;
}

/** A sequence over a plain list (search results, a ranked answer). */
export function listSequence(ids: readonly number[]): PhotoSequence {
	return {
		async neighbour(id, dir) {
			const at = ids.indexOf(id);
			if (at < 0) return null;
			return ids[at + dir] ?? null;
		}
	};
}

/** Where `id` is among the loaded months, as [month index, index in month]. */
function locate(source: MonthIds, id: number): [number, number] | null {
	const months = source.months();
	for (let m = 0; m < months.length; m++) {
		const i = source.ids(months[m].key)?.indexOf(id) ?? -1;
		if (i >= 0) return [m, i];
	}
	return null;
}

/** A sequence over month buckets; the photo being shown is always in a loaded month. */
export function monthSequence(source: MonthIds): PhotoSequence {
	return {
		async neighbour(id, dir) {
			const at = locate(source, id);
			if (at === null) return null;
			const months = source.months();
			const [m, i] = at;
			const here = source.ids(months[m].key) ?? [];
			if (here[i + dir] !== undefined) return here[i + dir];
			for (let n = m + dir; n >= 0 && n < months.length; n += dir) {
				if (months[n].count === 0) continue;
				const ids = source.ids(months[n].key) ?? (await source.load(months[n].key));
				if (ids.length === 0) continue;
				return dir === 1 ? ids[0] : ids[ids.length - 1];
			}
			return null;
		}
	};
}
