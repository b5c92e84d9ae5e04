/** Words of the grid: day headings, tile alt texts, durations, scrubber labels. */

const WEEKDAY = new Intl.DateTimeFormat('en-GB', { weekday: 'long', timeZone: 'UTC' });
const MONTH = new Intl.DateTimeFormat('en-GB', { month: 'long', timeZone: 'UTC' });
const MONTH_SHORT = new Intl.DateTimeFormat('en-GB', { month: 'short', timeZone: 'UTC' });

function utc(date: string): Date {
	const [y, m, d] = date.split('-').map(Number);
	return new Date(Date.UTC(y, m - 1, d ?? 1));
}

// Every tile asks for its day's words twice (alt and check label) each time it is drawn, and
// Intl formatting was a tenth of the grid's script time while scrolling: once per day instead.
const dayLabels = new Map<string, string>();

/** `Saturday, 4 July 2019`; `No date` for undated photos. */
export function dayLabel(date: string | null): string {
	if (!date) return 'No date';
	let label = dayLabels.get(date);
	if (label === undefined) {
		const day = utc(date);
		label = `${WEEKDAY.format(day)}, ${day.getUTCDate()} ${MONTH.format(day)} ${day.getUTCFullYear()}`;
		dayLabels.set(date, label);
	}
	return label;
}

/** `July 2019` for `2019-07`; `No date` for the undated bucket. */
export function monthLabel(month: string | null): string {
	if (!month) return 'No date';
	const day = utc(`${month}-01`);
	return `${MONTH.format(day)} ${day.getUTCFullYear()}`;
}

export function monthShortLabel(month: string | null): string {
	if (!month) return 'No date';
	return MONTH_SHORT.format(utc(`${month}-01`));
}

/** A tile's alt text: its date, and its place when known (never empty). */
export function tileAlt(date: string | null, place: string | undefined, isVideo: boolean): string {
	const when = date ? dayLabel(date) : 'Without a date';
	const text = place ? `${when}, ${place}` : when;
	return isVideo ? `${text} (video)` : text;
}

/** `0:07`, `3:25`, `1:02:03`. */
export function durationLabel(seconds: number): string {
	const total = Math.max(0, Math.round(seconds));
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = String(total % 60).padStart(2, '0');
	return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
