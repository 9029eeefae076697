"""One inference server process: a free-port check before, readiness polling after start, a clean stop."""

from __future__ import annotations

import errno
import http.client
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_mlops.serving.errors import PortInUseError, ServerFailedError

READY_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 20.0


def check_port_free(host: str, port: int, option: str = "--port") -> None:
    """PortInUseError when nothing can bind `host:port` (something listens there already)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"port {port} on {host} is in use; pick another with {option}"
                ) from error
            raise PortInUseError(f"cannot listen on {host}:{port}: {error.strerror}") from error


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def http_status(host: str, port: int, path: str, timeout: float = 2.0) -> int | None:
    """The status of GET `path`, or None when nothing answers."""
    connection = http.client.HTTPConnection(connect_host(host), port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def connect_host(host: str) -> str:
    """Where a local client reaches a server bound to `host` (a wildcard bind is reached on loopback)."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


@dataclass
class ServerProcess:
    """A server started in its own process group, its output in `log_path`."""

    name: str
    command: list[str]
    log_path: Path
    environment: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **self.environment},
                start_new_session=True,
            )
        return self

    def wait_ready(self, host: str, port: int, path: str, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Block until GET `path` answers 200; ServerFailedError if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            if http_status(host, port, path) == 200:
                return
            time.sleep(0.25)
        self.stop()
        raise ServerFailedError(f"{self.name} was not ready within {timeout:.0f} s; its log: {self.log_path}")

    def check_alive(self) -> None:
        """ServerFailedError when the process has exited."""
        assert self.process is not None
        code = self.process.poll()
        if code is not None:
            raise ServerFailedError(f"{self.name} exited with code {code}; its log: {self.log_path}")

    def stop(self) -> None:
        """SIGTERM to the whole group (MLServer's workers too), SIGKILL after a grace period."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except ProcessLookupError:
            pass
