/**
 * What other parts of the app (the viewer, selection) use of the timeline:
 * - `activeTimeline()`: the grid on screen, or null;
 * - `timeline.loadedIds()`: the ordered ids of every loaded month;
 * - `timeline.neighbour(id, 1 | -1)`: the next/previous id across months (loads a month if needed);
 * - `timeline.reveal(id)`: scrolls the grid so that photo is in view (fetching its month);
 * - `timeline.monthIds()`: the same months as `MonthIds` for `$lib/viewer/steps`.
 */
export { activeTimeline } from './active.svelte';
export { Timeline, monthKey, type MonthSlot } from './timeline.svelte';
export type { PhotoFilter } from '$lib/api/timeline';
