// Validates docs/asyncapi.yaml with the official AsyncAPI parser (what
// `asyncapi validate` uses). Usage: node asyncapi-validate.mjs FILE
// Exit 0 when valid; prints every error or warning otherwise.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const file = process.argv[2];
const parser = new Parser();
const { document, diagnostics } = await parser.parse(readFileSync(file, "utf8"));
// Severity 0 is an error, 1 a warning; both must be fixed.
const problems = diagnostics.filter((d) => d.severity <= 1);
for (const d of problems) {
  console.log(`${d.severity === 0 ? "error" : "warning"}: ${d.code}: ${d.message} at ${d.path.join(".")}`);
}
if (!document || problems.some((d) => d.severity === 0)) {
  process.exit(1);
}
console.log(`valid: ${document.info().title()} ${document.info().version()}, ` +
  `${document.messages().length} messages`);
process.exit(problems.length ? 1 : 0);
