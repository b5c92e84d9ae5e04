/** The library screens' endpoints (issue 13): people, faces, places, albums, sharing, events,
 * duplicates, trash, jobs, models, server state, config and live updates. */
import { getJson, request, sendJson, type Query } from './client';

export interface Person {
	id: number;
	name: string | null;
	face_count: number;
	cover_face: number | null;
	cover_url: string | null;
	hidden: boolean;
}

export interface Face {
	id: number;
	photo: number;
	box: number[];
	person: number | null;
	person_source: string;
	distance: number | null;
	detector: string;
	crop_url: string;
}

export interface Suggestion {
	person: number;
	name: string | null;
	distance: number;
	cover_url: string | null;
}

export interface ReviewFace {
	id: number;
	photo: number;
	box: number[];
	crop_url: string;
	suggestions: Suggestion[];
}

export const people = (hidden = false) =>
	getJson<Person[]>('/api/people/', { query: hidden ? { hidden: true } : {} });
export const person = (id: number) => getJson<Person>(`/api/people/${id}/`);
export const personUpdate = (
	id: number,
	changes: { name?: string; hidden?: boolean; cover_face?: number }
) => sendJson<Person>('PATCH', `/api/people/${id}/`, changes);
export const personMerge = (id: number, into: number) =>
	sendJson<Person>('POST', `/api/people/${id}/merge/`, { into });
export const faces = (query: Query) =>
	getJson<{ count: number; results: Face[] }>('/api/faces/', { query });
export const faceReview = (offset = 0, limit = 20) =>
	getJson<{ count: number; results: ReviewFace[] }>('/api/faces/review/', {
		query: { offset, limit }
	});
export const faceUpdate = (id: number, changes: { person?: number | null; not_person?: number }) =>
	sendJson<Face>('PATCH', `/api/faces/${id}/`, changes);

export interface PlaceCount {
	id: number;
	country: string | null;
	state: string | null;
	city: string | null;
	count: number;
}
export interface MapCluster {
	lat: number;
	lon: number;
	count: number;
	photo: number;
}
export const places = () => getJson<PlaceCount[]>('/api/places/');
export const mapClusters = (
	bbox: [number, number, number, number],
	zoom: number,
	signal?: AbortSignal
) =>
	getJson<MapCluster[]>('/api/places/map/', {
		query: { bbox: bbox.map((v) => v.toFixed(7)).join(','), zoom: Math.round(zoom) },
		signal
	});

export interface Thing {
	tag: string;
	count: number;
	photo?: number | null;
}
export const things = () => getJson<Thing[]>('/api/things/');

export interface PublicLink {
	url: string;
	expires_at: string | null;
	allow_gps: boolean;
}
export interface Album {
	id: number;
	title: string;
	kind: 'user' | 'event';
	sort: 'date' | 'manual';
	owner: string;
	shared: boolean;
	photos: number[];
	photo_count: number;
	cover: number | null;
	start_at: string | null;
	end_at: string | null;
	edited_by_user: boolean;
	shared_with: string[];
	public: PublicLink | null;
}
interface Page<T> {
	count: number;
	next: string | null;
	results: T[];
}
export const albums = async (kind?: 'user' | 'event') =>
	(await getJson<Page<Album>>('/api/albums/', { query: { kind, page_size: 500 } })).results;
export const album = (id: number) => getJson<Album>(`/api/albums/${id}/`);
export const albumCreate = (title: string, photos: number[] = []) =>
	sendJson<Album>('POST', '/api/albums/', { title, photos });
export const albumUpdate = (
	id: number,
	changes: { title?: string; cover?: number | null; sort?: 'date' | 'manual'; photos?: number[] }
) => sendJson<Album>('PATCH', `/api/albums/${id}/`, changes);
export const albumDelete = (id: number) => sendJson<null>('DELETE', `/api/albums/${id}/`);
export const albumMerge = (id: number, into: number) =>
	sendJson<Album>('POST', `/api/albums/${id}/merge/`, { into });
export interface ShareResult {
	shared_with: string[];
	url?: string | null;
	expires_at?: string | null;
	allow_gps?: boolean;
}
export const albumShareUser = (id: number, user: string, revoke = false) =>
	sendJson<ShareResult>('POST', `/api/albums/${id}/share/`, { user, revoke });
export const albumSharePublic = (
	id: number,
	options: { public: boolean; expires_at?: string | null; allow_gps?: boolean }
) => sendJson<ShareResult>('POST', `/api/albums/${id}/share/`, options);
export const usernames = () => getJson<{ username: string }[]>('/api/users/names/');

export interface PublicPhoto {
	id: number;
	taken_at: string | null;
	width: number;
	height: number;
	is_video: boolean;
	thumbnails: { small: string; big: string };
	gps_lat?: number | null;
	gps_lon?: number | null;
}
/** The public page has no session: a plain request, and a 404 means the link is gone. */
export async function publicAlbum(
	token: string
): Promise<{ title: string; photos: PublicPhoto[] } | null> {
	const response = await request(`/api/public/albums/${encodeURIComponent(token)}/`).catch(
		() => null
	);
	return response ? response.json() : null;
}

export interface ListPhoto {
	id: number;
	taken_at: string | null;
	width: number;
	height: number;
	mime: string;
	thumbnails: { small: string; big: string };
}
export interface DuplicateGroup {
	best: number;
	photos: (ListPhoto & { size?: number })[];
}
export const duplicates = async () =>
	(await getJson<Page<DuplicateGroup>>('/api/duplicates/', { query: { page_size: 200 } })).results;
export const duplicatesResolve = (keep: number, trash: number[]) =>
	sendJson<unknown>('POST', '/api/duplicates/resolve/', { keep, trash });

export interface TrashPhoto {
	id: number;
	trashed_at: string | null;
	days_left: number;
}
export const trash = () =>
	getJson<{ count: number; retention_days: number; photos: TrashPhoto[] }>('/api/trash/');
export const trashEmpty = () => sendJson<{ photos: number }>('POST', '/api/trash/empty/');
export const photoRestore = (id: number) =>
	sendJson<unknown>('PATCH', `/api/photos/${id}/`, { in_trash: false });

export interface Job {
	id: number;
	kind: string;
	state: 'queued' | 'running' | 'done' | 'failed';
	progress: { done: number; total: number };
	errors: { path: string; error: string }[];
	reason: string;
	created_at: string;
	finished_at: string | null;
}
export const jobs = async () => (await getJson<Page<Job>>('/api/jobs/')).results;
export const jobScan = () => sendJson<Job>('POST', '/api/jobs/scan/', {});
export const jobRetry = (id: number) => sendJson<Job>('POST', `/api/jobs/${id}/retry/`);

export interface ModelState {
	name: string;
	step: string;
	description: string;
	installed: boolean;
	version: string | null;
	install_command: string | null;
	photos: { done: number; stale: number; skipped: number; failed: number };
	data_versions: Record<string, number>;
}
export const models = () => getJson<ModelState[]>('/api/models/');

export interface ServerState {
	version: string;
	database: { vendor: string; version: string; name: string };
	broker: { kind: string };
	workers: string[] | null;
	queues: Record<string, number> | null;
}
export const serverState = () => getJson<ServerState>('/api/server/');

export interface Config {
	map_style_url: string | null;
	trash_retention_days: number;
}
export const config = () => getJson<Config>('/api/config/');

export interface Updates {
	photos: { count: number; changed_at: string | null };
	faces: { count: number; unknown: number };
	people: { changed_at: string | null };
	jobs: { active: number; done: number; total: number; latest: number | null };
}
/** One poll of /api/updates/: null when nothing changed since `etag` (a 304). */
export async function updates(etag: string): Promise<{ etag: string; body: Updates } | null> {
	const response = await request('/api/updates/', {
		headers: etag ? { 'If-None-Match': etag } : {}
	});
	if (response.status === 304) return null;
	return { etag: response.headers.get('ETag') ?? '', body: await response.json() };
}

export interface Account {
	id: number;
	username: string;
	is_staff: boolean;
	is_active: boolean;
	libraries: string[];
}
export const account = () => getJson<Account>('/api/users/me/');
export const passwordChange = (old_password: string, new_password: string) =>
	sendJson<null>('POST', '/api/users/me/password/', { old_password, new_password });
export const accounts = async () =>
	(await getJson<Page<Account>>('/api/users/', { query: { page_size: 500 } })).results;
export const accountCreate = (user: {
	username: string;
	password: string;
	is_staff: boolean;
	libraries: string[];
}) => sendJson<Account>('POST', '/api/users/', user);
export const accountUpdate = (
	id: number,
	changes: { is_active?: boolean; libraries?: string[]; is_staff?: boolean }
) => sendJson<Account>('PATCH', `/api/users/${id}/`, changes);
