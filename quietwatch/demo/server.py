"""A tiny static HTTP server on 127.0.0.1 for sample pages (demo, tests, bench)."""

import inspect
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

logger = logging.getLogger(__name__)

# resolve(path_with_query) or resolve(path_with_query, request_headers) ->
# (status, content_type, body) or (status, content_type, body, extra_headers) or None (404)
Resolver = Callable[..., tuple | None]


class SampleServer:
    """Serve ``resolve(path_with_query) -> (status, content_type, body)``; counts requests."""

    def __init__(self, resolve: Resolver, host: str = "127.0.0.1", port: int = 0) -> None:
        self.resolve = resolve
        self.requests: list[tuple[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, with_body: bool) -> None:
                outer.requests.append((self.command, self.path))
                found = outer.answer(self.path, dict(self.headers.items()))
                extra: dict[str, str] = {}
                if found is None:
                    status, ctype, body = 404, "text/html; charset=utf-8", b"<h1>Not found</h1>"
                elif len(found) == 4:
                    status, ctype, body, extra = found
                else:
                    status, ctype, body = found
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if with_body:
                    self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._answer(True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer(False)

            def do_POST(self) -> None:  # noqa: N802 -- recorded so tests can prove none arrive
                outer.requests.append(("POST", self.path))
                self.send_response(405)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                logger.debug("sample server: " + format, *args)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, path: str, headers: dict[str, str]) -> tuple | None:
        try:
            takes_headers = len(inspect.signature(self.resolve).parameters) >= 2
        except (TypeError, ValueError):
            takes_headers = False
        return self.resolve(path, headers) if takes_headers else self.resolve(path)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "SampleServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "SampleServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
