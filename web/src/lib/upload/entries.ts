/**
 * Files out of a drop, folders walked recursively. The entries must be taken from the
 * DataTransfer during the drop event itself (the list is emptied when it returns); the walk
 * then goes on asynchronously and hands files over in batches, so a huge folder starts
 * uploading before it has been read to the end.
 */

const BATCH = 200;

/** Entries (or plain files, where the browser has no entry API) of a drop, taken at once. */
export function dropEntries(data: DataTransfer): (FileSystemEntry | File)[] {
	const taken: (FileSystemEntry | File)[] = [];
	const items = data.items;
	if (items && items.length > 0 && typeof items[0].webkitGetAsEntry === 'function') {
		for (let i = 0; i < items.length; i++) {
			if (items[i].kind !== 'file') continue;
			const entry = items[i].webkitGetAsEntry();
			const file = entry === null ? items[i].getAsFile() : null;
			if (entry !== null) taken.push(entry);
			else if (file !== null) taken.push(file);
		}
		return taken;
	}
	return Array.from(data.files);
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
	return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
	return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function isDirectory(entry: FileSystemEntry): entry is FileSystemDirectoryEntry {
	return entry.isDirectory;
}

function isFile(entry: FileSystemEntry): entry is FileSystemFileEntry {
	return entry.isFile;
}

/** Every file under the dropped entries, `sink` called with batches as they are found. */
export async function walkEntries(
	roots: (FileSystemEntry | File)[],
	sink: (files: File[]) => void
): Promise<void> {
	let batch: File[] = [];
	const flush = () => {
		if (batch.length > 0) sink(batch);
		batch = [];
	};
	const stack = [...roots].reverse();
	while (stack.length > 0) {
		const entry = stack.pop()!;
		if (entry instanceof File) {
			batch.push(entry);
		} else if (isFile(entry)) {
			// Dot files (.DS_Store, ._photo.jpg) are the file system's, not the user's photos.
			if (!entry.name.startsWith('.')) batch.push(await fileOf(entry));
		} else if (isDirectory(entry)) {
			const reader = entry.createReader();
			const children: FileSystemEntry[] = [];
			// readEntries answers at most ~100 entries a call; an empty answer is the end.
			for (let part = await readBatch(reader); part.length > 0; part = await readBatch(reader)) {
				children.push(...part);
			}
			for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
		}
		if (batch.length >= BATCH) flush();
	}
	flush();
}
