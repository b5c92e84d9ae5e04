/**
 * What the server holds, read through the API for W3's specs (viewer, selection, upload,
 * search): the timeline's order, a photo by its day, uploads, and files made for a test.
 */
import { expect, type APIRequestContext } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO } from './env';
import { apiGet } from './helpers';

export interface TimelinePhoto {
	id: number;
	date: string | null;
	width: number;
	height: number;
}

interface MonthRows {
	ids: number[];
	dates: (string | null)[];
	widths: number[];
	heights: number[];
}

/** Every photo of the timeline in display order, as the month endpoints give it. */
export async function timelineOrder(
	request: APIRequestContext,
	token: string
): Promise<TimelinePhoto[]> {
	const months = await apiGet<{ month: string | null }[]>(request, '/api/timeline/months/', token);
	const photos: TimelinePhoto[] = [];
	for (const { month } of months) {
		const rows = await apiGet<MonthRows>(
			request,
			`/api/timeline/months/${month ?? 'undated'}/`,
			token
		);
		rows.ids.forEach((id, i) =>
			photos.push({
				id,
				date: rows.dates[i],
				width: rows.widths[i],
				height: rows.heights[i]
			})
		);
	}
	return photos;
}

/** The one photo taken on `day` (a manifest photo whose date is unique in the corpus). */
export async function photoOn(
	request: APIRequestContext,
	token: string,
	day: string
): Promise<number> {
	const page = await apiGet<{ results: { id: number }[] }>(
		request,
		`/api/photos/?taken_after=${day}&taken_before=${day}`,
		token
	);
	expect(page.results.length, `photos on ${day}`).toBe(1);
	return page.results[0].id;
}

export async function bulk(
	request: APIRequestContext,
	token: string,
	ids: number[],
	action: string
): Promise<void> {
	const response = await request.post('/api/photos/bulk/', {
		headers: { Authorization: `Bearer ${token}` },
		data: { ids, action }
	});
	expect(response.status()).toBe(200);
}

/** Upload through the API and wait until the photo's job is done; its id. */
export async function uploadAndWait(
	request: APIRequestContext,
	token: string,
	file: string
): Promise<number> {
	const { readFileSync } = await import('node:fs');
	const response = await request.post('/api/photos/upload/', {
		headers: { Authorization: `Bearer ${token}` },
		multipart: {
			file: {
				name: path.basename(file),
				mimeType: 'application/octet-stream',
				buffer: readFileSync(file)
			}
		}
	});
	expect([200, 201]).toContain(response.status());
	const { id, job } = (await response.json()) as { id: number; job: number | null };
	if (job !== null) {
		await expect
			.poll(
				async () => (await apiGet<{ state: string }>(request, `/api/jobs/${job}/`, token)).state,
				{
					timeout: 60_000
				}
			)
			.toBe('done');
	}
	return id;
}

export function scratchDir(): string {
	return mkdtempSync(path.join(tmpdir(), 'ownphotos-e2e-files-'));
}

/** A JPEG of one random colour (new bytes every run) taken at `taken` ("YYYY:MM:DD HH:MM:SS"). */
export function makeJpeg(dir: string, name: string, taken: string): string {
	const out = path.join(dir, name);
	const script = [
		'import random, sys',
		'from PIL import Image',
		'img = Image.new("RGB", (640, 480), tuple(random.randrange(256) for _ in range(3)))',
		'for x in range(0, 640, 40):',
		'    img.paste(tuple(random.randrange(256) for _ in range(3)), (x, 0, x + 20, 480))',
		'exif = Image.Exif()',
		'exif[0x8769] = {0x9003: sys.argv[2]}',
		'exif[0x010F] = "OwnPhotos"',
		'exif[0x0110] = "E2E Camera"',
		'img.save(sys.argv[1], "JPEG", exif=exif)'
	].join('\n');
	execFileSync(path.join(REPO, '.venv/bin/python'), ['-c', script, out, taken]);
	return out;
}

/** A 4-second VP9 WebM (plays in Chromium as it is), with a random colour so bytes are new. */
export function makeWebm(dir: string, name: string): string {
	const out = path.join(dir, name);
	const colour = Math.floor(Math.random() * 0xffffff)
		.toString(16)
		.padStart(6, '0');
	execFileSync('ffmpeg', [
		'-hide_banner',
		'-loglevel',
		'error',
		'-f',
		'lavfi',
		'-i',
		`testsrc2=size=320x240:rate=15:duration=4,drawbox=c=0x${colour}:t=20`,
		'-c:v',
		'libvpx-vp9',
		'-b:v',
		'200k',
		'-y',
		out
	]);
	return out;
}
