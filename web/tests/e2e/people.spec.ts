import { expect, test } from '@playwright/test';
import { apiToken, signIn } from './helpers';
import { api, manage, type ApiFace, type ApiPerson } from './w2';

test('name, merge and "Not this person" survive re-clustering', async ({ page, request }) => {
	const token = await apiToken(request);
	const before = await api<ApiPerson[]>(request, token, 'get', '/api/people/');
	const unnamed = before.filter((p) => p.name === null && p.face_count >= 2);
	expect(
		unnamed.length,
		'the corpus clusters into at least three unnamed people'
	).toBeGreaterThanOrEqual(3);
	const [named, mergeA, mergeB] = unnamed;

	await signIn(page);
	await page.getByRole('navigation').getByRole('link', { name: 'People', exact: true }).click();
	await expect(page.getByRole('link', { name: 'Unnamed' }).first()).toBeVisible();

	// Name a cluster: every face in it is that person.
	await page.goto(`/people/${named.id}`);
	await page.getByRole('textbox', { name: 'Name' }).fill('Ada Test');
	await page.getByRole('button', { name: 'Save name' }).click();
	await expect(page.getByRole('heading', { name: 'Ada Test' })).toBeVisible();
	const faces = (
		await api<{ results: ApiFace[] }>(request, token, 'get', `/api/faces/?person=${named.id}`)
	).results;
	expect(faces.length).toBe(named.face_count);

	// The viewer shows the name on the photo's faces.
	await page.goto(`/photos/${faces[0].photo}`);
	const viewer = page.getByRole('dialog');
	await expect(viewer).toBeVisible();
	const info = viewer.getByRole('button', { name: 'Info' });
	if ((await info.getAttribute('aria-pressed')) !== 'true') await info.click();
	await expect(viewer.getByRole('button', { name: 'Face: Ada Test' }).first()).toBeVisible();
	// Leaving while the page renews its session would lose the rotated cookie: let it settle.
	await page.waitForLoadState('networkidle');

	// "Not this person" on one of the named person's faces.
	await page.goto(`/people/${named.id}`);
	await page.getByRole('button', { name: 'Faces', exact: true }).click();
	const notThem = faces[faces.length - 1];
	await page
		.getByRole('listitem')
		.filter({ has: page.getByRole('img', { name: `Face ${notThem.id}`, exact: true }) })
		.getByRole('button', { name: 'Not this person' })
		.click();
	await expect(page.getByRole('img', { name: `Face ${notThem.id}`, exact: true })).toHaveCount(0);

	// Merge two clusters through the dialog, giving the name.
	await page.goto('/people');
	await page
		.getByRole('checkbox', { name: `Select unnamed person ${mergeA.id}`, exact: true })
		.check();
	await page
		.getByRole('checkbox', { name: `Select unnamed person ${mergeB.id}`, exact: true })
		.check();
	await page.getByRole('button', { name: 'Merge' }).click();
	const dialog = page.getByRole('dialog', { name: 'Merge 2 people' });
	await dialog.getByRole('textbox', { name: 'Name' }).fill('Merged Test');
	await dialog.getByRole('button', { name: 'Merge' }).click();
	await expect(page.getByRole('link', { name: 'Merged Test' })).toBeVisible();

	const merged = (await api<ApiPerson[]>(request, token, 'get', '/api/people/')).find(
		(p) => p.name === 'Merged Test'
	);
	expect(merged?.face_count).toBe(mergeA.face_count + mergeB.face_count);
	const ada = (await api<ApiPerson[]>(request, token, 'get', '/api/people/')).find(
		(p) => p.name === 'Ada Test'
	);
	expect(ada?.face_count).toBe(named.face_count - 1);

	// Re-cluster from scratch: every name and mark is kept.
	manage('cluster_faces', '--user', 'admin');
	await page.reload();
	await expect(page.getByRole('link', { name: 'Ada Test' })).toBeVisible();
	await expect(page.getByRole('link', { name: 'Merged Test' })).toBeVisible();
	const after = await api<ApiPerson[]>(request, token, 'get', '/api/people/');
	expect(after.find((p) => p.name === 'Ada Test')?.face_count).toBe(named.face_count - 1);
	expect(after.find((p) => p.name === 'Merged Test')?.face_count).toBe(merged?.face_count);
	const adaFaces = (
		await api<{ results: ApiFace[] }>(request, token, 'get', `/api/faces/?person=${named.id}`)
	).results;
	expect(adaFaces.map((f) => f.id)).not.toContain(notThem.id);
});

test('the review queue offers the nearest person and one click accepts', async ({
	page,
	request
}) => {
	const token = await apiToken(request);
	const people = await api<ApiPerson[]>(request, token, 'get', '/api/people/');
	const someone = people.find((p) => p.face_count >= 3);
	expect(someone).toBeDefined();
	const faces = (
		await api<{ results: ApiFace[] }>(request, token, 'get', `/api/faces/?person=${someone!.id}`)
	).results;
	const face = faces[faces.length - 1];
	await api(request, token, 'patch', `/api/faces/${face.id}/`, { person: null });

	await signIn(page, undefined, '/people');
	const button = page.getByRole('button', { name: new RegExp(`^Unknown face ${face.id}: accept`) });
	await expect(button).toBeVisible();
	await button.focus();
	await page.keyboard.press('Enter');
	await expect(button).toHaveCount(0);
	const back = await api<ApiFace>(request, token, 'get', `/api/faces/${face.id}/`);
	expect(back.person).toBe(someone!.id);
});
