/** Facts every spec shares: where the repo is, who signs in, the corpus manifest. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const CORPUS = path.resolve(REPO, '../shared/photos');

export const ADMIN = { username: 'admin', password: 'e2e-admin-password' };
export const OTHER = { username: 'other', password: 'e2e-other-password' };

export interface ManifestFile {
	path: string;
	kind: string;
	exif?: { datetime_original?: string | null; make?: string | null; model?: string | null };
	[key: string]: unknown;
}

export function manifest(): { files: ManifestFile[] } {
	return JSON.parse(readFileSync(path.join(CORPUS, 'manifest.json'), 'utf-8'));
}
