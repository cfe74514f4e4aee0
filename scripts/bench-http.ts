// The bench's open-loop sender: HTTP/1.1 requests written straight to keep-alive sockets, one in
// flight per socket, and their answers read with a small response parser (status line, headers,
// a Content-Length or chunked body). The paced runs send hundreds of requests a second on the
// same two cores as the system they measure: through Node's http client (a ClientRequest, an
// IncomingMessage and the agent's bookkeeping per request) the sender used 0.2–0.24 of a core
// at 80% of the one-per-request peak, a sixth of all the CPU a payment cost there.
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** The response's status, or 'error' (the connection failed, closed or timed out before the answer). */
  status: number | 'error';
  body: string;
}

export interface RawRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Pending {
  request: Buffer;
  done: (answer: RawAnswer) => void;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** Keep-alive connections to one origin (host:port), each with one request in flight at a time. */
export class RawHttpPool {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();

  constructor(
    private readonly url: URL,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Sends a request on an idle connection (a new one when none is idle); resolves with its answer. */
  send(request: RawRequest): Promise<RawAnswer> {
    return new Promise((done) => this.sendRaw({ request: this.encode(request), done }));
  }

  /** Open connections now, `count` of them, each carrying `request` once (as a client that sends all day has them open). */
  async open(count: number, request: RawRequest): Promise<void> {
    const connections = Array.from({ length: count }, () => this.connection());
    await Promise.all(connections.map((connection) => new Promise<RawAnswer>((done) => connection.send({ request: this.encode(request), done }))));
  }

  close(): void {
    for (const connection of this.all) connection.destroy();
    this.all.clear();
    this.idle.length = 0;
  }

  get connections(): number {
    return this.all.size;
  }

  private sendRaw(pending: Pending): void {
    const connection = this.idle.pop() ?? this.connection();
    connection.send(pending);
  }

  private connection(): Connection {
    const connection = new Connection(this.url, this.timeoutMs, (released, reusable) => {
      if (reusable) {
        this.idle.push(released);
        return;
      }
      this.all.delete(released);
      // An idle connection the server closed is not handed out again.
      const position = this.idle.indexOf(released);
      if (position >= 0) this.idle.splice(position, 1);
    });
    this.all.add(connection);
    return connection;
  }

  private encode({ method, path, headers, body }: RawRequest): Buffer {
    const payload = body === undefined ? undefined : Buffer.from(body);
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.url.host}\r\nConnection: keep-alive\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    if (payload) head += `Content-Length: ${payload.length}\r\n`;
    head += '\r\n';
    return payload ? Buffer.concat([Buffer.from(head), payload]) : Buffer.from(head);
  }
}

/** One socket; answers one request at a time, then is given back (or dropped when it cannot be reused). */
class Connection {
  private readonly socket: Socket;
  private current: Pending | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    url: URL,
    private readonly timeoutMs: number,
    private readonly release: (connection: Connection, reusable: boolean) => void,
  ) {
    this.socket = connect({ host: url.hostname, port: Number(url.port || 80) });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => this.fail());
    this.socket.on('close', () => this.fail());
  }

  send(pending: Pending): void {
    if (this.closed) {
      pending.done({ status: 'error', body: '' });
      return;
    }
    this.current = pending;
    this.timer = setTimeout(() => this.fail(), this.timeoutMs);
    this.socket.write(pending.request);
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (!this.current) {
      // Nothing asked on this connection: bytes now are not an answer to anything.
      this.fail();
      return;
    }
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let parsed: ReturnType<typeof parseResponse>;
    try {
      parsed = parseResponse(this.buffered);
    } catch {
      this.fail();
      return;
    }
    if (!parsed) return;
    const pending = this.current;
    this.current = undefined;
    clearTimeout(this.timer);
    this.buffered = Buffer.alloc(0);
    const reusable = !parsed.close && !this.closed;
    if (!reusable) this.destroy();
    this.release(this, reusable);
    pending?.done({ status: parsed.status, body: parsed.body });
  }

  private fail(): void {
    if (this.closed && !this.current) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.socket.destroy();
    const pending = this.current;
    this.current = undefined;
    this.release(this, false);
    pending?.done({ status: 'error', body: '' });
  }
}

/**
 * A whole HTTP/1.1 response at the start of `data`: its status, body and whether the server closes
 * the connection after it; undefined while it is incomplete. Enough for the services' answers (a
 * length or chunks without trailers); a malformed chunk size throws.
 */
export function parseResponse(data: Buffer): { status: number; body: string; close: boolean } | undefined {
  const headerEnd = data.indexOf(HEADER_END);
  if (headerEnd < 0) return undefined;
  const lines = data.subarray(0, headerEnd).toString('latin1').split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  let contentLength: number | undefined;
  let chunked = false;
  let close = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim().toLowerCase();
    if (name === 'content-length') contentLength = Number(value);
    else if (name === 'transfer-encoding') chunked = value.includes('chunked');
    else if (name === 'connection') close = value === 'close';
  }
  const bodyStart = headerEnd + HEADER_END.length;
  if (chunked) {
    const parts: Buffer[] = [];
    let position = bodyStart;
    for (;;) {
      const lineEnd = data.indexOf(CRLF, position);
      if (lineEnd < 0) return undefined;
      const size = Number.parseInt(data.subarray(position, lineEnd).toString('latin1'), 16);
      if (!Number.isFinite(size) || size < 0) throw new Error('a malformed chunk size');
      if (size === 0) {
        // The last chunk, then (no trailers here) the final CRLF.
        if (data.length < lineEnd + 4) return undefined;
        return { status, body: Buffer.concat(parts).toString('utf8'), close };
      }
      const chunkStart = lineEnd + CRLF.length;
      if (data.length < chunkStart + size + CRLF.length) return undefined;
      parts.push(data.subarray(chunkStart, chunkStart + size));
      position = chunkStart + size + CRLF.length;
    }
  }
  const length = contentLength ?? 0;
  if (data.length < bodyStart + length) return undefined;
  return { status, body: data.subarray(bodyStart, bodyStart + length).toString('utf8'), close };
}
