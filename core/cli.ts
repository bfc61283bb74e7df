#!/usr/bin/env node
/**
 * `fauxcloud` / `npm start`: start the server with the settings from flags and env.
 * `fauxcloud validate FILE…`: check scenario files (exit 2 with line, field and reason).
 * `fauxcloud schema`: print the JSON Schema of scenario files.
 * `fauxcloud env <cloud|proxy> [--url …]`: a running server's connection settings as `export` lines.
 * `fauxcloud config <component>|--list [--url …] [--out DIR]`: an upstream component's ready config files.
 */
import { allClouds } from '../clouds/index.js';
import { resolveSettings, SettingsError } from './config.js';
import { configCommand } from './config-command.js';
import { envCommand } from './env-command.js';
import { StateFileError } from './persistence.js';
import { loadScenarioFile, ScenarioError } from './scenario.js';
import { scenarioJsonSchema } from './scenario-schema.js';
import { offlineEngine, startServer } from './server.js';

async function validate(files: string[]): Promise<number> {
  if (files.length === 0) {
    process.stderr.write('usage: fauxcloud validate FILE [FILE…]\n');
    return 2;
  }
  const { engine, close } = await offlineEngine(allClouds);
  let bad = 0;
  for (const file of files) {
    try {
      const s = loadScenarioFile(file, engine);
      // Applying the seed proves it builds, not only that it parses.
      engine.loadScenario(s);
      process.stdout.write(`${file}: ok (${s.name}: ${Object.keys(s.seed).join(', ') || 'no'} seed, ${s.faults.length} fault rules)\n`);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      bad++;
      process.stderr.write(`${e.message}\n`);
    }
  }
  await close();
  return bad === 0 ? 0 : 2;
}

async function schema(): Promise<number> {
  const { engine, close } = await offlineEngine(allClouds);
  process.stdout.write(`${JSON.stringify(scenarioJsonSchema(engine), null, 2)}\n`);
  await close();
  return 0;
}

async function serve(argv: string[]): Promise<void> {
  let settings;
  try {
    settings = resolveSettings(argv, process.env);
  } catch (e) {
    process.stderr.write(`fauxcloud: ${(e as Error).message}\n`);
    process.exit(2);
  }
  try {
    const server = await startServer(settings, allClouds);
    if (server.stateMessage) process.stdout.write(`fauxcloud state: ${server.stateMessage}\n`);
    // One line, stable format: scripts and the Go harness parse it.
    process.stdout.write(`fauxcloud ready http=${server.httpUrl}${server.httpsUrl ? ` https=${server.httpsUrl}` : ''}\n`);
    // SIGTERM / SIGINT: stop listening, write the state file, exit 0. A second signal exits at once.
    let stopping = false;
    const stop = () => {
      if (stopping) process.exit(130);
      stopping = true;
      server.close().then(
        () => process.exit(0),
        (e: unknown) => {
          process.stderr.write(`fauxcloud: shutdown failed: ${(e as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof SettingsError) {
      process.stderr.write(`fauxcloud: ${e.message}\n`);
      process.exit(2);
    }
    if (e instanceof StateFileError) {
      process.stderr.write(`fauxcloud: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    throw e;
  }
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'validate') validate(rest).then((code) => process.exit(code));
else if (command === 'schema') schema().then((code) => process.exit(code));
else if (command === 'env' || command === 'config') {
  const io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t), fetch, env: process.env };
  (command === 'env' ? envCommand(rest, io) : configCommand(rest, io)).then((code) => process.exit(code));
}
else void serve(process.argv.slice(2));
