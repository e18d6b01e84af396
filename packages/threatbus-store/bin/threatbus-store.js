#!/usr/bin/env node
'use strict';
// The `threatbus-store` command. It is a committed file so that npm links it at install time,
// before `tsc -b` has produced dist/.
require('../dist/cli/main.js').runCli();
