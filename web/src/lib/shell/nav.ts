/** The navigation's links, in order; names are part of the UI contract (tests find them). */
export interface NavLink {
	href: string;
	label: string;
}

export const NAV_LINKS: readonly NavLink[] = [
	{ href: '/', label: 'Photos' },
	{ href: '/search', label: 'Search' },
	{ href: '/people', label: 'People' },
	{ href: '/places', label: 'Places' },
	{ href: '/things', label: 'Things' },
	{ href: '/albums', label: 'Albums' },
	{ href: '/events', label: 'Events' },
	{ href: '/favorites', label: 'Favorites' },
	{ href: '/hidden', label: 'Hidden' },
	{ href: '/duplicates', label: 'Duplicates' },
	{ href: '/trash', label: 'Trash' },
	{ href: '/jobs', label: 'Jobs' }
];

/** Whether a link is the current section: `/` only on itself, others on their sub-pages too. */
export function navIsCurrent(href: string, pathname: string): boolean {
	if (href === '/') return pathname === '/' || pathname.startsWith('/photos/');
	return pathname === href || pathname.startsWith(`${href}/`);
}
