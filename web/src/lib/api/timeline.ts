/** The month endpoints of the timeline (issue 12); shapes as in the web contract. */
import { getJson, type Query } from './client';

/** Filters of /api/photos/ plus `album`; any of them narrows the timeline. */
export interface PhotoFilter {
	favorite?: boolean;
	video?: boolean;
	person?: number;
	place?: string;
	place_id?: number;
	/** `W,S,E,N`: a map area. */
	bbox?: string;
	tag?: string;
	taken_after?: string;
	taken_before?: string;
	hidden?: boolean;
	in_trash?: boolean;
	album?: number;
	/** With `album`: the album's own order (manual or oldest first), as one bucket. */
	ordered?: boolean;
}

export interface MonthBucket {
	/** `YYYY-MM`, or null for photos without a date. */
	month: string | null;
	count: number;
}

export interface MonthRows {
	month: string | null;
	count: number;
	ids: number[];
	widths: number[];
	heights: number[];
	taken_at: (string | null)[];
	dates: (string | null)[];
	durations: (number | null)[];
	favorites: boolean[];
	places: Record<string, string>;
}

export function timelineMonths(filter: PhotoFilter, signal?: AbortSignal): Promise<MonthBucket[]> {
	return getJson<MonthBucket[]>('/api/timeline/months/', { query: filter as Query, signal });
}

export function timelineMonth(
	month: string | null,
	filter: PhotoFilter,
	signal?: AbortSignal
): Promise<MonthRows> {
	return getJson<MonthRows>(`/api/timeline/months/${month ?? 'undated'}/`, {
		query: filter as Query,
		signal
	});
}

export async function timelineRange(
	filter: PhotoFilter,
	start?: number,
	end?: number
): Promise<number[]> {
	const answer = await getJson<{ ids: number[] }>('/api/timeline/range/', {
		query: { ...(filter as Query), start, end }
	});
	return answer.ids;
}
