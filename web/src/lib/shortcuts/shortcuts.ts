/** The keyboard shortcuts the help overlay lists; each is handled where it acts. */

export const SHORTCUTS: readonly { title: string; keys: readonly [string, string][] }[] = [
	{
		title: 'Everywhere',
		keys: [
			['?', 'Show or hide this help'],
			['/', 'Search'],
			['Esc', 'Clear the selection or close the photo']
		]
	},
	{
		title: 'Photos',
		keys: [
			['Ctrl/⌘ + A', 'Select all photos'],
			['Shift + click', 'Select a range of photos'],
			['Enter', 'Open the focused photo']
		]
	},
	{
		title: 'Viewer',
		keys: [
			['← / →', 'Previous / next photo'],
			['+ / −', 'Zoom in / out'],
			['0', 'Fit the photo to the screen'],
			['I', 'Show or hide the info'],
			['F', 'Favorite or unfavorite']
		]
	}
];

/** Whether a key press goes to a text field (then it is the field's, not a shortcut). */
export function isTyping(target: EventTarget | null): boolean {
	return (
		target instanceof HTMLInputElement ||
		target instanceof HTMLTextAreaElement ||
		target instanceof HTMLSelectElement ||
		(target instanceof HTMLElement && target.isContentEditable)
	);
}
