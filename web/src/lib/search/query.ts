/**
 * A search as the URL holds it: `/search?q=…&person=3&place=Arezzo&taken_after=…`, so a search
 * is a link that can be shared. Filters use the API's own parameter names, so the same object
 * goes to `/api/search/` as it is.
 */

export const FILTER_KEYS = [
	'person',
	'place',
	'place_id',
	'tag',
	'taken_after',
	'taken_before',
	'favorite',
	'video'
] as const;

export type FilterKey = (typeof FILTER_KEYS)[number];
export type SearchFilters = Partial<Record<FilterKey, string>>;

export interface SearchState {
	q: string;
	filters: SearchFilters;
}

export function searchFromParams(params: URLSearchParams): SearchState {
	const filters: SearchFilters = {};
	for (const key of FILTER_KEYS) {
		const value = params.get(key);
		if (value !== null && value !== '') filters[key] = value;
	}
	return { q: params.get('q') ?? '', filters };
}

export function searchToParams(state: SearchState): URLSearchParams {
	const params = new URLSearchParams();
	if (state.q.trim() !== '') params.set('q', state.q.trim());
	for (const key of FILTER_KEYS) {
		const value = state.filters[key];
		if (value !== undefined && value !== '') params.set(key, value);
	}
	return params;
}

export function searchHref(state: SearchState): string {
	const query = searchToParams(state).toString();
	return query === '' ? '/search' : `/search?${query}`;
}

/** A suggestion's filter (`{"person": 3}`) as URL values. */
export function filterOfSuggestion(filter: Record<string, unknown>): SearchFilters {
	const out: SearchFilters = {};
	for (const [key, value] of Object.entries(filter)) {
		if ((FILTER_KEYS as readonly string[]).includes(key) && value !== null && value !== undefined) {
			out[key as FilterKey] = String(value);
		}
	}
	return out;
}

const CHIP_NAMES: Record<FilterKey, string> = {
	person: 'Person',
	place: 'Place',
	place_id: 'Place',
	tag: 'Tag',
	taken_after: 'From',
	taken_before: 'Until',
	favorite: 'Favorites',
	video: 'Videos'
};

/** What a chip says; `labels` has names the page knows (a person's name for an id). */
export function chipText(
	key: FilterKey,
	value: string,
	labels: Record<string, string> = {}
): string {
	if (key === 'favorite') return value === 'true' ? 'Favorites' : 'Not favorites';
	if (key === 'video') return value === 'true' ? 'Videos' : 'Photos only';
	return `${CHIP_NAMES[key]}: ${labels[`${key}:${value}`] ?? value}`;
}

const LABELS_KEY = 'ownphotos.search.labels';

/** Names of chosen suggestions (`person:3` → `Anna`), so a chip says who, not an id. */
export function rememberLabels(filter: SearchFilters, label: string): void {
	try {
		const labels = JSON.parse(sessionStorage.getItem(LABELS_KEY) ?? '{}') as Record<string, string>;
		for (const [key, value] of Object.entries(filter)) labels[`${key}:${value}`] = label;
		sessionStorage.setItem(LABELS_KEY, JSON.stringify(labels));
	} catch {
		// Storage refused (private mode): chips fall back to the raw value.
	}
}

export function rememberedLabels(): Record<string, string> {
	try {
		return JSON.parse(sessionStorage.getItem(LABELS_KEY) ?? '{}') as Record<string, string>;
	} catch {
		return {};
	}
}
