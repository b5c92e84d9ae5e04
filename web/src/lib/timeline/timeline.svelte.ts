/**
 * The timeline of one filter: month buckets first (so the scroll height and the scrubber span
 * the whole library at once, from estimates), then each month's rows when it comes near the
 * viewport, laid out in slices. What the viewer needs is exported here too: the ordered ids,
 * the next/previous id across months, and scrolling an id into view.
 */
/* eslint-disable svelte/prefer-svelte-reactivity --
   The per-month maps are plain on purpose: 100,000 ids must not become reactive proxies; views
   re-read them when `version`, `months` or `failed` (replaced whole) change. */
import { ApiError, getJson } from '$lib/api/client';
import {
	timelineMonth,
	timelineMonths,
	type MonthBucket,
	type MonthRows,
	type PhotoFilter
} from '$lib/api/timeline';
import {
	estimateMonthHeight,
	firstBoxBelow,
	gridGeometry,
	layoutMonth,
	monthRatios,
	type GridGeometry,
	type MonthLayout
} from './layout';
import { monthUrl, monthsUrl, takePrefetched } from './prefetch';

export interface MonthSlot {
	/** `YYYY-MM`, or `undated`. */
	key: string;
	month: string | null;
	count: number;
	top: number;
	height: number;
	/** False until the month's rows are loaded and laid out. */
	measured: boolean;
}

/** The scroll container the timeline drives (the grid component gives its own element). */
export interface Scroller {
	scrollTop(): number;
	setScrollTop(top: number): void;
	viewportHeight(): number;
}

export interface TilePosition {
	id: number;
	key: string;
	index: number;
}

/** Months within this many viewports of the visible area are fetched... */
const LOAD_VIEWPORTS = 1;
/** ...and fetches of months farther than this are cancelled. */
const CANCEL_VIEWPORTS = 3;
const MAX_INFLIGHT = 4;

export function monthKey(month: string | null): string {
	return month ?? 'undated';
}

export class Timeline {
	readonly filter: PhotoFilter;
	/** The grid's width and row heights; a new width lays out the loaded months again. */
	geometry = $state.raw<GridGeometry>(gridGeometry(1024));
	months = $state.raw<MonthSlot[]>([]);
	totalHeight = $state(0);
	/** Bumped when a month's rows or layout change, so views re-read them. */
	version = $state(0);
	status = $state<'loading' | 'ready' | 'error'>('loading');
	error = $state('');
	/** Months whose fetch failed, with the reason (shown in place, with a retry). */
	failed = $state.raw<ReadonlyMap<string, string>>(new Map());

	private rows = new Map<string, MonthRows>();
	private layouts = new Map<string, MonthLayout>();
	private ratios = new Map<string, Float32Array>();
	private inflight = new Map<
		string,
		{ controller: AbortController; promise: Promise<void>; pinned: boolean }
	>();
	private where = new Map<number, TilePosition>();
	private slotIndex = new Map<string, number>();
	private scroller: Scroller | null = null;
	private bucketsController: AbortController | null = null;
	private disposed = false;
	/** An id to bring into view once its month is laid out (deep link, Back, viewer). */
	private pendingId: number | null = null;

	constructor(filter: PhotoFilter) {
		this.filter = filter;
	}

	/** The whole library (the Photos screen): the one timeline sign-in prefetches for. */
	private get unfiltered(): boolean {
		return Object.values(this.filter).every((value) => value === undefined || value === null);
	}

	attach(scroller: Scroller): void {
		this.scroller = scroller;
	}

	dispose(): void {
		this.disposed = true;
		this.bucketsController?.abort();
		for (const { controller } of this.inflight.values()) controller.abort();
		this.inflight.clear();
	}

	async start(): Promise<void> {
		this.status = 'loading';
		this.bucketsController?.abort();
		const controller = new AbortController();
		this.bucketsController = controller;
		try {
			const buckets = await ((this.unfiltered && takePrefetched<MonthBucket[]>(monthsUrl())) ||
				timelineMonths(this.filter, controller.signal));
			if (this.disposed) return;
			this.setBuckets(buckets);
			this.status = 'ready';
		} catch (error) {
			if (isAbort(error)) return;
			this.status = 'error';
			this.error = errorText(error);
		}
	}

	private setBuckets(buckets: MonthBucket[]): void {
		this.slotIndex.clear();
		const slots = buckets.map((bucket, i) => {
			const key = monthKey(bucket.month);
			this.slotIndex.set(key, i);
			return { key, month: bucket.month, count: bucket.count, top: 0, height: 0, measured: false };
		});
		this.relayoutTops(slots);
	}

	/** Heights from layouts (or estimates), tops as running sums; keeps the view anchored. */
	private relayoutTops(slots: MonthSlot[] = this.months): void {
		const anchor = this.anchor();
		let top = 0;
		const next = slots.map((slot) => {
			const layout = this.layouts.get(slot.key);
			const measured = layout !== undefined && layout.width === this.geometry.width;
			const height = measured ? layout.height : estimateMonthHeight(slot.count, this.geometry);
			const placed = { ...slot, top, height, measured };
			top += height;
			return placed;
		});
		this.months = next;
		this.totalHeight = top;
		this.restoreAnchor(anchor);
	}

	/** The month under the top of the viewport and how far into it the view is. */
	private anchor(): { key: string; offset: number; height: number } | null {
		if (!this.scroller || this.months.length === 0) return null;
		const slot = this.slotAt(this.scroller.scrollTop());
		if (!slot) return null;
		return { key: slot.key, offset: this.scroller.scrollTop() - slot.top, height: slot.height };
	}

	private restoreAnchor(anchor: { key: string; offset: number; height: number } | null): void {
		if (!this.scroller) return;
		if (this.pendingId !== null && this.revealPending()) return;
		if (!anchor) return;
		const slot = this.months[this.slotIndex.get(anchor.key) ?? -1];
		if (!slot) return;
		// Inside a month whose height changed, keep the same fraction of it.
		const offset =
			slot.height === anchor.height || anchor.height === 0
				? anchor.offset
				: (anchor.offset * slot.height) / anchor.height;
		const top = Math.round(slot.top + offset);
		if (Math.abs(top - this.scroller.scrollTop()) >= 1) this.scroller.setScrollTop(top);
	}

	slotAt(y: number): MonthSlot | undefined {
		const months = this.months;
		let lo = 0;
		let hi = months.length - 1;
		if (hi < 0) return undefined;
		while (lo < hi) {
			const mid = (lo + hi + 1) >> 1;
			if (months[mid].top <= y) lo = mid;
			else hi = mid - 1;
		}
		return months[lo];
	}

	setWidth(width: number): void {
		const rounded = Math.floor(width);
		if (rounded <= 0 || rounded === this.geometry.width) return;
		this.geometry = gridGeometry(rounded);
		// Loaded months are laid out again for the new width; until then they are estimates.
		for (const key of this.rows.keys()) void this.layout(key);
		this.relayoutTops();
	}

	/** Fetches what is near the viewport and cancels fetches of months left far behind. */
	update(): void {
		if (!this.scroller || this.status !== 'ready') return;
		const top = this.scroller.scrollTop();
		const vh = this.scroller.viewportHeight();
		const near = this.slotsBetween(top - LOAD_VIEWPORTS * vh, top + (1 + LOAD_VIEWPORTS) * vh);
		const keep = new Set(
			this.slotsBetween(top - CANCEL_VIEWPORTS * vh, top + (1 + CANCEL_VIEWPORTS) * vh).map(
				(slot) => slot.key
			)
		);
		for (const [key, { controller, pinned }] of this.inflight) {
			if (!keep.has(key) && !pinned) {
				controller.abort();
				this.inflight.delete(key);
			}
		}
		// Nearest first: the visible months, then those below, then above.
		const centre = top + vh / 2;
		near.sort((a, b) => distance(a, centre) - distance(b, centre));
		for (const slot of near) {
			if (this.inflight.size >= MAX_INFLIGHT) break;
			if (!this.rows.has(slot.key) && !this.inflight.has(slot.key) && !this.failed.has(slot.key)) {
				void this.load(slot.key);
			}
		}
	}

	slotsBetween(from: number, to: number): MonthSlot[] {
		const result: MonthSlot[] = [];
		const first = this.slotAt(Math.max(0, from));
		if (!first) return result;
		for (let i = this.slotIndex.get(first.key) ?? 0; i < this.months.length; i++) {
			const slot = this.months[i];
			if (slot.top > to) break;
			if (slot.top + slot.height >= from) result.push(slot);
		}
		return result;
	}

	/**
	 * A month's rows, fetched once (a second caller waits for the same request). A `pinned`
	 * fetch (someone awaits its ids: a reveal, the viewer's next photo) is never cancelled for
	 * being far from the view.
	 */
	load(key: string, pinned = false): Promise<void> {
		if (this.rows.has(key)) return Promise.resolve();
		const running = this.inflight.get(key);
		if (running) {
			running.pinned ||= pinned;
			return running.promise;
		}
		const controller = new AbortController();
		const slot = this.months[this.slotIndex.get(key) ?? -1];
		const promise = (async () => {
			try {
				const month = slot ? slot.month : null;
				const rows = await ((this.unfiltered && takePrefetched<MonthRows>(monthUrl(month))) ||
					timelineMonth(month, this.filter, controller.signal));
				if (this.disposed || controller.signal.aborted) return;
				this.rows.set(key, rows);
				this.ratios.set(key, monthRatios(rows.widths, rows.heights));
				rows.ids.forEach((id, index) => this.where.set(id, { id, key, index }));
				if (this.failed.has(key)) this.failed = withoutKey(this.failed, key);
				await this.layout(key);
			} catch (error) {
				if (isAbort(error)) return;
				this.failed = new Map(this.failed).set(key, errorText(error));
			} finally {
				if (this.inflight.get(key)?.controller === controller) this.inflight.delete(key);
				// A free slot, and measured heights may bring more months near the view.
				if (!this.disposed) queueMicrotask(() => this.update());
			}
		})();
		this.inflight.set(key, { controller, promise, pinned });
		return promise;
	}

	/**
	 * The server's photos changed (an upload landed, a bulk action, the viewer): the buckets
	 * and every loaded month are fetched again, and the view stays where it is. Unchanged
	 * months answer 304 from the browser's cache.
	 */
	async refresh(): Promise<void> {
		if (this.status !== 'ready') return;
		let buckets: MonthBucket[];
		try {
			buckets = await timelineMonths(this.filter);
		} catch {
			return;
		}
		if (this.disposed) return;
		const present = new Set(buckets.map((bucket) => monthKey(bucket.month)));
		const loaded = [...this.rows.keys()];
		const fresh = new Map<string, MonthRows>();
		await Promise.all(
			loaded
				.filter((key) => present.has(key))
				.map(async (key) => {
					const bucket = buckets.find((candidate) => monthKey(candidate.month) === key)!;
					try {
						fresh.set(key, await timelineMonth(bucket.month, this.filter));
					} catch {
						// Left out: fetched again when it comes into view.
					}
				})
		);
		if (this.disposed) return;
		for (const key of loaded) {
			this.rows.delete(key);
			this.ratios.delete(key);
			if (!fresh.has(key)) this.layouts.delete(key);
		}
		this.where.clear();
		for (const [key, rows] of fresh) {
			this.rows.set(key, rows);
			this.ratios.set(key, monthRatios(rows.widths, rows.heights));
			rows.ids.forEach((id, index) => this.where.set(id, { id, key, index }));
		}
		this.setBuckets(buckets);
		await Promise.all([...fresh.keys()].map((key) => this.layout(key)));
		this.version++;
		this.update();
	}

	retry(key: string): void {
		this.failed = withoutKey(this.failed, key);
		void this.load(key);
	}

	private async layout(key: string): Promise<void> {
		const rows = this.rows.get(key);
		const ratios = this.ratios.get(key);
		if (!rows || !ratios) return;
		const geometry = this.geometry;
		const layout = await layoutMonth(ratios, rows.dates, geometry);
		// A resize during the layout started another one for the new width.
		if (this.disposed || geometry.width !== this.geometry.width) return;
		this.layouts.set(key, layout);
		this.version++;
		this.relayoutTops();
	}

	monthRows(key: string): MonthRows | undefined {
		return this.rows.get(key);
	}

	monthLayout(key: string): MonthLayout | undefined {
		const layout = this.layouts.get(key);
		return layout && layout.width === this.geometry.width ? layout : undefined;
	}

	/** The ordered ids of every loaded month (months not loaded yet are skipped). */
	loadedIds(): number[] {
		const ids: number[] = [];
		for (const slot of this.months) ids.push(...(this.rows.get(slot.key)?.ids ?? []));
		return ids;
	}

	/** The month buckets in display order, for the viewer's steps across months. */
	monthList(): readonly { key: string; count: number }[] {
		return this.months;
	}

	idsOf(key: string): readonly number[] | undefined {
		return this.rows.get(key)?.ids;
	}

	async loadIds(key: string): Promise<readonly number[]> {
		await this.load(key, true);
		return this.rows.get(key)?.ids ?? [];
	}

	/** The months as `$lib/viewer/steps` reads them (`months`, `ids`, `load`). */
	monthIds(): {
		months(): readonly { key: string; count: number }[];
		ids(key: string): readonly number[] | undefined;
		load(key: string): Promise<readonly number[]>;
	} {
		return {
			months: () => this.monthList(),
			ids: (key) => this.idsOf(key),
			load: (key) => this.loadIds(key)
		};
	}

	/** The id `dir` steps from `id` in timeline order, loading the next month when needed. */
	async neighbour(id: number, dir: 1 | -1): Promise<number | null> {
		const at = this.where.get(id);
		if (!at) return null;
		const ids = this.rows.get(at.key)?.ids ?? [];
		const next = at.index + dir;
		if (next >= 0 && next < ids.length) return ids[next];
		for (
			let i = (this.slotIndex.get(at.key) ?? 0) + dir;
			i >= 0 && i < this.months.length;
			i += dir
		) {
			const other = await this.loadIds(this.months[i].key);
			if (other.length > 0) return dir === 1 ? other[0] : other[other.length - 1];
		}
		return null;
	}

	/** Where a loaded tile is: its month and absolute box, or null. */
	tileBox(id: number): { top: number; height: number; left: number; width: number } | null {
		const at = this.where.get(id);
		if (!at) return null;
		const layout = this.monthLayout(at.key);
		const slot = this.months[this.slotIndex.get(at.key) ?? -1];
		if (!layout || !slot) return null;
		const b = layout.boxes;
		const i = 4 * at.index;
		return { left: b[i], top: slot.top + b[i + 1], width: b[i + 2], height: b[i + 3] };
	}

	/**
	 * Scrolls so that photo `id` is at the top of the view (below its day heading), fetching its
	 * month first. A month not loaded yet is found from the photo's date, then its neighbours.
	 */
	async reveal(id: number): Promise<boolean> {
		this.pendingId = id;
		if (!this.where.has(id)) {
			const key = await this.findMonth(id);
			if (key === null || this.pendingId !== id) {
				if (this.pendingId === id) this.pendingId = null;
				return false;
			}
		}
		const at = this.where.get(id);
		if (at) await this.load(at.key, true);
		return this.revealPending() || this.pendingId !== id;
	}

	/** Scroll to the pending id if its month is laid out; true once done. */
	private revealPending(): boolean {
		const id = this.pendingId;
		if (id === null || !this.scroller) return false;
		const box = this.tileBox(id);
		if (!box) return false;
		this.pendingId = null;
		const top = Math.max(0, Math.round(box.top - this.geometry.headingHeight));
		this.scroller.setScrollTop(top);
		return true;
	}

	/** Whether a reveal is waiting for its month (the view should not record a position yet). */
	get revealing(): boolean {
		return this.pendingId !== null;
	}

	private async findMonth(id: number): Promise<string | null> {
		let guess: string;
		try {
			const photo = await getJson<{ taken_at: string | null }>(`/api/photos/${id}/`);
			guess = photo.taken_at ? photo.taken_at.slice(0, 7) : 'undated';
		} catch {
			return null;
		}
		const index = this.slotIndex.get(guess);
		const candidates =
			index === undefined
				? []
				: [index, index - 1, index + 1].filter((i) => i >= 0 && i < this.months.length);
		for (const i of candidates) {
			const ids = await this.loadIds(this.months[i].key);
			if (ids.includes(id)) return this.months[i].key;
		}
		return null;
	}

	/** The first photo at or below `y` (the view's top edge), for the URL's `?at=`. */
	idAt(y: number): number | null {
		const slot = this.slotAt(y);
		if (!slot) return null;
		const layout = this.monthLayout(slot.key);
		const rows = this.rows.get(slot.key);
		if (!layout || !rows) return null;
		const index = firstBoxBelow(layout.boxes, rows.ids.length, y - slot.top);
		return index < rows.ids.length ? rows.ids[index] : null;
	}
}

function distance(slot: MonthSlot, y: number): number {
	if (y < slot.top) return slot.top - y;
	if (y > slot.top + slot.height) return y - slot.top - slot.height;
	return 0;
}

function withoutKey(map: ReadonlyMap<string, string>, key: string): Map<string, string> {
	const next = new Map(map);
	next.delete(key);
	return next;
}

function isAbort(error: unknown): boolean {
	return error instanceof DOMException && error.name === 'AbortError';
}

function errorText(error: unknown): string {
	if (error instanceof ApiError) {
		return error.status >= 500
			? `The server failed (HTTP ${error.status}). Try again in a moment.`
			: error.message;
	}
	return error instanceof Error ? error.message : String(error);
}
