"""Real local alert receivers for tests: an HTTP webhook receiver (http.server in a thread) and an SMTP
server (aiosmtpd's Controller) with optional AUTH LOGIN/PLAIN, both on loopback and free ports."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class WebhookReceiver:
    """Collects the JSON bodies POSTed to it; `status` is what it answers."""

    url: str = ""
    posts: list[tuple[str, dict]] = field(default_factory=list)
    status: int = 200


@contextmanager
def webhook_receiver(path: str = "/hooks/T000/B000/s3cr3t-token") -> Iterator[WebhookReceiver]:
    """A local HTTP server recording every POST (path, JSON body)."""
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            receiver.posts.append((self.path, body))
            self.send_response(receiver.status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpReceiver:
    """Collects delivered messages and the logins it accepted."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Message] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA (openssl CLI): (certificate, key)."""
    certificate, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(certificate), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return certificate, key


@contextmanager
def smtp_receiver(
    username: str | None = None, password: str | None = None, tls: tuple[Path, Path] | None = None
) -> Iterator[SmtpReceiver]:
    """aiosmtpd on loopback; with a username, AUTH is required (allowed without TLS on loopback unless
    `tls` = (certificate, key) is given: then STARTTLS is required, before AUTH too)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from tests.support.mlflow_server import free_port

    receiver = SmtpReceiver(port=free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            receiver.messages.append(
                message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            )
            return "250 Message accepted for delivery"

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == username
            and auth_data.password.decode() == password
        )
        if ok:
            receiver.logins.append(username or "")
        return AuthResult(success=ok, handled=False)

    options: dict[str, object] = {}
    if username is not None:
        options = {"authenticator": authenticate, "auth_required": True, "auth_require_tls": tls is not None}
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*tls)
        options.update(tls_context=context, require_starttls=True)
    with warnings.catch_warnings():  # "AUTH without TLS": on purpose, loopback only
        warnings.simplefilter("ignore", UserWarning)
        controller = Controller(Handler(), hostname=receiver.host, port=receiver.port, **options)
        controller.start()
    try:
        yield receiver
    finally:
        controller.stop()
