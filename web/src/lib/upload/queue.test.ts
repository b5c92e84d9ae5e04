import { describe, expect, it } from 'vitest';
import { UploadQueue, type UploadAnswer } from './queue';

/** A transport whose answers the test releases one by one. */
function controlled() {
	const pending: { file: File; resolve: (answer: UploadAnswer) => void }[] = [];
	const transport = (file: File) =>
		new Promise<UploadAnswer>((resolve) => pending.push({ file, resolve }));
	return { pending, transport };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const files = (n: number) => Array.from({ length: n }, (_, i) => new File([`x${i}`], `f${i}.jpg`));

describe('UploadQueue', () => {
	it('keeps at most `concurrency` uploads in flight and releases finished files', async () => {
		const { pending, transport } = controlled();
		const queue = new UploadQueue({ transport, concurrency: 3 });
		queue.add(files(10));
		expect(pending.length).toBe(3);
		pending.shift()!.resolve({ kind: 'created', photo: 1, job: null });
		await tick();
		expect(pending.length).toBe(3);
		expect(queue.items[0].state).toBe('done');
		expect(queue.items[0].file).toBeNull();
		expect(queue.items[9].file).not.toBeNull();
	});

	it('says which files were already in the library and why others were refused', async () => {
		const { pending, transport } = controlled();
		const queue = new UploadQueue({ transport });
		queue.add(files(2));
		pending[0].resolve({ kind: 'existing', photo: 4 });
		pending[1].resolve({ kind: 'refused', reason: 'not an image' });
		await tick();
		expect(queue.items.map((item) => [item.state, item.reason])).toEqual([
			['duplicate', null],
			['failed', 'not an image']
		]);
	});

	it('pauses when the server is unreachable and resumes with the same file first', async () => {
		const { pending, transport } = controlled();
		const queue = new UploadQueue({ transport, concurrency: 1 });
		queue.add(files(3));
		pending.shift()!.resolve({ kind: 'unreachable' });
		await tick();
		expect(queue.reachable).toBe(false);
		expect(queue.paused).toBe(true);
		expect(pending.length).toBe(0);
		queue.resume();
		expect(pending.map((p) => p.file.name)).toEqual(['f0.jpg']);
	});
});
