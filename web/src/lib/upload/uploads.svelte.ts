/**
 * The app's one upload queue. It lives at module level so uploads go on while the user moves
 * between pages; created photos are followed through their job, and `landed` counts photos
 * that finished processing so a grid can refetch what changed.
 */
import { jobGet, uploadFile } from '$lib/api/photos';
import { UploadQueue, type Transport, type UploadItem } from './queue';

const JOB_POLL_MS = 1500;
const CONCURRENCY = 3;

const transport: Transport = async (file, onProgress, signal) => {
	const { status, body } = await uploadFile(file, onProgress, signal);
	if (status === 0 || status === 502 || status === 503 || status === 504)
		return { kind: 'unreachable' };
	if (status === 201 && body?.id !== undefined)
		return { kind: 'created', photo: body.id, job: body.job ?? null };
	if (status === 200 && body?.id !== undefined) return { kind: 'existing', photo: body.id };
	if (status === -1) return { kind: 'refused', reason: 'Cancelled' };
	return { kind: 'refused', reason: body?.detail ?? `The server refused it (HTTP ${status}).` };
};

class Uploads {
	/** Bumped on every change of the queue: readers re-derive from `queue`. */
	version = $state(0);
	/** Bumped whenever an uploaded photo finished processing. */
	landed = $state(0);
	open = $state(false);
	readonly queue: UploadQueue;

	constructor() {
		this.queue = new UploadQueue({
			transport,
			concurrency: CONCURRENCY,
			onChange: () => this.version++,
			onCreated: (item) => void this.follow(item)
		});
	}

	add(files: File[]): void {
		if (files.length === 0) return;
		this.open = true;
		this.queue.add(files);
	}

	/** Poll the photo's job until its metadata and thumbnails are there. */
	private async follow(item: UploadItem): Promise<void> {
		for (;;) {
			await new Promise((resolve) => setTimeout(resolve, JOB_POLL_MS));
			try {
				const job = await jobGet(item.job!);
				if (job.state === 'done') {
					this.queue.settle(item);
					this.landed++;
					return;
				}
				if (job.state === 'failed') {
					this.queue.settle(item, job.reason || job.errors[0]?.error || 'Processing failed.');
					this.landed++;
					return;
				}
			} catch {
				// The server may be restarting: keep polling, the job goes on without us.
			}
		}
	}
}

export const uploads = new Uploads();
