/** The Places map's cluster requests: which box to ask for, and whether what is drawn
 * already covers the view. The server groups photos on a grid of CELLS_PER_TILE cells a tile
 * side at the zoom level asked (api/selectors/places.py). */

export const CELLS_PER_TILE = 4;
export const MAX_LEVEL = 22;
/** The view is widened by this share of its size on each side before asking, so a pan of up
 * to a quarter view, or zooming out a little, needs no request. */
export const MARGIN = 0.25;

/** west, south, east, north in degrees. */
export type Box = [number, number, number, number];

/** The server's cluster level for a map zoom. */
export function clusterLevel(zoom: number): number {
	return Math.min(MAX_LEVEL, Math.max(0, Math.round(zoom)));
}

/** A cell's side in degrees at a level (a tile spans 360 / 2**level). */
export function cellSide(level: number): number {
	return 360 / 2 ** level / CELLS_PER_TILE;
}

/** The view clamped to the world (no world copies are drawn). */
export function clampBox([west, south, east, north]: Box): Box {
	return [Math.max(-180, west), Math.max(-90, south), Math.min(180, east), Math.min(90, north)];
}

/** The box to ask for: the view and its margin, out to whole cells, so every cluster in it
 * is a whole cell whose count and position do not depend on where the view was. */
export function requestBox(view: Box, level: number): Box {
	const [west, south, east, north] = clampBox(view);
	const padX = (east - west) * MARGIN;
	const padY = (north - south) * MARGIN;
	const cell = cellSide(level);
	const down = (value: number, origin: number) =>
		Math.floor((value + origin) / cell) * cell - origin;
	const up = (value: number, origin: number) => Math.ceil((value + origin) / cell) * cell - origin;
	return clampBox([
		down(west - padX, 180),
		down(south - padY, 90),
		up(east + padX, 180),
		up(north + padY, 90)
	]);
}

/** Whether `outer` holds all of `inner`. */
export function covers(outer: Box, inner: Box): boolean {
	const [west, south, east, north] = clampBox(inner);
	return outer[0] <= west && outer[1] <= south && outer[2] >= east && outer[3] >= north;
}

/** The server's cell holding a point, as a `bbox` filter (a cluster's click opens it). */
export function cellBox(lat: number, lon: number, level: number): string {
	const cell = cellSide(level);
	const south = Math.floor((lat + 90) / cell) * cell - 90;
	const west = Math.floor((lon + 180) / cell) * cell - 180;
	return [west, south, west + cell, south + cell].map((v) => v.toFixed(6)).join(',');
}

/** A box and level as the map's data attributes carry them (for tests and the benchmark). */
export function boxAttribute(box: Box, level: number): string {
	return [...box.map((v) => v.toFixed(6)), level].join(',');
}
