/**
 * How the grid's months reach the selection without threading it through every component:
 * `GridActions` puts it in the Svelte context, `Month` draws a check on each tile and day
 * heading when it finds one.
 */
import { getContext, setContext } from 'svelte';
import type { Selection } from './selection.svelte';

const KEY = Symbol('photo-selection');

export interface SelectionContext {
	selection: Selection;
	/** A check (or its day heading's) was clicked; `shift` extends from the anchor. */
	check(id: number, shift: boolean): void;
}

export function provideSelection(context: SelectionContext): void {
	setContext(KEY, context);
}

export function selectionContext(): SelectionContext | undefined {
	return getContext<SelectionContext | undefined>(KEY);
}
