import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	server: {
		// `npm run dev` talks to `manage.py serve` (or runserver) on 8000.
		proxy: { '/api': 'http://127.0.0.1:8000' }
	},
	test: {
		include: ['src/**/*.test.ts'],
		environment: 'node'
	}
});
