/**
 * Photo calls of the viewer, selection, upload and search (issue 12). Shapes follow the web
 * contract; fields the generated schema does not have yet are typed here, optional.
 */
import { accessToken, csrfToken, refresh } from './auth';
import { ApiError, getJson, request, sendJson, type Query, type Schemas } from './client';
import type { PhotoFilter } from './timeline';

export interface FaceInfo {
	id: number;
	box: number[];
	person: number | null;
	person_name?: string | null;
}

export type PhotoDetail = Omit<Schemas['PhotoDetail'], 'faces'> & {
	faces: FaceInfo[];
	size?: number | null;
	timezone_offset?: number | null;
};

export type PhotoChanges = Partial<{
	favorite: boolean;
	hidden: boolean;
	rating: number;
	caption: string;
	in_trash: boolean;
}>;

export function photoDetail(id: number, signal?: AbortSignal): Promise<PhotoDetail> {
	return getJson<PhotoDetail>(`/api/photos/${id}/`, { signal });
}

export async function photoUpdate(id: number, changes: PhotoChanges): Promise<PhotoDetail> {
	return (await sendJson<PhotoDetail>('PATCH', `/api/photos/${id}/`, changes))!;
}

export function originalUrl(id: number): string {
	return `/api/photos/${id}/original/`;
}

export function fullUrl(id: number): string {
	return `/api/photos/${id}/full/`;
}

export function videoUrl(id: number): string {
	return `/api/photos/${id}/video/`;
}

export type VideoState =
	{ state: 'ready' } | { state: 'pending' } | { state: 'failed'; reason: string };

/** Whether the playable stream is there: 202 while a worker transcodes, 422 when it failed. */
export async function videoState(id: number, signal?: AbortSignal): Promise<VideoState> {
	try {
		const response = await request(videoUrl(id), { headers: { Range: 'bytes=0-0' }, signal });
		if (response.status === 202) return { state: 'pending' };
		await response.body?.cancel();
		return { state: 'ready' };
	} catch (error) {
		if (error instanceof ApiError && error.status === 422) {
			return { state: 'failed', reason: error.detail || 'This video cannot be played.' };
		}
		throw error;
	}
}

export type BulkAction = 'favorite' | 'unfavorite' | 'hide' | 'unhide' | 'trash' | 'restore';

/** One request for the whole selection, one transaction on the server. */
export async function photosBulk(ids: number[], action: BulkAction): Promise<number> {
	const answer = await sendJson<{ updated: number }>('POST', '/api/photos/bulk/', { ids, action });
	return answer?.updated ?? 0;
}

export interface AlbumSummary {
	id: number;
	title: string;
}

export async function albumsOwn(): Promise<AlbumSummary[]> {
	const answer = await getJson<AlbumSummary[] | { results: AlbumSummary[] }>('/api/albums/', {
		query: { kind: 'user', page_size: 1000 }
	});
	return Array.isArray(answer) ? answer : answer.results;
}

export async function albumCreate(title: string, photos: number[]): Promise<AlbumSummary> {
	return (await sendJson<AlbumSummary>('POST', '/api/albums/', { title, photos }))!;
}

export async function albumAddPhotos(album: number, ids: number[]): Promise<void> {
	await sendJson('POST', `/api/albums/${album}/photos/`, { ids });
}

export interface PersonSummary {
	id: number;
	name: string | null;
	face_count: number;
}

export async function peopleList(): Promise<PersonSummary[]> {
	const answer = await getJson<PersonSummary[] | { results: PersonSummary[] }>('/api/people/');
	return Array.isArray(answer) ? answer : answer.results;
}

export async function personRename(id: number, name: string): Promise<PersonSummary> {
	return (await sendJson<PersonSummary>('PATCH', `/api/people/${id}/`, { name }))!;
}

export async function faceAssign(face: number, person: number | null): Promise<void> {
	await sendJson('PATCH', `/api/faces/${face}/`, { person });
}

/** The face goes to the person of that name (any case), a new person when there is none. */
export async function faceName(face: number, name: string): Promise<void> {
	await sendJson('PATCH', `/api/faces/${face}/`, { name });
}

export interface Suggestion {
	kind: 'person' | 'place' | 'tag' | 'date';
	label: string;
	filter: Record<string, string | number | boolean>;
}

export function searchSuggest(q: string, signal?: AbortSignal): Promise<Suggestion[]> {
	return getJson<Suggestion[]>('/api/search/suggest/', { query: { q }, signal });
}

export type RankedPhoto = Schemas['RankedPhoto'];

export interface SearchAnswer {
	count: number;
	results: RankedPhoto[];
	warnings: string[];
}

export function searchPhotos(
	q: string,
	filter: Record<string, string>,
	signal?: AbortSignal
): Promise<SearchAnswer> {
	return getJson<SearchAnswer>('/api/search/', {
		query: { ...filter, q, page_size: 500 } as Query,
		signal
	});
}

export type Job = Schemas['Job'];

export function jobGet(id: number, signal?: AbortSignal): Promise<Job> {
	return getJson<Job>(`/api/jobs/${id}/`, { signal });
}

export type { PhotoFilter };

export interface UploadAnswerBody {
	status: number;
	body: { id?: number; job?: number | null; detail?: string } | null;
}

/**
 * One file as multipart with upload progress (fetch reports none, so this one call uses XHR).
 * Status 0 means the server was not reached. A 401 renews the session once and tries again.
 */
export function uploadFile(
	file: File,
	onProgress: (sent: number) => void,
	signal: AbortSignal
): Promise<UploadAnswerBody> {
	const attempt = (): Promise<UploadAnswerBody> =>
		new Promise((resolve) => {
			const xhr = new XMLHttpRequest();
			xhr.open('POST', '/api/photos/upload/');
			const token = accessToken();
			if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
			xhr.setRequestHeader('X-CSRFToken', csrfToken());
			xhr.setRequestHeader('Accept', 'application/json');
			xhr.upload.onprogress = (event) => onProgress(event.loaded);
			xhr.onload = () => {
				let body: UploadAnswerBody['body'];
				try {
					body = JSON.parse(xhr.responseText);
				} catch {
					body = null;
				}
				resolve({ status: xhr.status, body });
			};
			xhr.onerror = () => resolve({ status: 0, body: null });
			xhr.onabort = () => resolve({ status: -1, body: null });
			signal.addEventListener('abort', () => xhr.abort(), { once: true });
			const form = new FormData();
			form.append('file', file, file.name);
			xhr.send(form);
		});
	return attempt().then(async (answer) => {
		if (answer.status === 401 && (await refresh())) return attempt();
		return answer;
	});
}
