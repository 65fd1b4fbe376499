"""The fault-injecting TCP proxy (fault_proxy.py) on loopback, no root needed: bytes arrive
intact and in order under delay, jitter and loss; delay is at least what was configured (a
lower bound only: timing above it depends on the machine); a reset cuts the connection; a
slow reader makes the proxy stop reading (its buffer bound holds); the connection limit
holds; the faults' counters show they fired."""
import hashlib
import os
import socket
import threading
import time

import pytest

from fault_proxy import DOWN, UP, FaultProxy

TIMEOUT = 20   # seconds any single socket operation here may take


class Upstream:
    """A loopback server run by a thread: `echo` sends back what it reads; `sink` reads
    nothing until `release` (then drains and hashes everything)."""

    def __init__(self, mode="echo", receive_buffer=None):
        self.mode = mode
        self.listener = socket.socket()
        if receive_buffer:
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(TIMEOUT)
        self.address = self.listener.getsockname()
        self.released = threading.Event()
        self.received = hashlib.sha256()
        self.received_bytes = 0
        self.done = threading.Event()
        self.threads = []
        self.stopping = False
        accept = threading.Thread(target=self.accept, daemon=True)
        accept.start()

    def accept(self):
        while not self.stopping:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            connection.settimeout(TIMEOUT)
            thread = threading.Thread(target=self.serve, args=(connection,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def serve(self, connection):
        with connection:
            try:
                if self.mode == "sink":
                    self.released.wait(TIMEOUT)
                while True:
                    data = connection.recv(65536)
                    if not data:
                        break
                    if self.mode == "echo":
                        connection.sendall(data)
                    else:
                        self.received.update(data)
                        self.received_bytes += len(data)
            except OSError:
                pass
            finally:
                self.done.set()

    def close(self):
        self.stopping = True
        self.released.set()
        self.listener.close()


@pytest.fixture
def proxy():
    with FaultProxy(seed=1515) as running:
        yield running
    assert not running.thread.is_alive(), "the proxy's thread did not end"


def dial(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    sock.settimeout(TIMEOUT)
    return sock


def receive_exactly(sock, count):
    parts, got = [], 0
    while got < count:
        data = sock.recv(min(65536, count - got))
        assert data, f"the connection closed after {got} of {count} bytes"
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def test_bytes_arrive_intact_and_in_order_under_delay_jitter_and_loss(proxy):
    upstream = Upstream("echo")
    try:
        port = proxy.add_route(("127.0.0.1", 0), upstream.address)
        proxy.set_faults(port, delay_ms=5, jitter_ms=5, loss=0.2, rto_ms=10)
        payload = os.urandom(2_000_000)
        with dial(port) as sock:
            received = {}
            reader = threading.Thread(
                target=lambda: received.update(data=receive_exactly(sock, len(payload))), daemon=True)
            reader.start()
            # Many small writes, so the proxy sees many chunks (many chances to hold one back).
            for offset in range(0, len(payload), 4096):
                sock.sendall(payload[offset:offset + 4096])
                if offset % (64 * 4096) == 0:
                    time.sleep(0.005)
            reader.join(TIMEOUT * 3)
            assert not reader.is_alive(), "the echo did not come back"
        assert received["data"] == payload
        counters = proxy.counters(port)
        assert counters["bytes_up"] == counters["bytes_down"] == len(payload)
        assert counters["held_back"] > 0 and counters["delayed"] > 0, counters
    finally:
        upstream.close()


def test_delay_is_at_least_the_configured_latency_each_way(proxy):
    upstream = Upstream("echo")
    try:
        port = proxy.add_route(("127.0.0.1", 0), upstream.address)
        proxy.set_faults(port, delay_ms=60, jitter_ms=20)
        with dial(port) as sock:
            for i in range(10):
                start = time.monotonic()
                sock.sendall(bytes([i]) * 100)
                assert receive_exactly(sock, 100) == bytes([i]) * 100
                # Each way at least delay - jitter = 40 ms.
                assert time.monotonic() - start >= 2 * 0.040
        # Loss alone: a chunk held back waits at least the retransmission timeout.
        proxy.set_faults(port, direction=UP, loss=1.0, rto_ms=100, max_retransmits=1)
        with dial(port) as sock:
            start = time.monotonic()
            sock.sendall(b"held")
            assert receive_exactly(sock, 4) == b"held"
            assert time.monotonic() - start >= 0.100
        assert proxy.counters(port)["held_back"] >= 1
    finally:
        upstream.close()


def test_a_reset_cuts_the_connection_and_clearing_it_lets_new_ones_work(proxy):
    upstream = Upstream("echo")
    try:
        port = proxy.add_route(("127.0.0.1", 0), upstream.address)
        proxy.set_faults(port, direction=DOWN, reset=1.0)
        with dial(port) as sock:
            sock.sendall(b"hello")
            with pytest.raises((ConnectionResetError, AssertionError, BrokenPipeError)):
                receive_exactly(sock, 5)   # cut when the echo comes back
        assert proxy.counters(port)["resets"] == 1
        deadline = time.monotonic() + TIMEOUT
        while proxy.open_connections() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proxy.open_connections() == 0
        proxy.clear_faults(port)
        with dial(port) as sock:
            sock.sendall(b"again")
            assert receive_exactly(sock, 5) == b"again"
    finally:
        upstream.close()


def test_corruption_flips_bytes_and_is_counted(proxy):
    upstream = Upstream("echo")
    try:
        port = proxy.add_route(("127.0.0.1", 0), upstream.address)
        proxy.set_faults(port, direction=UP, corrupt=1.0)
        with dial(port) as sock:
            sock.sendall(bytes(1000))
            echoed = receive_exactly(sock, 1000)
        assert echoed != bytes(1000)
        assert proxy.counters(port)["corruptions"] >= 1
    finally:
        upstream.close()


def test_a_slow_reader_makes_the_proxy_stop_reading_within_its_buffer_bound():
    buffer_bytes, chunk = 64 * 1024, 4096
    upstream = Upstream("sink", receive_buffer=4096)
    with FaultProxy(seed=1, buffer_bytes=buffer_bytes, chunk_bytes=chunk) as proxy:
        try:
            port = proxy.add_route(("127.0.0.1", 0), upstream.address)
            payload = os.urandom(8 * 1024 * 1024)
            sent = 0
            with dial(port) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
                sock.setblocking(False)
                # Push until the kernel says no more: the proxy has stopped reading.
                deadline = time.monotonic() + TIMEOUT
                blocked_since = None
                while sent < len(payload) and time.monotonic() < deadline:
                    try:
                        sent += sock.send(payload[sent:sent + 65536])
                        blocked_since = None
                    except BlockingIOError:
                        blocked_since = blocked_since or time.monotonic()
                        if time.monotonic() - blocked_since > 1.0:
                            break
                        time.sleep(0.01)
                assert sent < len(payload), "the proxy read everything: no back-pressure"
                read = proxy.counters(port)["bytes_up"]
                time.sleep(0.5)
                counters = proxy.counters(port)
                assert counters["bytes_up"] == read, "the proxy kept reading with a full buffer"
                assert counters["stalls"] > 0
                assert counters["peak_buffered"] <= buffer_bytes
                # The reader wakes up: everything sent arrives, intact.
                upstream.released.set()
                sock.setblocking(True)
                sock.settimeout(TIMEOUT)
                sock.sendall(payload[sent:])
                sock.shutdown(socket.SHUT_WR)
                assert upstream.done.wait(TIMEOUT * 2), "the sink did not see the end of the stream"
            assert upstream.received_bytes == len(payload)
            assert upstream.received.digest() == hashlib.sha256(payload).digest()
        finally:
            upstream.close()


def test_connections_beyond_the_limit_are_refused():
    upstream = Upstream("echo")
    with FaultProxy(max_connections=2) as proxy:
        try:
            port = proxy.add_route(("127.0.0.1", 0), upstream.address)
            first, second = dial(port), dial(port)
            for sock in (first, second):
                sock.sendall(b"x")
                assert receive_exactly(sock, 1) == b"x"
            third = dial(port)
            with pytest.raises((ConnectionResetError, BrokenPipeError, AssertionError)):
                third.sendall(b"y")
                receive_exactly(third, 1)
            assert proxy.counters(port)["refused"] == 1
            for sock in (first, second, third):
                sock.close()
        finally:
            upstream.close()


def test_an_unreachable_upstream_closes_the_client_and_is_counted(proxy):
    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))
    address = spare.getsockname()
    spare.close()   # nothing listens there now
    port = proxy.add_route(("127.0.0.1", 0), address)
    with dial(port) as sock:
        with pytest.raises((ConnectionResetError, BrokenPipeError, AssertionError)):
            receive_exactly(sock, 1)
    assert proxy.counters(port)["upstream_failures"] == 1
