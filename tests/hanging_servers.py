"""Local TCP servers that misbehave the ways a chroma server can: never accept, never answer, answer a byte at a time;
and a proxy in front of a real server that can be frozen mid-session."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator


def _listener() -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


@contextlib.contextmanager
def never_accepts() -> Iterator[str]:
    """A port whose kernel backlog completes the TCP handshake but no one ever reads: a frozen server."""
    s = _listener()
    try:
        yield f"http://127.0.0.1:{s.getsockname()[1]}"
    finally:
        s.close()


@contextlib.contextmanager
def accepts_and_never_answers() -> Iterator[str]:
    """Accepts every connection, reads the request, never writes a byte."""
    s = _listener()
    conns: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        s.settimeout(0.1)
        while not stop.is_set():
            try:
                c, _ = s.accept()
            except (TimeoutError, OSError):
                continue
            conns.append(c)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{s.getsockname()[1]}"
    finally:
        stop.set()
        t.join(2)
        for c in conns:
            c.close()
        s.close()


@contextlib.contextmanager
def answers_slowly(interval: float = 0.2) -> Iterator[str]:
    """Answers every request with HTTP headers promising a large body, then one byte every ``interval`` s."""
    s = _listener()
    stop = threading.Event()

    def drip(c: socket.socket) -> None:
        try:
            c.recv(65536)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            while not stop.is_set():
                c.sendall(b" ")
                time.sleep(interval)
        except OSError:
            pass
        finally:
            c.close()

    def serve() -> None:
        s.settimeout(0.1)
        while not stop.is_set():
            try:
                c, _ = s.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=drip, args=(c,), daemon=True).start()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{s.getsockname()[1]}"
    finally:
        stop.set()
        t.join(2)
        s.close()


class FreezableProxy:
    """Forwards TCP to ``target``; ``freeze()`` stops forwarding (connections stay open, nothing moves)."""

    def __init__(self, target_url: str):
        host, port = target_url.rsplit("//", 1)[1].rsplit(":", 1)
        self.target = (host, int(port))
        self.frozen = threading.Event()
        self.stop = threading.Event()
        self.sock = _listener()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def freeze(self) -> None:
        self.frozen.set()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while not self.stop.is_set():
                data = a.recv(65536)
                if not data:
                    break
                while self.frozen.is_set() and not self.stop.is_set():
                    time.sleep(0.05)
                b.sendall(data)
        except OSError:
            pass

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            if self.frozen.is_set():  # accept, then never answer
                self.conns.append(c)
                continue
            up = socket.create_connection(self.target)
            self.conns += [c, up]
            threading.Thread(target=self._pipe, args=(c, up), daemon=True).start()
            threading.Thread(target=self._pipe, args=(up, c), daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.close()
        self.sock.close()
