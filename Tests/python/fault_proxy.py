"""A fault-injecting TCP proxy for the multi-host test (issue 15 item 5), stdlib only.

`tc netem` does not work on the build machines, so the faults a WAN brings are made here, in
user space, between the nodes: each route listens on one address and forwards every
connection it accepts to one upstream address, and each direction of each connection goes
through a pipe that can

- **delay** every chunk it reads by a fixed latency plus a uniform jitter in
  [-jitter, +jitter] (never below zero). Byte order is kept: a chunk is never delivered
  before the one read before it, so a chunk whose own delay would end sooner waits for its
  predecessor (as segments do behind a slow one in a TCP stream).
- **lose** a chunk, as TCP makes of a lost segment. A byte stream cannot lose bytes: the
  kernel retransmits them, and what the application sees is a stall. So with probability
  `loss` a chunk is *held back* for a retransmission timeout (`rto_ms`, 200 ms by default,
  like Linux's minimum RTO) before it and everything behind it flow; each retransmission is
  lost again with the same probability and the timeout doubles each time (exponential
  backoff), up to `max_retransmits` losses. A chunk lost k times waits rto * (2^k - 1) on
  top of its delay. Nothing is dropped or duplicated: the stream stays intact, only late.
- **reset** the connection with probability `reset` per chunk: both sides are closed at
  once with an RST (SO_LINGER 0) and whatever the proxy held is discarded, as when a
  middlebox drops the connection's state.
- **corrupt** a chunk with probability `corrupt`: one byte of it is XORed with a random
  non-zero value. An authenticated session cipher must notice and drop the connection; the
  endpoint must not crash.

A chunk is what one read from the source socket returns (at most `chunk_bytes`), so the
faults act per read, roughly per TCP segment burst, not per byte.

Bounded: at most `max_connections` connections at once (more are accepted and closed at
once, and counted as refused), and each direction queues at most `buffer_bytes` bytes read
but not yet written; when that is full the pipe stops reading from its source, so the
kernel's receive window fills and the sender blocks (back-pressure, never an unbounded
queue). Around that queue only asyncio's small buffers hold data: the stream reader's (it
stops reading the socket above 2 * `chunk_bytes`) and the destination's write buffer (the
writer waits above `chunk_bytes`), so a direction holds at most `buffer_bytes` plus a few
chunks.

Faults can be changed at run time (`set_faults`) from any thread: they apply to every chunk
read from then on (chunks already waiting keep their delivery time). Counters (`counters`)
say what really happened (chunks delayed, held back, resets, corruptions, bytes), so a test
can check its faults fired.

The proxy runs its own asyncio event loop in a daemon thread; `FaultProxy` is a context
manager and `stop` closes every listener and connection and joins the thread, with a timeout.

    with FaultProxy(seed=7) as proxy:
        port = proxy.add_route(("127.0.0.1", 0), ("127.0.0.1", 26600))
        proxy.set_faults(port, delay_ms=40, jitter_ms=20, loss=0.05)
        ...
        assert proxy.counters(port)["held_back"] > 0
"""
import asyncio
import collections
import dataclasses
import random
import socket
import struct
import threading
import time

UP, DOWN = "up", "down"   # client -> upstream, upstream -> client


@dataclasses.dataclass(frozen=True)
class Faults:
    """What one direction of a route does to each chunk it reads."""
    delay_ms: float = 0.0        # fixed latency per chunk
    jitter_ms: float = 0.0       # plus uniform in [-jitter, +jitter], never below zero in total
    loss: float = 0.0            # probability a chunk is held back for a retransmission timeout
    rto_ms: float = 200.0        # first retransmission timeout; doubles per further loss
    max_retransmits: int = 3     # a chunk is lost at most this many times in a row
    reset: float = 0.0           # probability per chunk that the connection is cut (RST both ways)
    corrupt: float = 0.0         # probability per chunk that one byte of it is flipped

    def __post_init__(self):
        for name in ("loss", "reset", "corrupt"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} is a probability: {getattr(self, name)}")
        if self.delay_ms < 0 or self.jitter_ms < 0 or self.rto_ms < 0 or self.max_retransmits < 0:
            raise ValueError("delays and counts are not negative")


COUNTERS = ("connections", "refused", "upstream_failures", "chunks", "delayed", "held_back",
            "held_back_ms", "resets", "corruptions", "bytes_up", "bytes_down", "stalls",
            "peak_buffered")


class _Route:
    def __init__(self, upstream):
        self.upstream = upstream
        self.faults = {UP: Faults(), DOWN: Faults()}
        self.counters = dict.fromkeys(COUNTERS, 0)
        self.server = None


class _Connection:
    """One accepted connection and its upstream: two pipes; either may cut both."""

    def __init__(self, proxy, route, client, upstream):
        self.proxy, self.route = proxy, route
        self.sides = (client, upstream)   # (reader, writer) pairs
        self.closed = False
        self.tasks = []

    def cut(self, reset):
        if self.closed:
            return
        self.closed = True
        for _, writer in self.sides:
            sock = writer.get_extra_info("socket")
            if reset and sock is not None:
                try:   # close with an RST, not a FIN: the connection's state is gone
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                except OSError:
                    pass
            writer.transport.abort()
        current = asyncio.current_task()
        for task in self.tasks:
            if task is not current:
                task.cancel()


class _Pipe:
    """One direction: a reader task that stamps each chunk with its delivery time into a
    bounded queue, and a writer task that delivers the chunks in order at those times."""

    def __init__(self, connection, direction, source, destination):
        self.connection, self.direction = connection, direction
        self.route, self.proxy = connection.route, connection.proxy
        self.source, self.destination = source, destination
        self.queue = collections.deque()   # (due, bytes or None for end of stream)
        self.buffered = 0
        self.last_due = 0.0
        self.space = asyncio.Event()
        self.ready = asyncio.Event()
        self.space.set()

    def count(self, name, by=1):
        self.route.counters[name] += by

    async def read(self):
        limit, rng, counters = self.proxy.buffer_bytes, self.proxy.random, self.route.counters
        loop = asyncio.get_running_loop()
        while True:
            while self.buffered >= limit:        # full: stop reading (back-pressure)
                self.count("stalls")
                self.space.clear()
                await self.space.wait()
            data = await self.source.read(min(self.proxy.chunk_bytes, limit - self.buffered))
            if not data:
                self.enqueue(self.last_due, None)
                return
            faults = self.route.faults[self.direction]
            self.count("chunks")
            self.count("bytes_" + self.direction, len(data))
            if faults.reset and rng.random() < faults.reset:
                self.count("resets")
                self.connection.cut(reset=True)
                return
            if faults.corrupt and rng.random() < faults.corrupt:
                self.count("corruptions")
                data = bytearray(data)
                data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
                data = bytes(data)
            delay = faults.delay_ms
            if faults.jitter_ms:
                delay = max(0.0, delay + rng.uniform(-faults.jitter_ms, faults.jitter_ms))
            if delay > 0:
                self.count("delayed")
            if faults.loss:
                timeout, held = faults.rto_ms, 0.0
                for _ in range(faults.max_retransmits):
                    if rng.random() >= faults.loss:
                        break
                    held += timeout
                    timeout *= 2
                if held:
                    self.count("held_back")
                    self.count("held_back_ms", int(held))
                    delay += held
            due = max(loop.time() + delay / 1000.0, self.last_due)
            self.enqueue(due, data)
            counters["peak_buffered"] = max(counters["peak_buffered"], self.buffered)

    def enqueue(self, due, data):
        self.last_due = due
        self.queue.append((due, data))
        if data:
            self.buffered += len(data)
        self.ready.set()

    async def write(self):
        loop = asyncio.get_running_loop()
        writer = self.destination
        while True:
            while not self.queue:
                self.ready.clear()
                await self.ready.wait()
            due, data = self.queue[0]
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:                     # end of stream: pass the FIN on
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()
            self.queue.popleft()
            self.buffered -= len(data)
            self.space.set()


class FaultProxy:
    """Routes (listen address -> upstream address) with faults per direction; see the
    module docstring. Every public method may be called from any thread."""

    def __init__(self, seed=None, max_connections=64, buffer_bytes=256 * 1024,
                 chunk_bytes=16 * 1024, connect_timeout=3.0):
        if buffer_bytes < 1 or chunk_bytes < 1 or max_connections < 1:
            raise ValueError("bounds are positive")
        self.random = random.Random(seed)
        self.max_connections = max_connections
        self.buffer_bytes = buffer_bytes
        self.chunk_bytes = chunk_bytes
        self.connect_timeout = connect_timeout
        self.routes = {}                  # listening port -> _Route
        self.connections = set()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fault-proxy", daemon=True)
        self.thread.start()

    # -- control, from any thread --------------------------------------------------------

    def call(self, coroutine, timeout=10.0):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def add_route(self, listen, upstream):
        """Listens on `listen` (host, port; port 0 picks one) and forwards to `upstream`
        (host, port). Returns the listening port."""
        return self.call(self._add_route(tuple(listen), tuple(upstream)))

    def set_faults(self, port=None, direction=None, **faults):
        """Replaces the faults of one route (or every route when `port` is None), in one
        direction (UP or DOWN) or both; unnamed fields take Faults' defaults (no fault)."""
        value = Faults(**faults)
        for route in self._routes(port):
            for way in ((direction,) if direction else (UP, DOWN)):
                route.faults[way] = value   # one reference swap: safe across threads

    def clear_faults(self, port=None):
        self.set_faults(port)

    def counters(self, port=None):
        """A copy of one route's counters, or their sum over every route (peak_buffered:
        the largest)."""
        total = dict.fromkeys(COUNTERS, 0)
        for route in self._routes(port):
            for name, value in dict(route.counters).items():
                total[name] = max(total[name], value) if name == "peak_buffered" else total[name] + value
        return total

    def open_connections(self):
        return len(self.connections)

    def stop(self, timeout=10.0):
        """Closes every listener and connection and ends the loop's thread."""
        if not self.loop.is_closed() and self.thread.is_alive():
            try:
                self.call(self._shutdown(), timeout)
            finally:
                self.loop.call_soon_threadsafe(self.loop.stop)
                self.thread.join(timeout)
        if not self.thread.is_alive() and not self.loop.is_closed():
            self.loop.close()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()

    def _routes(self, port):
        return list(self.routes.values()) if port is None else [self.routes[port]]

    # -- the loop's side -----------------------------------------------------------------

    async def _add_route(self, listen, upstream):
        route = _Route(upstream)
        route.server = await asyncio.start_server(
            lambda r, w: self._accept(route, r, w), listen[0], listen[1],
            reuse_address=True, limit=self.chunk_bytes)
        port = route.server.sockets[0].getsockname()[1]
        self.routes[port] = route
        return port

    async def _accept(self, route, client_reader, client_writer):
        if len(self.connections) >= self.max_connections:
            route.counters["refused"] += 1
            client_writer.transport.abort()
            return
        route.counters["connections"] += 1
        placeholder = object()   # counts against the limit while the upstream is dialled
        self.connections.add(placeholder)
        try:
            upstream_reader, upstream_writer = await asyncio.wait_for(
                asyncio.open_connection(*route.upstream, limit=self.chunk_bytes),
                self.connect_timeout)
        except (OSError, asyncio.TimeoutError):
            route.counters["upstream_failures"] += 1
            client_writer.transport.abort()
            return
        finally:
            self.connections.discard(placeholder)
        connection = _Connection(self, route, (client_reader, client_writer),
                                 (upstream_reader, upstream_writer))
        self.connections.add(connection)
        for writer in (client_writer, upstream_writer):
            writer.transport.set_write_buffer_limits(high=self.chunk_bytes)
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pipes = (_Pipe(connection, UP, client_reader, upstream_writer),
                 _Pipe(connection, DOWN, upstream_reader, client_writer))
        connection.tasks = [asyncio.create_task(coroutine)
                            for pipe in pipes for coroutine in (pipe.read(), pipe.write())]
        try:
            # Both directions done (each delivered its FIN), or either failed: then cut.
            done, _ = await asyncio.wait(connection.tasks, return_when=asyncio.FIRST_EXCEPTION)
            failed = any(not t.cancelled() and t.exception() is not None for t in done)
            connection.cut(reset=failed)
        except asyncio.CancelledError:
            connection.cut(reset=True)
            raise
        finally:
            for task in connection.tasks:
                if not task.done():
                    task.cancel()
            await asyncio.gather(*connection.tasks, return_exceptions=True)
            self.connections.discard(connection)

    async def _shutdown(self):
        for route in self.routes.values():
            route.server.close()
        for connection in list(self.connections):
            if isinstance(connection, _Connection):
                connection.cut(reset=True)
        deadline = time.monotonic() + 5
        while self.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
