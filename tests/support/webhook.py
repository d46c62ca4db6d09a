"""A local on-call webhook receiver for tests: records every POST, fails the first N, can hold requests open.

It runs `http.server` in a thread, so async tests (in-process services) and sync tests (service
processes) use it alike. It dedupes on `Idempotency-Key` the way a real receiver should.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Hit:
    """One POST as received and answered."""

    page_id: str
    kind: str
    queue: str
    body: bytes
    status: int


@dataclass
class Receiver:
    """Answers 503 to the first `fail_first` POSTs (all of them with `always_fail`), then 200."""

    fail_first: int = 0
    always_fail: bool = False
    hits: list[Hit] = field(default_factory=list)
    url: str = ""
    holding: threading.Event = field(default_factory=threading.Event)  # a held request has arrived
    _hold: threading.Event | None = None
    _holds: list[threading.Event] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        """The status for the next POST."""
        with self._lock:
            failing = self.always_fail or sum(h.status != 0 for h in self.hits) < self.fail_first
        return 503 if failing else 200

    def hold_next(self) -> threading.Event:
        """Keep the next POST open (unanswered) until the returned event is set."""
        self.holding.clear()
        self._hold = threading.Event()
        self._holds.append(self._hold)
        return self._hold

    def wait_held(self) -> threading.Event | None:
        """Called by the handler: the hold to wait on, once."""
        hold, self._hold = self._hold, None
        if hold is not None:
            self.holding.set()
        return hold

    def record(self, hit: Hit) -> None:
        """Remember a POST."""
        with self._lock:
            self.hits.append(hit)

    def delivered(self) -> Counter[str]:
        """Page id → number of POSTs answered 2xx (a resend of a delivered id is a duplicate to drop)."""
        with self._lock:
            return Counter(h.page_id for h in self.hits if 200 <= h.status < 300)

    def attempts(self) -> Counter[str]:
        """Page id → number of POSTs seen."""
        with self._lock:
            return Counter(h.page_id for h in self.hits)

    def wait_for(self, predicate: object, *, timeout_s: float = 30.0) -> None:
        """Poll until `predicate(self)` holds (sync tests)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate(self):  # type: ignore[operator]
                return
            time.sleep(0.1)
        raise AssertionError(f"webhook receiver: condition not met within {timeout_s} s; hits: {self.hits}")


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            hold = receiver.wait_held()
            status = 0 if hold is not None else receiver.answer()  # 0: received, never answered
            receiver.record(
                Hit(
                    page_id=self.headers.get("Idempotency-Key", ""),
                    kind=self.headers.get("X-Tousu-Event", ""),
                    queue=self.headers.get("X-Tousu-Queue", ""),
                    body=body,
                    status=status,
                )
            )
            if hold is not None:
                hold.wait(timeout=120)
                return  # the sender was killed meanwhile: nobody reads an answer
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler


@contextmanager
def webhook_receiver(receiver: Receiver | None = None) -> Iterator[Receiver]:
    """Serve `receiver` on a free loopback port for the block."""
    found = receiver or Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    server.daemon_threads = True
    server.block_on_close = False
    found.url = f"http://127.0.0.1:{server.server_address[1]}/page"
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield found
    finally:
        for hold in found._holds:
            hold.set()
        server.shutdown()
        server.server_close()
