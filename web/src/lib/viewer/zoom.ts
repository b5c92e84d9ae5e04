/**
 * Zoom and pan of the photo in the viewer: a scale around a point, clamped so the photo never
 * shrinks below its fitted size nor slides out of its frame.
 */

export interface View {
	scale: number;
	x: number;
	y: number;
}

export const MIN_SCALE = 1;
export const MAX_SCALE = 8;
/** The scale a double-click or `+` zooms to from the fitted view. */
export const STEP_SCALE = 2.5;

export const FITTED: View = { scale: 1, x: 0, y: 0 };

/** Keep the scaled frame (w×h at scale 1) covering the centre: no empty band beyond its edge. */
export function clampView(view: View, w: number, h: number): View {
	const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale));
	const maxX = ((scale - 1) * w) / 2;
	const maxY = ((scale - 1) * h) / 2;
	return {
		scale,
		x: Math.min(maxX, Math.max(-maxX, view.x)),
		y: Math.min(maxY, Math.max(-maxY, view.y))
	};
}

/**
 * Scale by `factor` keeping the point (px, py) under the pointer where it is; (px, py) is
 * relative to the frame's centre at scale 1.
 */
export function zoomAt(
	view: View,
	factor: number,
	px: number,
	py: number,
	w: number,
	h: number
): View {
	const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
	const k = scale / view.scale;
	return clampView({ scale, x: px - (px - view.x) * k, y: py - (py - view.y) * k }, w, h);
}

/** Displayed size of a w×h photo fitted into a box (small photos are enlarged to fit). */
export function fitSize(
	w: number,
	h: number,
	boxW: number,
	boxH: number
): { width: number; height: number } {
	if (w <= 0 || h <= 0 || boxW <= 0 || boxH <= 0) return { width: boxW, height: boxH };
	const k = Math.min(boxW / w, boxH / h);
	return { width: Math.round(w * k), height: Math.round(h * k) };
}
