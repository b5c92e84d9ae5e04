/** How the info panel writes a photo's facts. */

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
	'January',
	'February',
	'March',
	'April',
	'May',
	'June',
	'July',
	'August',
	'September',
	'October',
	'November',
	'December'
];

/**
 * The date and time as the photo's own clock showed them. The API gives ISO 8601 in the
 * photo's offset (or a local time without one); converting through `Date` would move it to the
 * viewer's zone, so the fields are read from the text.
 */
export function takenAtText(iso: string | null | undefined): string | null {
	if (!iso) return null;
	const m =
		/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(
			iso
		);
	if (m === null) return iso;
	const [, y, mo, d, h, mi, , zone] = m;
	const weekday = WEEKDAYS[new Date(Date.UTC(+y, +mo - 1, +d)).getUTCDay()];
	const day = `${weekday}, ${+d} ${MONTHS[+mo - 1]} ${y}, ${h}:${mi}`;
	if (zone === undefined) return day;
	return `${day} (UTC${zone === 'Z' ? '' : zone.replace('-', '−')})`;
}

export function exposureText(seconds: number | null | undefined): string | null {
	if (!seconds) return null;
	if (seconds >= 1) return `${+seconds.toFixed(1)} s`;
	return `1/${Math.round(1 / seconds)} s`;
}

export function bytesText(bytes: number | null | undefined): string | null {
	if (bytes === null || bytes === undefined) return null;
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
	return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function placeText(
	place: { city?: string | null; state?: string | null; country?: string | null } | null | undefined
): string | null {
	if (!place) return null;
	const parts = [place.city, place.state, place.country].filter((part): part is string => !!part);
	return parts.length > 0 ? [...new Set(parts)].join(', ') : null;
}

export function durationText(seconds: number | null | undefined): string | null {
	if (seconds === null || seconds === undefined) return null;
	const s = Math.round(seconds);
	const h = Math.floor(s / 3600);
	const mm = Math.floor((s % 3600) / 60);
	const ss = String(s % 60).padStart(2, '0');
	return h > 0 ? `${h}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}
