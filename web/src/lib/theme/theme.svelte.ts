/** The colour scheme: the system's by default, or the user's choice kept in localStorage. */

export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'ownphotos.theme';

function stored(): ThemeChoice {
	const value = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY);
	return value === 'light' || value === 'dark' ? value : 'system';
}

export const theme = $state({ choice: stored() });

/** Applies a choice to <html data-theme> (the CSS reads it) and remembers it. */
export function themeApply(choice: ThemeChoice): void {
	theme.choice = choice;
	if (choice === 'system') {
		delete document.documentElement.dataset.theme;
		localStorage.removeItem(KEY);
	} else {
		document.documentElement.dataset.theme = choice;
		localStorage.setItem(KEY, choice);
	}
}

/** Whether the page is dark now, whichever way that was decided. */
export function themeIsDark(): boolean {
	if (theme.choice !== 'system') return theme.choice === 'dark';
	return matchMedia('(prefers-color-scheme: dark)').matches;
}
