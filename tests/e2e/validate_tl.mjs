// validate_tl.mjs URL PDF RESULT: the public /validate page with EU
// trusted lists (tests/integration/trusted_lists.sh): the PDF uploaded,
// its first signature's qualification shown as RESULT (TS 119 172-4, the
// server's name) in Romanian words, with the trust service and its status.
// Prints TAP lines; exit 1 on a failure.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, desktopPage, launchChromium, tapOk } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RO = JSON.parse(fs.readFileSync(path.join(HERE, '..', '..', 'web', 'i18n', 'ro.json'), 'utf8'));
const [url, pdf, want] = process.argv.slice(2);
const KEY = { QESig: 'val.q_qesig', AdESig: 'val.q_adesig' };
const text = async (page, sel) => ((await page.textContent(sel)) || '').trim();

const browser = await launchChromium();
let ok = false;
try {
	const { page } = await desktopPage(browser, null);
	await page.goto(url + '/validate');
	await page.waitForSelector('#val-file');
	await page.setInputFiles('#val-file', pdf);
	await page.click('#val-go');
	await page.waitForSelector('#val-sig-1-qual-result', { timeout: 30000 });
	const res = await page.getAttribute('#val-sig-1-qual-result', 'data-result');
	assert(res === want, 'qualification ' + res + ', want ' + want);
	const shown = await text(page, '#val-sig-1-qual-result');
	assert(shown.startsWith(RO[KEY[want]]), 'shown: ' + shown);
	const qual = await text(page, '#val-sig-1-qual');
	assert(qual.includes(RO['val.qual']) && qual.includes('Test Qualified CA (RO)'), 'the service: ' + qual);
	if (process.env.PC_SHOT)
		await page.screenshot({ path: process.env.PC_SHOT, fullPage: true });
	tapOk(true, `/validate shows "${RO[KEY[want]]}" (${want}) and the trust service`);
	ok = true;
} catch (e) {
	console.log('not ok - ' + e.message);
} finally {
	await browser.close();
}
process.exit(ok ? 0 : 1);
