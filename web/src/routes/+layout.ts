// A single-page app: no server rendering, Django serves the same index.html for every route.
export const ssr = false;
export const prerender = false;
