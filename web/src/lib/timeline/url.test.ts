import { describe, expect, it, vi } from 'vitest';
import { atFromUrl, throttle, urlWithAt } from './url';
import { dayLabel, durationLabel, monthLabel, tileAlt } from './labels';

describe('the position in the URL', () => {
	it('reads ?at= only as a positive photo id', () => {
		expect(atFromUrl(new URL('http://x/?at=42'))).toBe(42);
		expect(atFromUrl(new URL('http://x/favorites?at=7&q=a'))).toBe(7);
		for (const bad of ['', '?at=', '?at=abc', '?at=-3', '?at=0', '?at=1.5']) {
			expect(atFromUrl(new URL(`http://x/${bad}`))).toBeNull();
		}
	});

	it('sets and clears ?at= keeping the other parameters', () => {
		const url = new URL('http://x/search?q=paris&at=3');
		expect(urlWithAt(url, 9).search).toBe('?q=paris&at=9');
		expect(urlWithAt(url, null).search).toBe('?q=paris');
		expect(url.search).toBe('?q=paris&at=3');
	});

	it('records at most one position per interval, and the last one of a burst', () => {
		vi.useFakeTimers();
		const seen: number[] = [];
		const write = throttle(
			(id: number) => seen.push(id),
			300,
			() => Date.now()
		);
		write(1);
		write(2);
		write(3);
		expect(seen).toEqual([1]);
		vi.advanceTimersByTime(300);
		expect(seen).toEqual([1, 3]);
		write(4);
		write.cancel();
		vi.advanceTimersByTime(1000);
		expect(seen).toEqual([1, 3]);
		vi.useRealTimers();
	});
});

describe('labels', () => {
	it('names days and months as the headings show them', () => {
		expect(dayLabel('2019-07-04')).toBe('Thursday, 4 July 2019');
		expect(dayLabel('2019-07-06')).toBe('Saturday, 6 July 2019');
		expect(dayLabel(null)).toBe('No date');
		expect(monthLabel('2019-07')).toBe('July 2019');
	});

	it('gives every tile a non-empty alt with its date and place', () => {
		expect(tileAlt('2019-07-04', 'Paris, France', false)).toBe(
			'Thursday, 4 July 2019, Paris, France'
		);
		expect(tileAlt(null, undefined, true)).toBe('Without a date (video)');
	});

	it('formats video durations', () => {
		expect(durationLabel(7.4)).toBe('0:07');
		expect(durationLabel(205)).toBe('3:25');
		expect(durationLabel(3723)).toBe('1:02:03');
	});
});
