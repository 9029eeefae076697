"""Start a real `jupyter lab` (token auth and XSRF on) and drive it with Debian's headless Chromium."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.mlflow_server import free_port

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT_SECONDS = 90.0
NOTIFICATION_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}
}


def write_example_notebook(path: Path) -> Path:
    """A small notebook for the panel to follow (its runs are logged by the test, not by executing it)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Iris classifier"),
        nbformat.v4.new_code_cell(
            "from sklearn.datasets import load_iris\nfeatures, labels = load_iris(return_X_y=True)"
        ),
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


@dataclass
class JupyterLab:
    """A `jupyter lab` subprocess with its own root, settings and workspaces folders."""

    root_dir: Path
    state_dir: Path
    tracking_uri: str
    base_url: str = "/"
    token: str = "panel-test-token"
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}"

    @property
    def log_path(self) -> Path:
        return self.state_dir / "jupyter-lab.log"

    def page_url(self, path: str) -> str:
        """URL of a lab page (e.g. `lab/tree/x.ipynb`) with the token."""
        return f"{self.url}{path}?token={self.token}"

    def start(self) -> JupyterLab:
        settings_dir = self.state_dir / "app-settings"
        settings_dir.mkdir(parents=True, exist_ok=True)
        (settings_dir / "overrides.json").write_text(json.dumps(NOTIFICATION_OVERRIDES), encoding="utf-8")
        for folder in ("workspaces", "user-settings", "runtime"):
            (self.state_dir / folder).mkdir(exist_ok=True)
        config = self.state_dir / "jupyter_server_config.py"
        config.write_text("c.ServerApp.jpserver_extensions = {'jupyter_mlops': True}\n", encoding="utf-8")
        jupyter = Path(sys.executable).with_name("jupyter")
        command = [
            str(jupyter),
            "lab",
            "--no-browser",
            f"--config={config}",
            f"--port={self.port}",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.port_retries=0",
            "--allow-root",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--ServerApp.base_url={self.base_url}",
            f"--LabApp.workspaces_dir={self.state_dir / 'workspaces'}",
            f"--LabApp.user_settings_dir={self.state_dir / 'user-settings'}",
            f"--LabApp.app_settings_dir={settings_dir}",
            "--LabApp.news_url=None",
        ]
        env = {
            **os.environ,
            "MLFLOW_TRACKING_URI": self.tracking_uri,
            "JUPYTER_RUNTIME_DIR": str(self.state_dir / "runtime"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            **self.extra_env,
        }
        env.pop("MLFLOW_REGISTRY_URI", None)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.root_dir, start_new_session=True
        )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        status_url = f"{self.url}api/status?token={self.token}"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early; log:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(status_url, timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {START_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def launch_chromium(playwright):  # type: ignore[no-untyped-def]
    """Debian's Chromium, headless, with the flags that keep it quiet and offline."""
    return playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)


def open_mlops_panel(page) -> None:  # type: ignore[no-untyped-def]
    """Click the MLOps sidebar tab until the panel shows (the layout restore may still be settling)."""
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    tab = page.locator('.jp-SideBar.jp-mod-left li[data-id="jupyter-mlops-panel"]')
    tab.wait_for(timeout=60_000)
    panel = page.locator("#jupyter-mlops-panel")
    for _attempt in range(5):
        if panel.is_visible():
            return
        tab.click()
        try:
            panel.wait_for(state="visible", timeout=3_000)
        except Exception:
            continue
        page.wait_for_timeout(300)  # a restore finishing right now may still hide it
    panel.wait_for(state="visible", timeout=5_000)


def run_from_palette(page, label: str) -> None:  # type: ignore[no-untyped-def]
    """Open the command palette, type `label` and run the command.

    The palette is modal: it closes when the focus leaves it, which a notebook still settling after load
    can cause at any moment, and Ctrl+Shift+C toggles it. So each attempt opens it only while hidden (the
    keys, then the View menu), and an attempt whose palette closes under it starts over.
    """
    palette = page.locator(".lm-CommandPalette-input")
    item = page.locator(".lm-CommandPalette-item", has_text=label).first
    for _attempt in range(4):
        try:
            if not palette.is_visible():
                page.locator(".jp-NotebookPanel:visible .jp-Cell").first.click()
                page.keyboard.press("Control+Shift+C")
                try:
                    palette.wait_for(state="visible", timeout=5_000)
                except PlaywrightTimeoutError:
                    page.locator(".lm-MenuBar-itemLabel", has_text="View").first.click()
                    page.locator(".lm-Menu-itemLabel", has_text="Activate Command Palette").first.click()
                    palette.wait_for(state="visible", timeout=10_000)
            palette.fill(label, timeout=5_000)
            item.click(timeout=5_000)
            return
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"the command palette did not stay open to run {label!r} in 4 attempts")
