#!/usr/bin/env node
// `npm start`: the chat sample on the local API Gateway, on PORT (default 3001), until Ctrl-C.
//
// The sample is TypeScript outside src/, so it needs compiling whether or not dist/ is built.
// esbuild bundles it together with lift-ws's own sources (tsconfig `paths` map 'lift-ws' to
// src/index.ts) in well under a second, on every start: no dist/ to build, nothing to go stale.
// It is also how template.yaml builds the Lambda (esbuild drops decorator metadata, which
// lift-ws does not need), so `npm start` runs the same code path as AWS. Dependencies stay
// external and load from node_modules.
'use strict';

const path = require('node:path');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'samples', 'chat', 'src', 'dev-server.ts');
// Inside the repository so that the bundle's require() calls find node_modules.
const outfile = path.join(root, '.tmp', 'start', 'chat-dev-server.js');

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

function portFromEnv() {
  const raw = process.env.PORT;
  if (raw === undefined || raw.trim() === '') return 3001;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`PORT must be a port number (0-65535), got "${raw}"`);
  }
  return port;
}

async function bundle() {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    fail('esbuild is missing: run `npm ci` first (it is a devDependency).');
  }
  try {
    await esbuild.build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      tsconfig: path.join(root, 'tsconfig.json'),
      sourcemap: 'inline',
      logLevel: 'silent',
    });
  } catch (error) {
    const details = (error.errors || []).map((e) => {
      const where = e.location ? `${e.location.file}:${e.location.line}: ` : '';
      return `  ${where}${e.text}`;
    });
    fail(`could not compile the chat sample:\n${details.join('\n') || error.message}`);
  }
}

async function main() {
  const port = portFromEnv();
  await bundle();
  // Stack traces point at the TypeScript sources.
  process.setSourceMapsEnabled(true);
  const { runChatDevServer } = require(outfile);
  try {
    await runChatDevServer({
      port,
      host: process.env.HOST || undefined,
      publicDir: path.join(root, 'samples', 'chat', 'public'),
    });
  } catch (error) {
    if (error && error.code === 'EADDRINUSE') {
      fail(`port ${port} is in use: stop what runs there or try PORT=3002 npm start`);
    }
    throw error;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
