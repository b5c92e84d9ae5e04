import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 18200);

export default defineConfig({
	testDir: 'tests/e2e',
	globalSetup: './tests/e2e/global-setup.ts',
	outputDir: 'test-results',
	// One server with one scanned library for every spec: specs that change photos run one at
	// a time, so each sees what the API says at its own start.
	workers: 1,
	fullyParallel: false,
	timeout: 60_000,
	expect: { timeout: 10_000 },
	retries: process.env.CI ? 1 : 0,
	reporter: [['list']],
	use: {
		baseURL: `http://127.0.0.1:${port}`,
		screenshot: 'only-on-failure',
		trace: 'retain-on-failure',
		launchOptions: {
			// Debian's Chromium: Playwright never downloads a browser here.
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-component-update'
			]
		}
	}
});
