"""Fixtures of the data-layer tests: an isolated environment and a local HTTP server."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test sees the real cache, the user's SHENJING_DATA, system folders or the network."""
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SHENJING_DATA", raising=False)
    monkeypatch.delenv("SHENJING_DOWNLOAD_TIMEOUT", raising=False)
    # An empty mirror list: a test that forgets to point at the local server fails fast.
    monkeypatch.setenv("SHENJING_MNIST_MIRRORS", "")
    monkeypatch.setenv("SHENJING_FASHION_MNIST_MIRRORS", "")
    from shenjing.data import mnist

    monkeypatch.setattr(mnist, "SYSTEM_DIRS", [])
    return cache


@dataclass
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    cut_first: int = 0  # send only half the body, then drop the connection, this many times
    hits: int = 0


@dataclass
class LocalServer:
    url: str
    routes: dict[str, Route] = field(default_factory=dict)

    def add(self, path: str, body: bytes = b"", **kwargs: int) -> str:
        self.routes[path] = Route(body=body, **kwargs)
        return self.url + path


def _handler(server: LocalServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
            route = server.routes.get(self.path)
            if route is None or route.status == 404:
                if route is not None:
                    route.hits += 1
                self.send_error(404, "Not Found")
                return
            route.hits += 1
            if route.status != 200:
                self.send_error(route.status)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            if route.cut_first > 0:
                route.cut_first -= 1
                self.wfile.write(route.body[: len(route.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(route.body)

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    return Handler


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """An HTTP server on 127.0.0.1 (free port) in a thread; register answers with ``add``."""
    holder = LocalServer(url="")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(holder))
    holder.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield holder
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
