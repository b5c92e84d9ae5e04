import { describe, expect, it } from 'vitest';
import { cellSide, clusterLevel, covers, requestBox, type Box } from './clusters';

describe('cluster requests', () => {
	it('asks for the view and a quarter of it on each side, out to whole cells', () => {
		// Level 4: cells of 5.625 degrees.
		const box = requestBox([0, 0, 40, 20], 4);
		expect(cellSide(4)).toBe(5.625);
		expect(box).toEqual([-11.25, -5.625, 50.625, 28.125]);
		for (const [edge, origin] of [
			[box[0], 180],
			[box[1], 90],
			[box[2], 180],
			[box[3], 90]
		])
			expect(Number.isInteger((edge + origin) / cellSide(4))).toBe(true);
	});

	it('keeps the box inside the world', () => {
		expect(requestBox([-200, -100, 200, 100], 1)).toEqual([-180, -90, 180, 90]);
	});

	it('needs no request for a small pan or a little zoom out at the same level', () => {
		const view: Box = [0, 0, 40, 20];
		const asked = requestBox(view, 4);
		expect(covers(asked, [8, 4, 48, 24])).toBe(true);
		expect(covers(asked, [-2, -1, 42, 21])).toBe(true);
		expect(covers(asked, [30, 0, 70, 20])).toBe(false);
	});

	it('clusters by the rounded zoom, within the server levels', () => {
		expect(clusterLevel(1.49)).toBe(1);
		expect(clusterLevel(1.5)).toBe(2);
		expect(clusterLevel(-1)).toBe(0);
		expect(clusterLevel(30)).toBe(22);
	});
});
