import { describe, expect, it } from 'vitest';
import { safeNext } from '$lib/api/auth';
import { NAV_LINKS, navIsCurrent } from './nav';

describe('navigation', () => {
	it('has every link of the UI contract', () => {
		const labels = NAV_LINKS.map((link) => link.label);
		for (const name of ['Photos', 'Search', 'People', 'Places', 'Albums', 'Favorites', 'Trash']) {
			expect(labels).toContain(name);
		}
	});

	it('marks a section current on its sub-pages, and Photos on the viewer', () => {
		expect(navIsCurrent('/people', '/people/3')).toBe(true);
		expect(navIsCurrent('/people', '/peoplex')).toBe(false);
		expect(navIsCurrent('/', '/photos/12')).toBe(true);
		expect(navIsCurrent('/', '/albums')).toBe(false);
	});
});

describe('sign-in redirect', () => {
	it('goes back only to paths of this app', () => {
		expect(safeNext('/photos/3?x=1')).toBe('/photos/3?x=1');
		expect(safeNext('//evil.example/')).toBe('/');
		expect(safeNext('https://evil.example/')).toBe('/');
		expect(safeNext(null)).toBe('/');
	});
});
