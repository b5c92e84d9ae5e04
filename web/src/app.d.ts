// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface PageState {
			/** Set by shallow routing when a photo opens over the grid it came from. */
			photo?: number;
		}
	}
}

export {};
