/** The grid on screen, for the viewer opened over it (its ids, its steps, scrolling back). */
import type { Timeline } from './timeline.svelte';

let current = $state<Timeline | null>(null);

export function activeTimeline(): Timeline | null {
	return current;
}

export function setActiveTimeline(timeline: Timeline | null): void {
	current = timeline;
}
