"""Start the portal under real gunicorn on a free loopback port, for benchmarks and tests."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(proc: subprocess.Popen[bytes], url: str, *, seconds: float = 60.0) -> None:
    """Wait until `url` answers; stop with the server's last words if it exits first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None:
                stderr = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
                raise RuntimeError(stderr) from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def gunicorn(env: Mapping[str, str], *, workers: int = 4) -> Iterator[str]:
    """Run `gunicorn -c gunicorn.conf.py wsgi:app` with `env`; yield its base URL."""
    port = free_port()
    full_env = {**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": str(workers), "GUNICORN_ACCESSLOG": ""}
    gunicorn_bin = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([gunicorn_bin, "-c", "gunicorn.conf.py", "--access-logfile",
                             "/dev/null", "wsgi:app"], cwd=ROOT, env=full_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(proc, url + "/healthz")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
