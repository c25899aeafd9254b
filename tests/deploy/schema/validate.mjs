// node validate.mjs STREAM.yaml...: validates every document of each
// rendered YAML stream (schema.mjs) and prints one line per problem, then
// "chart schema: N passed, N failed" over the documents. A stream without a
// document fails too.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { validateStream } from "./schema.mjs";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs STREAM.yaml...");
  process.exit(2);
}
let passed = 0;
let failed = 0;
for (const file of files) {
  const results = await validateStream(await readFile(file, "utf8"));
  const bad = results.filter((r) => r.problems.length > 0);
  console.log(`${basename(file)}: ${results.length} documents, ${bad.length} with problems`);
  if (results.length === 0) {
    console.log(`FAIL: ${file}: no document`);
    failed++;
  }
  for (const r of bad) {
    for (const p of r.problems) console.log(`FAIL: ${basename(file)}: ${r.name} (${r.source || "no Source line"}): ${p}`);
  }
  passed += results.length - bad.length;
  failed += bad.length;
}
console.log(`chart schema: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
