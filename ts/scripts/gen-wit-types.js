#!/usr/bin/env node
// Generates ts/types/wit/*.d.ts from wit/ with jco's guest-types, so the library is type-checked
// against the contract itself. jco's CLI reads WIT through preview2-shim, which since 0.26 has
// no default '/' preopen: grant it before loading the CLI.
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

_setPreopens({ '/': '/' });
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
// The CLI entry is not in jco's exports map; its API entry sits beside it.
const jco = fileURLToPath(new URL('jco.js', import.meta.resolve('@bytecodealliance/jco')));
// The package carries the WIT too (ts/wit), for ioring-build once installed.
rmSync(here('../wit'), { recursive: true, force: true });
cpSync(here('../../wit'), here('../wit'), { recursive: true });
process.argv = [process.argv[0], jco, 'guest-types', here('../../wit'), '--world-name', 'ioring:ring/app', '-o', here('../types/wit'), '-q'];
await import(jco);
