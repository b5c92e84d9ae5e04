/**
 * The timeline's first requests, started by sign-in while the Photos screen's code is still
 * loading: the month buckets, then the newest month's rows. The grid takes each answer once
 * (an unfiltered timeline only), so the first thumbnails wait for one round trip less.
 */
import { getJson } from '$lib/api/client';
import type { MonthBucket, MonthRows } from '$lib/api/timeline';

/** A prefetched answer older than this is fetched again instead (the library may have changed). */
const FRESH_MS = 10_000;

const answers = new Map<string, { at: number; promise: Promise<unknown> }>();

export function monthsUrl(): string {
	return '/api/timeline/months/';
}

export function monthUrl(month: string | null): string {
	return `/api/timeline/months/${month ?? 'undated'}/`;
}

function start<T>(url: string): Promise<T> {
	const promise = getJson<T>(url);
	// Nobody may take it: a failure here is the grid's to report when it asks itself.
	promise.catch(() => undefined);
	answers.set(url, { at: Date.now(), promise });
	return promise;
}

/** Drops what an earlier sign-in prefetched: it may be another user's. */
export function forgetPrefetched(): void {
	answers.clear();
}

/** Starts the buckets request and, when they arrive, the newest month's rows. */
export function prefetchTimeline(): void {
	forgetPrefetched();
	void start<MonthBucket[]>(monthsUrl()).then(
		(buckets) => {
			if (buckets.length > 0) void start<MonthRows>(monthUrl(buckets[0].month));
		},
		() => undefined
	);
}

/** The prefetched answer for `url` (once), or null when there is none or it is stale. */
export function takePrefetched<T>(url: string): Promise<T> | null {
	const answer = answers.get(url);
	answers.delete(url);
	if (!answer || Date.now() - answer.at > FRESH_MS) return null;
	return answer.promise as Promise<T>;
}
