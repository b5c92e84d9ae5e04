/** Where the user is in a grid, kept in the URL as `?at=<photo id>` (shareable, and Back restores it). */

export function atFromUrl(url: URL): number | null {
	const value = url.searchParams.get('at');
	if (value === null || !/^\d+$/.test(value)) return null;
	const id = Number(value);
	return id > 0 ? id : null;
}

/** The same URL with `at` set (or removed for null), other parameters kept. */
export function urlWithAt(url: URL, id: number | null): URL {
	const next = new URL(url);
	if (id === null) next.searchParams.delete('at');
	else next.searchParams.set('at', String(id));
	return next;
}

/**
 * Calls `fn` at most once every `ms`, always with the latest arguments, and once more at the
 * end of a burst (so the last scroll position is the one recorded).
 */
export function throttle<A extends unknown[]>(
	fn: (...args: A) => void,
	ms: number,
	now: () => number = () => Date.now()
): ((...args: A) => void) & { cancel(): void } {
	let last = -Infinity;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let pending: A | null = null;
	const run = () => {
		timer = undefined;
		last = now();
		const args = pending as A;
		pending = null;
		fn(...args);
	};
	const throttled = (...args: A) => {
		pending = args;
		if (timer !== undefined) return;
		const wait = Math.max(0, last + ms - now());
		if (wait === 0) run();
		else timer = setTimeout(run, wait);
	};
	throttled.cancel = () => {
		clearTimeout(timer);
		timer = undefined;
		pending = null;
	};
	return throttled;
}
