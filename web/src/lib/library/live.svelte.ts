/**
 * Live updates by polling /api/updates/ with its ETag (a 304 while nothing changed): every
 * 3 s while a job is active, 30 s otherwise, one request at a time, none while the tab is
 * hidden. Polling, not server-sent events: a stream would hold a server worker per open
 * tab all night, and an unchanged library costs one 304 here.
 */
import { updates, type Updates } from '$lib/api/library';

const ACTIVE_MS = 3000;
const IDLE_MS = 30000;

export const live = $state<{ version: number; state: Updates | null }>({ version: 0, state: null });

let etag = '';
let timer: ReturnType<typeof setTimeout> | undefined;
let users = 0;

async function poll(): Promise<void> {
	timer = undefined;
	if (document.visibilityState === 'hidden') return;
	try {
		const answer = await updates(etag);
		if (answer) {
			// The first answer is the state the page has just loaded, not a change to it.
			if (etag) live.version += 1;
			etag = answer.etag;
			live.state = answer.body;
		}
	} catch {
		// Offline or signed out: try again at the idle pace.
	}
	schedule();
}

function schedule(): void {
	if (users === 0 || timer !== undefined) return;
	const active = (live.state?.jobs.active ?? 0) > 0;
	timer = setTimeout(poll, active ? ACTIVE_MS : IDLE_MS);
}

function visible(): void {
	if (document.visibilityState === 'visible' && timer === undefined) void poll();
}

/** Start following the library (a component's effect); returns the stop function. */
export function liveFollow(): () => void {
	users += 1;
	if (users === 1) {
		document.addEventListener('visibilitychange', visible);
		void poll();
	}
	return () => {
		users -= 1;
		if (users === 0) {
			document.removeEventListener('visibilitychange', visible);
			clearTimeout(timer);
			timer = undefined;
		}
	};
}

/** Poll soon (after the user started a job). */
export function liveNudge(): void {
	clearTimeout(timer);
	timer = undefined;
	void poll();
}
