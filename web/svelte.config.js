import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// A single-page app: Django answers index.html for every client route.
		adapter: adapter({ fallback: 'index.html', strict: false, precompress: true }),
		// Absolute asset URLs, so a deep link such as /photos/12 loads /_app/... and not photos/_app/...
		paths: { relative: false }
	}
};

export default config;
