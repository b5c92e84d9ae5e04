/**
 * The upload queue: File handles wait here (a File is a reference to bytes on disk, not the
 * bytes), at most `concurrency` are being sent, and a finished item lets go of its File. So
 * 10,000 dropped files cost 10,000 small records, never their contents in memory.
 *
 * The transport reports an unreachable server separately from a refusal: the item goes back
 * to the front of the queue, the queue pauses, and `resume()` carries on where it stopped.
 */

export type UploadState = 'queued' | 'sending' | 'processing' | 'done' | 'duplicate' | 'failed';

export interface UploadItem {
	readonly key: number;
	readonly name: string;
	readonly size: number;
	state: UploadState;
	/** Bytes sent so far. */
	sent: number;
	/** The server's reason for a refusal. */
	reason: string | null;
	photo: number | null;
	job: number | null;
	file: File | null;
}

export type UploadAnswer =
	| { kind: 'created'; photo: number; job: number | null }
	| { kind: 'existing'; photo: number }
	| { kind: 'refused'; reason: string }
	| { kind: 'unreachable' };

export type Transport = (
	file: File,
	onProgress: (sent: number) => void,
	signal: AbortSignal
) => Promise<UploadAnswer>;

export interface QueueOptions {
	transport: Transport;
	concurrency?: number;
	/** Called when a created photo's processing should be followed (job polling). */
	onCreated?: (item: UploadItem) => void;
	/** Called after any change; the UI re-reads what it shows. */
	onChange?: () => void;
}

export class UploadQueue {
	readonly items: UploadItem[] = [];
	paused = false;
	/** False after the transport found the server unreachable, until resume(). */
	reachable = true;
	private readonly waiting: UploadItem[] = [];
	private waitingHead = 0;
	private running = 0;
	private nextKey = 1;
	private readonly controllers = new Map<number, AbortController>();
	private readonly concurrency: number;

	constructor(private readonly options: QueueOptions) {
		this.concurrency = options.concurrency ?? 3;
	}

	add(files: Iterable<File>): void {
		for (const file of files) {
			const item: UploadItem = {
				key: this.nextKey++,
				name: file.webkitRelativePath || file.name,
				size: file.size,
				state: 'queued',
				sent: 0,
				reason: null,
				photo: null,
				job: null,
				file
			};
			this.items.push(item);
			this.waiting.push(item);
		}
		this.changed();
		this.pump();
	}

	get pending(): number {
		return this.waiting.length - this.waitingHead + this.running;
	}

	count(state: UploadState): number {
		return this.items.reduce((n, item) => n + (item.state === state ? 1 : 0), 0);
	}

	pause(): void {
		this.paused = true;
		this.changed();
	}

	resume(): void {
		this.paused = false;
		this.reachable = true;
		this.changed();
		this.pump();
	}

	/** Stop everything and forget what has not been sent. */
	cancel(): void {
		for (const item of this.waiting.slice(this.waitingHead)) {
			item.state = 'failed';
			item.reason = 'Cancelled';
			item.file = null;
		}
		this.waiting.length = 0;
		this.waitingHead = 0;
		for (const controller of this.controllers.values()) controller.abort();
		this.changed();
	}

	/** Processing finished for a created item (its job is done). */
	settle(item: UploadItem, failure: string | null = null): void {
		item.state = failure === null ? 'done' : 'failed';
		item.reason = failure;
		this.changed();
	}

	private pump(): void {
		while (
			!this.paused &&
			this.running < this.concurrency &&
			this.waitingHead < this.waiting.length
		) {
			const item = this.waiting[this.waitingHead++];
			if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
				// Drop the consumed head now and then so the array does not keep every record twice.
				this.waiting.splice(0, this.waitingHead);
				this.waitingHead = 0;
			}
			void this.send(item);
		}
	}

	private async send(item: UploadItem): Promise<void> {
		const file = item.file;
		if (file === null) return;
		this.running++;
		item.state = 'sending';
		item.sent = 0;
		const controller = new AbortController();
		this.controllers.set(item.key, controller);
		this.changed();
		let answer: UploadAnswer;
		try {
			answer = await this.options.transport(
				file,
				(sent) => {
					item.sent = sent;
					this.changed();
				},
				controller.signal
			);
		} catch (error) {
			answer = { kind: 'refused', reason: error instanceof Error ? error.message : String(error) };
		} finally {
			this.controllers.delete(item.key);
			this.running--;
		}
		if (controller.signal.aborted && item.state === 'sending') {
			answer = { kind: 'refused', reason: 'Cancelled' };
		}
		this.apply(item, answer);
		this.changed();
		this.pump();
	}

	private apply(item: UploadItem, answer: UploadAnswer): void {
		switch (answer.kind) {
			case 'unreachable':
				item.state = 'queued';
				item.sent = 0;
				// Back to the front, so the order of the drop is kept.
				if (this.waitingHead > 0) this.waiting[--this.waitingHead] = item;
				else this.waiting.unshift(item);
				this.reachable = false;
				this.paused = true;
				return;
			case 'refused':
				item.state = 'failed';
				item.reason = answer.reason;
				break;
			case 'existing':
				item.state = 'duplicate';
				item.photo = answer.photo;
				break;
			case 'created':
				item.photo = answer.photo;
				item.job = answer.job;
				item.state = answer.job === null ? 'done' : 'processing';
				if (answer.job !== null) this.options.onCreated?.(item);
				break;
		}
		item.sent = item.size;
		item.file = null;
	}

	private changed(): void {
		this.options.onChange?.();
	}
}
