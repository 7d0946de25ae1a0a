#!/usr/bin/env node
// `npm run cli -- <command>`: administrative commands, run from the compiled code.
require('./ensure-build')();
require('../dist/apps/cli/src/main.js');
