import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
	{
		ignores: ['build/', '.svelte-kit/', 'node_modules/', 'test-results/', 'src/lib/api/schema.d.ts']
	},
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	prettier,
	...svelte.configs.prettier,
	{ languageOptions: { globals: { ...globals.browser, ...globals.node } } },
	{
		files: ['**/*.svelte', '**/*.svelte.ts'],
		languageOptions: {
			parserOptions: {
				projectService: true,
				extraFileExtensions: ['.svelte'],
				parser: ts.parser,
				svelteConfig
			}
		}
	},
	{
		rules: {
			// The app is served at the site's root (no kit.paths.base), so links need no resolve().
			'svelte/no-navigation-without-resolve': 'off',
			// Only the typed client in src/lib/api may call fetch (the contract's one API client).
			'no-restricted-globals': ['error', { name: 'fetch', message: 'Use the client in $lib/api.' }]
		}
	},
	{ files: ['src/lib/api/**', 'tests/**', 'scripts/**'], rules: { 'no-restricted-globals': 'off' } }
);
