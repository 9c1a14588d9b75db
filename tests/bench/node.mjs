// The parser workloads in Node: tidings' createParser (the built npm package) vs
// eventsource-parser with a streaming TextDecoder. Prints one JSON document on stdout.
//
//   node tests/bench/node.mjs [--smoke] [--runs N]
import { createParser as espCreateParser } from 'eventsource-parser';
import { createParser as tidingsCreateParser, init } from '../../npm/dist/index.js';
import { parserRunners, runParserBench } from './parsers.mjs';
import { split, workloads } from './workloads.mjs';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : smoke ? 1 : 5;

await init();
const rows = runParserBench(parserRunners({ tidingsCreateParser, espCreateParser }), workloads({ smoke }), split, { runs });
process.stdout.write(`${JSON.stringify({ node: process.version, runs, rows }, null, 1)}\n`);
