// Usage: node ws-bomb.mjs PORT SESSION_TOKEN  (a gateway on 127.0.0.1:PORT; TOKENLANE_TRANSPORTS_COMPRESSION=true to
// let it negotiate permessage-deflate). Issue 10: this one frame used to hold an event loop for 16-55 s.
// Sends one permessage-deflate text frame that inflates to 40 MB and measures the close and /livez meanwhile.
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import net from 'node:net';
import http from 'node:http';
const port = Number(process.argv[2]);
const token = process.argv[3];
const raw = zlib.deflateRawSync(Buffer.alloc(40 * 1024 * 1024, 'a'), { level: 9 });
const payload = raw.subarray(0, raw.length); // permessage-deflate: raw deflate, trailing 00 00 ff ff optional
const sock = net.connect(port, '127.0.0.1');
let buf = Buffer.alloc(0); let upgraded = false; let sentAt = 0;
sock.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  if (!upgraded) {
    const i = buf.indexOf('\r\n\r\n'); if (i < 0) return;
    const head = buf.subarray(0, i).toString(); buf = buf.subarray(i + 4); upgraded = true;
    console.log('upgrade:', head.split('\r\n')[0], '| ext:', (head.match(/sec-websocket-extensions:[^\r]*/i) || ['none'])[0]);
    // one masked text frame, RSV1 set (compressed)
    const len = payload.length; const mask = Buffer.from([1, 2, 3, 4]);
    const header = len < 65536 ? Buffer.from([0xc1, 0x80 | 126, len >> 8, len & 255]) : (() => { const h = Buffer.alloc(10); h[0] = 0xc1; h[1] = 0x80 | 127; h.writeBigUInt64BE(BigInt(len), 2); return h; })();
    const body = Buffer.from(payload); for (let k = 0; k < body.length; k++) body[k] ^= mask[k & 3];
    sentAt = Date.now(); sock.write(Buffer.concat([header, mask, body]));
    console.log('sent', len, 'bytes compressed');
    probe();
  }
  // look for a close frame
  for (let p = 0; p + 2 <= buf.length;) {
    const op = buf[p] & 15; let l = buf[p + 1] & 127; let off = 2;
    if (l === 126) { l = buf.readUInt16BE(p + 2); off = 4; }
    if (p + off + l > buf.length) break;
    if (op === 8) { console.log('close', buf.readUInt16BE(p + off), buf.subarray(p + off + 2, p + off + l).toString(), 'after', Date.now() - sentAt, 'ms'); }
    p += off + l; buf = buf.subarray(p); p = 0;
  }
});
sock.on('close', () => { console.log('tcp closed after', Date.now() - sentAt, 'ms'); setTimeout(() => process.exit(0), 300); });
let worst = 0;
function probe() {
  const t = Date.now();
  http.get({ port, host: '127.0.0.1', path: '/livez', agent: false }, (r) => { r.resume(); r.on('end', () => { worst = Math.max(worst, Date.now() - t); console.log('livez', Date.now() - t, 'ms (worst', worst, ')'); }); });
}
for (let i = 1; i <= 6; i++) setTimeout(probe, i * 100);
sock.write(`GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n`);
