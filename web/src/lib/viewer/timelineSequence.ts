/**
 * The viewer's steps over a grid: the timeline's own next/previous across months. A
 * deep-linked photo's month may not be loaded yet, so the photo is first revealed (its month
 * fetched, the grid scrolled under it), once the month buckets are there.
 */
import type { Timeline } from '$lib/timeline/timeline.svelte';
import type { PhotoSequence } from './steps';

const READY_WAIT_MS = 10_000;

async function ready(timeline: Timeline): Promise<boolean> {
	const deadline = Date.now() + READY_WAIT_MS;
	while (timeline.status === 'loading' && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	return timeline.status === 'ready';
}

export function timelineSequence(timeline: Timeline): PhotoSequence {
	return {
		async neighbour(id, dir) {
			if (!(await ready(timeline))) return null;
			if (!timeline.loadedIds().includes(id)) await timeline.reveal(id);
			return timeline.neighbour(id, dir);
		}
	};
}
