/**
 * Opening the viewer over the grid without leaving it: shallow routing puts `/photos/<id>` in
 * the address bar and the id in `page.state.photo`, so the grid stays mounted and Back (or
 * Close) returns to it at the same scroll position.
 */
import { pushState, replaceState } from '$app/navigation';

export function viewerOpen(id: number): void {
	pushState(`/photos/${id}`, { photo: id });
}

export function viewerStep(id: number): void {
	replaceState(`/photos/${id}`, { photo: id });
}

/** Whether a click on a tile should open the viewer (not a new tab, not a selection gesture). */
export function plainClick(event: MouseEvent): boolean {
	return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}
