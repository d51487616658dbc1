// Runs the graphql-http audit suite against a GraphQL-over-HTTP endpoint and exits non-zero when a
// MUST or SHOULD audit does not pass. Usage: node audit.mjs http://127.0.0.1:PORT/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
let failed = 0;
for (const r of results) {
  const required = r.name.startsWith('MUST') || r.name.startsWith('SHOULD');
  if (r.status !== 'ok') {
    console.log(`${r.status}\t${r.id}\t${r.name}: ${r.reason}`);
    if (required) failed++;
  }
}
console.log(`${results.length} audits, ${results.filter((r) => r.status === 'ok').length} ok, ${failed} MUST/SHOULD failed`);
process.exit(failed ? 1 : 0);
