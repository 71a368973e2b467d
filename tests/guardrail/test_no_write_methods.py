"""No code path in the project posts, replies or sends: a static walk of every package.

The walk finds HTTP client calls whose method is not GET/HEAD (Scrapy Request/FormRequest/
JsonRequest, requests, httpx, aiohttp, urllib3, urllib.request, http.client) outside tests.
It is checked on samples first, so it can be seen to catch what it claims to catch.
"""

import ast
import textwrap

import pytest

from tests.conftest import REPO

PACKAGES = ("crawlers", "store", "dashboard", "guardrail", "quietwatch", "bench")
READ_METHODS = {"GET", "HEAD"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CLIENT_MODULES = {"requests", "httpx", "aiohttp", "urllib3"}
WRITE_VERBS = {"post", "put", "patch", "delete"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _name(node.func) + "()"
    return ""


def _const(node: ast.AST | None) -> str | None:
    return (
        node.value.upper()
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        else None
    )


def write_calls(source: str) -> list[tuple[int, str]]:
    """(line, description) of every call that may send something other than GET/HEAD."""
    tree = ast.parse(source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    uses_client = bool(imported & CLIENT_MODULES)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        last = name.rsplit(".", 1)[-1]
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        first = _const(node.args[0]) if node.args else None
        if (
            last == "FormRequest"
            or last.endswith("FormRequest")
            or name.endswith("FormRequest.from_response")
        ):
            found.append((node.lineno, f"{name}: a form submission"))
        elif last == "JsonRequest" and ("data" in keywords or "body" in keywords):
            found.append((node.lineno, f"{name} with a body (sent as POST)"))
        elif "method" in keywords and (_const(keywords["method"]) or "?") not in READ_METHODS:
            if (
                last
                in {
                    "Request",
                    "JsonRequest",
                    "replace",
                    "follow",
                    "follow_all",
                    "request",
                    "urlopen",
                }
                or uses_client
            ):
                found.append((node.lineno, f"{name}(method={ast.unparse(keywords['method'])})"))
        elif (
            last in {"request", "stream", "build_request", "putrequest"} and first in WRITE_METHODS
        ):
            found.append((node.lineno, f"{name}({first!r}, …)"))
        elif last in WRITE_VERBS and (
            name.split(".")[0] in CLIENT_MODULES or (uses_client and last != "delete")
        ):
            found.append((node.lineno, f"{name}(…): an HTTP {last.upper()}"))
        elif last == "post":
            found.append((node.lineno, f"{name}(…): looks like an HTTP POST"))
        elif name.endswith("request.Request") or (last == "Request" and "urllib" in imported):
            if "data" in keywords or len(node.args) > 1:
                found.append((node.lineno, f"{name} with data (sent as POST)"))
        elif last == "urlopen" and (len(node.args) > 1 or "data" in keywords):
            found.append((node.lineno, f"{name} with data (sent as POST)"))
    return found


BAD = {
    "scrapy_post": "import scrapy\nscrapy.Request('https://x', method='POST')",
    "scrapy_dynamic": "import scrapy\nm = 'GET'\nscrapy.Request('https://x', method=m)",
    "form": "from scrapy import FormRequest\nFormRequest('https://x', formdata={'a': 'b'})",
    "from_response": "from scrapy.http import FormRequest\nFormRequest.from_response(r)",
    "json": "from scrapy.http import JsonRequest\nJsonRequest('https://x', data={'a': 1})",
    "replace": "def f(request):\n    return request.replace(method='PUT')",
    "follow": "def parse(self, response):\n    yield response.follow('/r', method='DELETE')",
    "requests_post": "import requests\nrequests.post('https://x', data={})",
    "requests_generic": "import requests\nrequests.request('PATCH', 'https://x')",
    "session_put": "import requests\ns = requests.Session()\ns.put('https://x')",
    "httpx": "import httpx\nhttpx.Client().post('https://x')",
    "httpx_stream": "import httpx\nwith httpx.stream('POST', 'https://x') as r: pass",
    "aiohttp": "import aiohttp\nasync def f(s):\n    await s.post('https://x')",
    "urllib": "import urllib.request\nurllib.request.Request('https://x', data=b'a')",
    "urlopen": "from urllib.request import urlopen\nurlopen('https://x', b'data')",
    "http_client": "import http.client\nc = http.client.HTTPSConnection('x')\nc.request('POST', '/')",
}
GOOD = {
    "scrapy_get": "import scrapy\nscrapy.Request('https://x')\nscrapy.Request('https://x', method='HEAD')",
    "requests_get": "import requests\nrequests.get('https://x')",
    "orm_delete": "from sqlmodel import Session\ndef f(s: Session, o):\n    s.delete(o)",
    "queue_put": "import queue\nq = queue.Queue()\nq.put(1)",
    "urlopen_get": "from urllib.request import urlopen\nurlopen('https://x')",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_the_walker_catches_each_kind_of_write(name: str) -> None:
    assert write_calls(textwrap.dedent(BAD[name])), name


@pytest.mark.parametrize("name", sorted(GOOD))
def test_the_walker_leaves_reads_alone(name: str) -> None:
    assert write_calls(textwrap.dedent(GOOD[name])) == [], name


def test_no_package_sends_anything_but_get_or_head() -> None:
    files = [
        p for pkg in PACKAGES if (REPO / pkg).is_dir() for p in sorted((REPO / pkg).rglob("*.py"))
    ]
    files = [p for p in files if "tests" not in p.relative_to(REPO).parts]
    assert len(files) > 10  # the walk really covers the project
    problems = [
        f"{path.relative_to(REPO)}:{line}: {what}"
        for path in files
        for line, what in write_calls(path.read_text(encoding="utf-8"))
    ]
    assert problems == [], "\n".join(problems)
