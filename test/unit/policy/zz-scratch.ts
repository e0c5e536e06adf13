import { parsePolicyYaml } from '../../../src/policy/policy-file.loader';
import { evaluatePolicy } from '../../../src/policy/policy.evaluator';
let t = 'default: {allow: false}\nusers:\n';
for (let i = 0; i < 100000; i++) t += `  user${i}: { allow: true, routes: ["10.10.0.0/16"], dns_servers: ["10.10.0.53"] }\n`;
console.log('bytes', t.length);
let s = Date.now();
const p = parsePolicyYaml(t, 'x');
console.log('ms', Date.now() - s, p.users.size, process.memoryUsage().heapUsed / 1e6);
s = Date.now();
for (let i = 0; i < 1e6; i++) evaluatePolicy(p, { username: 'user' + (i % 200000), groupname: 'g' });
console.log('eval 1e6 ms', Date.now() - s);
try { parsePolicyYaml('users: [1]\ngroups:\n  g: 5\n', 'x'); } catch (e) { console.log((e as Error).message); }
