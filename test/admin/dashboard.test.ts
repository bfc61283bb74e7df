/**
 * The live dashboard as a person sees it, in headless Chromium (Debian's `chromium`): resources
 * with their lifecycle states, the journal streaming in with errors and fired fault rules
 * highlighted, the faults in force with hit counts, and the clock controls. Screenshots are taken
 * and checked (a real picture, not a blank page). Skipped, saying why, where no browser is installed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CreateVolumeCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'puppeteer-core';
import type { RunningServer } from '../../core/server.js';
import { admin, ec2Client, useFauxcloud } from '../helpers/fauxcloud.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
if (!CHROMIUM) console.log('dashboard tests skipped: no Chromium installed (apt-get install chromium)');
const shots = resolve(import.meta.dirname, '..', '..', 'test-results', 'dashboard');

let server: RunningServer;
useFauxcloud((s) => (server = s));

/** Width and height from a PNG's header, and how many distinct byte values its data has. */
function pngFacts(png: Uint8Array): { width: number; height: number; variety: number } {
  const view = Buffer.from(png);
  expect(view.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: view.readUInt32BE(16), height: view.readUInt32BE(20), variety: new Set(view.subarray(64)).size };
}

describe.skipIf(!CHROMIUM)('the dashboard at /_fauxcloud/ui', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const { launch } = await import('puppeteer-core');
    browser = await launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 900 });
    mkdirSync(shots, { recursive: true });
  }, 60_000);
  afterAll(async () => browser?.close());

  it('shows a volume waiting in its transient state, steps it, streams the journal and highlights a fired fault', async () => {
    const a = admin(server);
    expect((await a.put('/lifecycle', { 'aws.ec2.volume': { creating: { manual: { afterReads: 100 } } } })).status).toBe(200);
    expect((await a.post('/faults', { name: 'describe-throttled', match: { cloud: 'aws', operation: 'DescribeVolumes', times: 1 }, error: 'RequestLimitExceeded' })).status).toBe(200);
    const ec2 = ec2Client(server);
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8, VolumeType: 'gp3' }));

    await page.goto(`${server.httpUrl}/_fauxcloud/ui`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live', { timeout: 15_000 });

    // The fault with its counters, and the journal row of the request it fails, highlighted.
    await expect(ec2.send(new DescribeVolumesCommand({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    await page.waitForSelector('#journal tr.fired', { timeout: 10_000 });
    expect(await page.$eval('#journal tr.fired', (tr) => tr.textContent)).toContain('RequestLimitExceeded');
    await page.waitForFunction(() => document.querySelector('#faults tr[data-rule="describe-throttled"] td:nth-child(5)')?.textContent === '1', { timeout: 10_000 });

    // The volume waits in `creating` (manual mode); its row offers a step.
    await page.waitForSelector('details[data-key$=":aws.ec2.volume"]', { timeout: 10_000 });
    await page.$eval('details[data-key$=":aws.ec2.volume"]', (d) => ((d as HTMLDetailsElement).open = true));
    const row = `tr[data-id="${VolumeId}"]`;
    expect(await page.$eval(`${row} td.state`, (td) => td.textContent)).toBe('creating');
    const before = await page.screenshot({ path: join(shots, 'volume-creating.png'), fullPage: true });
    const facts = pngFacts(before);
    expect(facts.width).toBe(1400);
    expect(facts.height).toBeGreaterThanOrEqual(900);
    expect(facts.variety).toBeGreaterThan(100); // a drawn page, not a blank one

    await page.click(`${row} button`);
    await page.waitForFunction((sel) => document.querySelector(`${sel} td.state`)?.textContent === 'available', { timeout: 10_000 }, row);

    // Errors only, then a text filter.
    await page.click('#errors-only');
    const visible = () => page.$$eval('#journal tbody tr', (rows) => rows.filter((r) => !(r as HTMLElement).hidden).map((r) => r.children[3]?.textContent));
    expect(await visible()).toEqual(['DescribeVolumes']);
    await page.click('#errors-only');
    await page.type('#filter', 'createvolume');
    expect(await visible()).toEqual(['CreateVolume']);
    await page.screenshot({ path: join(shots, 'journal-filtered.png'), fullPage: true });
  }, 60_000);

  it('advances and pauses the virtual clock', async () => {
    await page.goto(`${server.httpUrl}/_fauxcloud/ui`, { waitUntil: 'load' });
    await page.waitForFunction(() => /^\d{4}-/.test(document.getElementById('clock')?.textContent ?? ''), { timeout: 10_000 });
    const read = () => page.$eval('#clock', (c) => Date.parse(c.textContent ?? ''));
    const t0 = await read();
    await page.click('[data-advance="3600000"]');
    await page.waitForFunction((t) => Date.parse(document.getElementById('clock')?.textContent ?? '') - t >= 3_600_000, { timeout: 10_000 }, t0);
    await page.click('#pause');
    await page.waitForFunction(() => document.getElementById('factor')?.textContent === '0', { timeout: 10_000 });
    expect((await admin(server).get<{ factor: number }>('/clock')).body.factor).toBe(0);
  }, 60_000);
});
