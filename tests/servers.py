"""Run ASGI test servers on loopback in a background thread (uvicorn), for any test module."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp

START_TIMEOUT = 10.0  # seconds a test server may take to start


def free_port() -> int:
    """A loopback port free a moment ago (another process could take it in between)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port_url() -> str:
    """A loopback URL where nothing listens (the port was free a moment ago)."""
    return f"http://127.0.0.1:{free_port()}"


@contextmanager
def serving(app: ASGIApp, stopping: threading.Event | None = None, **options: Any) -> Iterator[str]:
    """Run `app` with uvicorn on a free loopback port in a thread; yield its base URL.

    `stopping` is set before the server shuts down, so handlers that hang on purpose end.
    OPTIONS go to uvicorn.Config, e.g. `proxy_headers=False` (uvicorn then leaves
    X-Forwarded-* alone; by default it believes them from 127.0.0.1, the tests' peer, so the
    app's own trusted-proxy rules would go untested), or `ssl_certfile` and `ssl_keyfile`
    (then the URL is https).
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="auto",
        timeout_graceful_shutdown=2,
        **options,
    )
    scheme = "https" if options.get("ssl_certfile") else "http"
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the test server failed to start (see the log above)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the test server did not start within {START_TIMEOUT} s")
            time.sleep(0.01)
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        if stopping is not None:
            stopping.set()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
