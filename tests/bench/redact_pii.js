// redact_pii.js - throughput of the npm package redact-pii on the bench text.
//
//   node tests/bench/redact_pii.js TEXT_FILE [MAX_MB]
//
// TEXT_FILE holds the decoded text bodies written by gen_corpus.py, one
// form feed line between messages.  Each message's text is redacted with
// redact-pii's SyncRedactor (default patterns), as a user of that package
// would; at most MAX_MB (default 16) megabytes are used, since the package
// is slow.  Prints one line: "redact-pii: N MB in S s = X MB/s, N items".
// redact-pii is looked up in build/bench/node_modules (npm install there).
'use strict';
const fs = require('fs');
const path = require('path');

const repo = path.resolve(__dirname, '..', '..');
const { SyncRedactor } = require(path.join(repo, 'build', 'bench', 'node_modules', 'redact-pii'));

const file = process.argv[2];
const maxBytes = Math.round(parseFloat(process.argv[3] || '16') * 1e6);
const all = fs.readFileSync(file, 'utf8').split('\f\n');
const texts = [];
let bytes = 0;
for (const t of all) {
	if (bytes >= maxBytes) break;
	texts.push(t);
	bytes += Buffer.byteLength(t);
}

const redactor = new SyncRedactor();
const t0 = process.hrtime.bigint();
let outBytes = 0;
for (const t of texts) outBytes += redactor.redact(t).length;
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`redact-pii: ${(bytes / 1e6).toFixed(1)} MB of text, ${texts.length} messages in ` +
	`${secs.toFixed(2)} s = ${(bytes / 1e6 / secs).toFixed(1)} MB/s (output ${outBytes} chars)`);
