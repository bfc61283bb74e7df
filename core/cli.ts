#!/usr/bin/env node
/** `fauxcloud` / `npm start`: start the server with the settings from flags and env. */
import { allClouds } from '../clouds/index.js';
import { resolveSettings, SettingsError } from './config.js';
import { ScenarioError } from './scenario.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  let settings;
  try {
    settings = resolveSettings(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`fauxcloud: ${(e as Error).message}\n`);
    process.exit(2);
  }
  try {
    const server = await startServer(settings, allClouds);
    // One line, stable format: scripts and the Go harness parse it.
    process.stdout.write(`fauxcloud ready http=${server.httpUrl}${server.httpsUrl ? ` https=${server.httpsUrl}` : ''}\n`);
    const stop = () => {
      server.close().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof SettingsError) {
      process.stderr.write(`fauxcloud: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

void main();
