/**
 * The set of selected photos of one grid, and the anchor a shift-click extends from.
 * A plain class with runes: the grid, the day headings and the selection bar share one.
 */
import { SvelteSet } from 'svelte/reactivity';

export class Selection {
	readonly ids = new SvelteSet<number>();
	anchor = $state<number | null>(null);

	get size(): number {
		return this.ids.size;
	}

	get active(): boolean {
		return this.ids.size > 0;
	}

	has(id: number): boolean {
		return this.ids.has(id);
	}

	toggle(id: number): void {
		if (this.ids.has(id)) this.ids.delete(id);
		else this.ids.add(id);
		this.anchor = id;
	}

	/** Select (or, when all are selected already, deselect) a group such as a day. */
	toggleGroup(ids: readonly number[]): void {
		const all = ids.length > 0 && ids.every((id) => this.ids.has(id));
		for (const id of ids) {
			if (all) this.ids.delete(id);
			else this.ids.add(id);
		}
	}

	add(ids: Iterable<number>): void {
		for (const id of ids) this.ids.add(id);
	}

	replace(ids: Iterable<number>): void {
		this.ids.clear();
		this.add(ids);
	}

	clear(): void {
		this.ids.clear();
		this.anchor = null;
	}

	list(): number[] {
		return [...this.ids];
	}
}
