// The bench's open-loop sender (scripts/bench-http.ts) against a real Node HTTP server: answers with
// a length or in chunks, connections reused, a connection the server closes not handed out again,
// a request with no answer timed out.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RawHttpPool, parseResponse } from '../scripts/bench-http.js';

let server: Server;
let url: URL;
const seen: Array<{ method: string; path: string; body: string; key: string | undefined; remotePort: number }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ method: request.method!, path: request.url!, body: Buffer.concat(chunks).toString('utf8'), key: request.headers['idempotency-key'] as string | undefined, remotePort: request.socket.remotePort! });
      if (request.url === '/silent') return; // never answered
      if (request.url === '/chunked') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"results":');
        response.end('[{"status":201},{"status":422}]}');
        return;
      }
      if (request.url === '/close') {
        response.writeHead(503, { connection: 'close', 'content-type': 'application/json' });
        response.end('{"code":"X"}');
        return;
      }
      const body = JSON.stringify({ echoed: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(request.method === 'POST' ? 201 : 404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

it('sends the request as given and reads a Content-Length answer; the connection is reused', async () => {
  const pool = new RawHttpPool(url);
  const first = await pool.send({ method: 'POST', path: '/v1/payments', headers: { 'Idempotency-Key': 'k-1', 'Content-Type': 'application/json' }, body: '{"amount":"1€"}' });
  const second = await pool.send({ method: 'POST', path: '/v1/payments', headers: { 'Idempotency-Key': 'k-2' }, body: '{}' });
  expect(first).toEqual({ status: 201, body: JSON.stringify({ echoed: '{"amount":"1€"}' }) });
  expect(second.status).toBe(201);
  const [a, b] = seen.slice(-2);
  expect([a.key, b.key]).toEqual(['k-1', 'k-2']);
  expect(a.remotePort).toBe(b.remotePort);
  expect(pool.connections).toBe(1);
  pool.close();
});

it('reads a chunked answer', async () => {
  const pool = new RawHttpPool(url);
  expect(await pool.send({ method: 'POST', path: '/chunked', headers: {}, body: '{}' })).toEqual({ status: 200, body: '{"results":[{"status":201},{"status":422}]}' });
  pool.close();
});

it('opens connections ahead, each carrying one request', async () => {
  const pool = new RawHttpPool(url);
  const before = seen.length;
  await pool.open(5, { method: 'GET', path: '/probe', headers: {} });
  expect(pool.connections).toBe(5);
  expect(new Set(seen.slice(before).map((request) => request.remotePort)).size).toBe(5);
  pool.close();
});

it('does not hand out again a connection the server closes, after an answer or while idle', async () => {
  const pool = new RawHttpPool(url);
  expect((await pool.send({ method: 'POST', path: '/close', headers: {}, body: '{}' })).status).toBe(503);
  expect((await pool.send({ method: 'POST', path: '/v1/payments', headers: {}, body: '{}' })).status).toBe(201);
  server.closeIdleConnections();
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect((await pool.send({ method: 'POST', path: '/v1/payments', headers: {}, body: '{}' })).status).toBe(201);
  expect(pool.connections).toBe(1);
  pool.close();
});

it('answers error when no answer comes within the timeout', async () => {
  const pool = new RawHttpPool(url, 200);
  expect(await pool.send({ method: 'POST', path: '/silent', headers: {}, body: '{}' })).toEqual({ status: 'error', body: '' });
  expect(pool.connections).toBe(0);
  pool.close();
});

it('parses nothing until a response is whole', () => {
  const whole = Buffer.from('HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nbody');
  expect(parseResponse(whole.subarray(0, 20))).toBeUndefined();
  expect(parseResponse(whole.subarray(0, whole.length - 1))).toBeUndefined();
  expect(parseResponse(whole)).toEqual({ status: 201, body: 'body', close: false });
  const chunked = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n');
  expect(parseResponse(chunked.subarray(0, chunked.length - 2))).toBeUndefined();
  expect(parseResponse(chunked)).toEqual({ status: 200, body: 'abc', close: true });
});

it('refuses a malformed chunk size rather than reading on', () => {
  expect(() => parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n'))).toThrow('a malformed chunk size');
});
