// Inside the test namespace: one keep-alive request, then idle until the server closes.
// Prints the idle time in ms. Usage: node idle-client.mjs <http|https> <port>
import net from 'node:net';
import tls from 'node:tls';

const [scheme, port] = process.argv.slice(2);
const opts = { host: '127.0.0.1', port: Number(port) };
const socket = scheme === 'https' ? tls.connect({ ...opts, rejectUnauthorized: false }) : net.connect(opts);
let answeredAt;
socket.on(scheme === 'https' ? 'secureConnect' : 'connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n'));
socket.on('data', (d) => {
  if (answeredAt === undefined && d.toString().startsWith('HTTP/1.1 200')) answeredAt = performance.now();
});
socket.on('error', () => undefined);
socket.on('close', () => {
  process.stdout.write(`${answeredAt === undefined ? -1 : Math.round(performance.now() - answeredAt)}\n`);
});
