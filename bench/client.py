"""A real server for the page and load figures, and a small browser to talk to it.

The server is gunicorn (the ``deploy`` extra), sync workers (2 by default, BENCH_WORKERS), on a free local port,
serving ``bench.server:app`` on the bench's database; Werkzeug's server in as many processes when gunicorn cannot
be imported. The browser keeps its cookies, signs in through /sign-in with the form's CSRF token like a person
does, and times each request from the first byte sent to the last byte read. One connection per request: a
gunicorn sync worker closes it after each response anyway.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from bench.data import ROOT, child_environment
from bench.figures import info

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1) or found.group(2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``with Server(url, now, workers) as server:`` — ``server.port`` answers until the block ends."""

    def __init__(self, url: str, fixed_now: str, workers: int, log_folder: str):
        self.url, self.fixed_now, self.workers = url, fixed_now, workers
        self.log = os.path.join(log_folder, "server.log")
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.kind = ""

    def __enter__(self) -> Server:
        self.port = free_port()
        env = child_environment(self.url) | {"BENCH_FIXED_NOW": self.fixed_now}
        try:
            import gunicorn  # noqa: F401
            self.kind = "gunicorn"
            command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--worker-class", "sync",
                       "--bind", f"127.0.0.1:{self.port}", "--timeout", "900", "--chdir", ROOT,
                       "--log-level", "warning", "--error-logfile", self.log, "bench.server:app"]
        except ImportError:
            self.kind = "werkzeug"
            command = [sys.executable, "-m", "bench.server", str(self.port), str(self.workers)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.tail()}")
            try:
                if Browser(self.port).get("/healthz").status == 200:
                    info(f"server: {self.kind}, {self.workers} workers, port {self.port}")
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer: {self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return "\n".join(f.read().splitlines()[-lines:])
        except OSError:
            return ""

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Answer:
    status: int
    seconds: float
    size: int
    queries: int | None
    location: str
    body: bytes


class Browser:
    """One person's browser: cookies kept between requests."""

    def __init__(self, port: int, timeout: float = 900):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None) -> Answer:
        headers = {"Accept-Language": "zh-CN,zh;q=0.9"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in cookie.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        count = response.headers.get("X-Query-Count")
        return Answer(response.status, seconds, len(data), int(count) if count is not None else None,
                      response.headers.get("Location", ""), data)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, fields: dict) -> Answer:
        return self.request("POST", path, fields)

    def token(self, path: str) -> str:
        return csrf_token(self.get(path).body.decode("utf-8", "replace"))

    def sign_in(self, badge: str, password: str) -> None:
        answer = self.post("/sign-in", {"csrf_token": self.token("/sign-in"), "badge": badge, "password": password,
                                        "next": ""})
        if answer.status != 302 or urlsplit(answer.location).path in ("/sign-in", "/account/password"):
            raise RuntimeError(f"signing in as {badge} failed: {answer.status} {answer.location}")
