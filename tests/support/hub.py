"""Start and stop a real JupyterHub for tests: configurable-http-proxy, local single-user servers, test users.

`SimpleLocalProcessSpawner` runs each user's `jupyterhub-singleuser` as a local process (no system users);
`DummyAuthenticator` with a shared password logs them in. The single-user servers load jupyter_mlops and get
their MLflow identity from `jupyter_mlops.hub.configure_mlflow_identity` — what a deployment would configure.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.mlflow_server import free_port

ROOT = Path(__file__).resolve().parents[2]
PROXY = ROOT / ".hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
START_TIMEOUT_SECONDS = 120.0
NOTIFICATION_OVERRIDES = (
    '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}'
)


@dataclass
class Hub:
    """A JupyterHub process (and its proxy) in `state_dir`, users' homes under `state_dir/home/NAME`."""

    state_dir: Path
    tracking_uri: str
    users_file: Path
    users: tuple[str, ...]
    password: str = "hub-test-password"
    port: int = field(default_factory=free_port)
    hub_port: int = field(default_factory=free_port)
    proxy_api_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.state_dir / "jupyterhub.log"

    def home(self, user: str) -> Path:
        return self.state_dir / "home" / user

    def write_config(self) -> Path:
        """jupyterhub_config.py: the test's choices, then the MLflow identity as a deployment sets it."""
        singleuser_config = self.state_dir / "singleuser_config.py"
        settings = self.state_dir / "lab-settings"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "overrides.json").write_text(NOTIFICATION_OVERRIDES, encoding="utf-8")
        singleuser_config.write_text(
            "c.ServerApp.jpserver_extensions = {'jupyter_mlops': True}\n"
            f"c.LabApp.app_settings_dir = {str(settings)!r}\n"
            "c.LabApp.news_url = None\n",
            encoding="utf-8",
        )
        for user in self.users:
            self.home(user).mkdir(parents=True, exist_ok=True)
        homes = str(self.state_dir / "home" / "{username}")
        users_file = str(self.users_file)
        lines = [
            "from jupyter_mlops.hub import configure_mlflow_identity",
            "c.JupyterHub.ip = '127.0.0.1'",
            f"c.JupyterHub.port = {self.port}",
            f"c.JupyterHub.hub_port = {self.hub_port}",
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{self.proxy_api_port}'",
            f"c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]",
            f"c.JupyterHub.db_url = 'sqlite:///{self.state_dir / 'jupyterhub.sqlite'}'",
            f"c.JupyterHub.cookie_secret_file = {str(self.state_dir / 'cookie_secret')!r}",
            f"c.JupyterHub.pid_file = {str(self.state_dir / 'jupyterhub.pid')!r}",
            "c.JupyterHub.cleanup_servers = True",
            "c.JupyterHub.authenticator_class = 'dummy'",
            f"c.DummyAuthenticator.password = {self.password!r}",
            f"c.Authenticator.allowed_users = {set(self.users)!r}",
            "c.JupyterHub.spawner_class = 'simple'",
            f"c.SimpleLocalProcessSpawner.home_dir_template = {homes!r}",
            f"c.Spawner.cmd = [{str(Path(sys.executable).with_name('jupyterhub-singleuser'))!r}]",
            f"c.Spawner.args = ['--allow-root', '--config={singleuser_config}']",
            "c.Spawner.default_url = '/lab'",
            "c.Spawner.start_timeout = 120",
            "c.Spawner.http_timeout = 120",
            f"configure_mlflow_identity(c, tracking_uri={self.tracking_uri!r}, users_file={users_file!r})",
        ]
        config = self.state_dir / "jupyterhub_config.py"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return config

    def start(self) -> Hub:
        config = self.write_config()
        jupyterhub = Path(sys.executable).with_name("jupyterhub")
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        for variable in ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
            env.pop(variable, None)  # the single-user servers get theirs from the Hub's mapping only
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(jupyterhub), f"--config={config}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=self.state_dir,
            start_new_session=True,
        )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited early; log:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"jupyterhub did not answer within {START_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        """Stop the Hub (`cleanup_servers` stops the users' servers and the proxy with it), then any user
        server still running: spawned in sessions of their own, they outlive a Hub that was killed."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._stop_user_servers()

    def _stop_user_servers(self) -> None:
        import psutil

        marker = str(self.state_dir / "singleuser_config.py")
        left = [
            process
            for process in psutil.process_iter(["cmdline"])
            if any(marker in part for part in process.info["cmdline"] or [])
        ]
        for process in left:
            with contextlib.suppress(psutil.Error):
                process.terminate()
        _, alive = psutil.wait_procs(left, timeout=20)
        for process in alive:
            with contextlib.suppress(psutil.Error):
                process.kill()
