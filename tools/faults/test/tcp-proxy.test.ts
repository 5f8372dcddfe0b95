import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpFaultProxy } from '../tcp-proxy.js';

/** An echo server: the target behind the proxy. */
async function startEcho(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client that records what it receives and how it ended. */
function connect(port: number): {
  socket: net.Socket;
  received: () => string;
  error: () => NodeJS.ErrnoException | null;
  closed: () => boolean;
  connected: Promise<void>;
} {
  const socket = net.connect({ host: '127.0.0.1', port });
  let data = '';
  let error: NodeJS.ErrnoException | null = null;
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (data += chunk));
  socket.on('error', (e) => (error = e));
  socket.on('close', () => (closed = true));
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  // Only tests that await `connected` care how it settles; the others assert on error() instead.
  connected.catch(() => undefined);
  return { socket, received: () => data, error: () => error, closed: () => closed, connected };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

describe('TcpFaultProxy', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(): Promise<TcpFaultProxy> {
    const echo = await startEcho();
    cleanups.push(echo.close);
    const proxy = await TcpFaultProxy.start({ targetHost: '127.0.0.1', targetPort: echo.port });
    cleanups.push(() => proxy.close());
    return proxy;
  }

  it('forwards bytes both ways and counts them', async () => {
    const proxy = await setup();
    const client = connect(proxy.port);
    cleanups.push(async () => void client.socket.destroy());
    client.socket.write('hello');
    await until(() => client.received() === 'hello', 'echo');
    expect(proxy.stats()).toMatchObject({ accepted: 1, active: 1, held: 0, bytesUp: 5, bytesDown: 5 });
  });

  it('reset() sends a TCP reset to every open connection', async () => {
    const proxy = await setup();
    const a = connect(proxy.port);
    const b = connect(proxy.port);
    a.socket.write('a');
    b.socket.write('b');
    await until(() => a.received() === 'a' && b.received() === 'b', 'both echoes');
    expect(proxy.reset()).toBe(2);
    await until(() => a.closed() && b.closed(), 'both closed');
    expect(a.error()?.code).toBe('ECONNRESET');
    expect(b.error()?.code).toBe('ECONNRESET');
    expect(proxy.stats()).toMatchObject({ reset: 2, active: 0 });
    // The proxy itself keeps working.
    const c = connect(proxy.port);
    cleanups.push(async () => void c.socket.destroy());
    c.socket.write('c');
    await until(() => c.received() === 'c', 'echo after reset');
  });

  it('pause() stops forwarding and holds new connections; resume() delivers what waited', async () => {
    const proxy = await setup();
    const open = connect(proxy.port);
    cleanups.push(async () => void open.socket.destroy());
    open.socket.write('1');
    await until(() => open.received() === '1', 'first echo');

    proxy.pause();
    open.socket.write('2');
    const held = connect(proxy.port);
    cleanups.push(async () => void held.socket.destroy());
    await held.connected; // a hung server still completes the TCP handshake
    held.socket.write('h');
    await until(() => proxy.stats().held === 1, 'held connection');
    // Absence can only be observed over a window; a slow machine makes this pass more easily, not less.
    await delay(200);
    expect(open.received()).toBe('1');
    expect(held.received()).toBe('');
    expect(proxy.stats().bytesUp).toBe(1);

    proxy.resume();
    await until(() => open.received() === '12' && held.received() === 'h', 'echoes after resume');
    expect(proxy.stats()).toMatchObject({ held: 0, active: 2 });
  });

  it('stall() stops the open connections only; new ones forward; resume() delivers what waited', async () => {
    const proxy = await setup();
    const open = connect(proxy.port);
    cleanups.push(async () => void open.socket.destroy());
    open.socket.write('1');
    await until(() => open.received() === '1', 'first echo');

    expect(proxy.stall()).toBe(1);
    open.socket.write('2');
    const fresh = connect(proxy.port);
    cleanups.push(async () => void fresh.socket.destroy());
    fresh.socket.write('f');
    await until(() => fresh.received() === 'f', 'a new connection forwards');
    expect(open.received()).toBe('1');

    proxy.resume();
    await until(() => open.received() === '12', 'the stalled connection after resume');
  });

  it('reset() also resets connections held while paused', async () => {
    const proxy = await setup();
    proxy.pause();
    const held = connect(proxy.port);
    await held.connected;
    await until(() => proxy.stats().held === 1, 'held connection');
    expect(proxy.reset()).toBe(1);
    await until(() => held.closed(), 'held closed');
    expect(held.error()?.code).toBe('ECONNRESET');
  });

  it('drop() resets new connections but keeps open ones; accept() restores', async () => {
    const proxy = await setup();
    const open = connect(proxy.port);
    cleanups.push(async () => void open.socket.destroy());
    open.socket.write('x');
    await until(() => open.received() === 'x', 'echo');

    proxy.drop();
    const dropped = connect(proxy.port);
    await until(() => dropped.closed(), 'dropped connection closed');
    expect(dropped.received()).toBe('');
    expect(proxy.stats().dropped).toBe(1);
    open.socket.write('y');
    await until(() => open.received() === 'xy', 'open connection still forwards');

    await proxy.accept();
    const again = connect(proxy.port);
    cleanups.push(async () => void again.socket.destroy());
    again.socket.write('z');
    await until(() => again.received() === 'z', 'echo after accept');
  });

  it('refuse() closes the port (ECONNREFUSED) and accept() reopens the same port; open connections keep working', async () => {
    const proxy = await setup();
    const port = proxy.port;
    const open = connect(port);
    cleanups.push(async () => void open.socket.destroy());
    open.socket.write('1');
    await until(() => open.received() === '1', 'echo before refuse');
    await proxy.refuse(); // returns although a connection is still open
    const refused = connect(port);
    await until(() => refused.closed(), 'refused');
    expect(refused.error()?.code).toBe('ECONNREFUSED');
    open.socket.write('2');
    await until(() => open.received() === '12', 'the open connection still forwards');

    await proxy.accept();
    expect(proxy.port).toBe(port);
    const again = connect(port);
    cleanups.push(async () => void again.socket.destroy());
    again.socket.write('ok');
    await until(() => again.received() === 'ok', 'echo after accept');
  });

  it('a target that is down resets the client and is counted', async () => {
    const echo = await startEcho();
    const port = echo.port;
    await echo.close();
    const proxy = await TcpFaultProxy.start({ targetHost: '127.0.0.1', targetPort: port });
    cleanups.push(() => proxy.close());
    const client = connect(proxy.port);
    await until(() => client.closed(), 'client closed');
    expect(proxy.stats().upstreamFailures).toBe(1);
  });
});
