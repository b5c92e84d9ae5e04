import { describe, expect, it } from 'vitest';
import {
	cellBox,
	cellSide,
	clusterLevel,
	covers,
	mergeNearby,
	requestBox,
	type Box
} from './clusters';

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

describe('mergeNearby', () => {
	// Paris, Brussels and Amsterdam: a few pixels apart at world zoom, far apart at a city's.
	const west = [
		{ lat: 48.86, lon: 2.35, count: 5, photo: 1 },
		{ lat: 50.85, lon: 4.35, count: 9, photo: 2 },
		{ lat: 52.37, lon: 4.9, count: 2, photo: 3 }
	];
	const tokyo = { lat: 35.68, lon: 139.69, count: 4, photo: 4 };

	it('merges close clusters into the biggest, keeping every photo counted', () => {
		const drawn = mergeNearby([...west, tokyo], 2, 1.5);
		expect(drawn).toHaveLength(2);
		const europe = drawn.find((c) => c.photo === 2)!;
		expect(europe.count).toBe(16);
		expect([europe.lat, europe.lon]).toEqual([50.85, 4.35]);
		const [w, s, e, n] = europe.bbox.split(',').map(Number);
		for (const c of west) {
			expect(c.lon >= w && c.lon <= e && c.lat >= s && c.lat <= n).toBe(true);
		}
		expect(drawn.find((c) => c.photo === 4)!.count).toBe(4);
	});

	it('leaves clusters apart once zoomed in, each opening its own cell', () => {
		const drawn = mergeNearby(west, 8, 7.5);
		expect(drawn.map((c) => c.count).sort()).toEqual([2, 5, 9]);
		expect(drawn.find((c) => c.photo === 1)!.bbox).toBe(cellBox(48.86, 2.35, 8));
	});
});
