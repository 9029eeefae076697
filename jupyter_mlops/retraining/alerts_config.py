"""Where alerts go, configured once: `$XDG_CONFIG_HOME/jupyter-mlops/alerts.yaml` (default
`~/.config/jupyter-mlops/alerts.yaml`, or the file `$JUPYTER_MLOPS_ALERTS_CONFIG` names) and/or environment
variables, which win key by key. Secrets (SMTP password, the webhook URL's path and query, which hold its
token) never appear in messages: `AlertSettings.scrub` masks them in any text shown.

```yaml
events: [failed, blocked, drift]    # the default; add `rejected` for challengers that lost on the metric
webhook:
  url: https://hooks.slack.com/services/T0/B0/XXXX
email:
  host: smtp.example.com
  port: 587                         # default 587 with STARTTLS, else 25
  starttls: true                    # default true; the certificate is verified (system CAs, or ca_file)
  ca_file: /etc/ssl/private-ca.pem  # optional: a private CA
  username: bot@example.com         # optional: no login without it
  password_env: SMTP_PASSWORD       # or `password: ...` (prefer the variable)
  from: bot@example.com
  to: [ops@example.com]
```
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from jupyter_mlops.core.config_files import user_config_file
from jupyter_mlops.retraining.errors import BadInputError

EVENTS = ("failed", "blocked", "drift", "rejected")
DEFAULT_EVENTS = ("failed", "blocked", "drift")  # `rejected` (champion still better) only when asked
CONFIG_ENV = "JUPYTER_MLOPS_ALERTS_CONFIG"
ENV = {
    "webhook_url": "JUPYTER_MLOPS_ALERT_WEBHOOK_URL",
    "smtp_host": "JUPYTER_MLOPS_ALERT_SMTP_HOST",
    "smtp_port": "JUPYTER_MLOPS_ALERT_SMTP_PORT",
    "smtp_starttls": "JUPYTER_MLOPS_ALERT_SMTP_STARTTLS",
    "smtp_username": "JUPYTER_MLOPS_ALERT_SMTP_USERNAME",
    "smtp_password": "JUPYTER_MLOPS_ALERT_SMTP_PASSWORD",
    "smtp_ca_file": "JUPYTER_MLOPS_ALERT_SMTP_CA_FILE",
    "email_from": "JUPYTER_MLOPS_ALERT_EMAIL_FROM",
    "email_to": "JUPYTER_MLOPS_ALERT_EMAIL_TO",
    "events": "JUPYTER_MLOPS_ALERT_EVENTS",
}
TOP_KEYS = {"events", "webhook", "email"}
WEBHOOK_KEYS = {"url", "timeout"}
EMAIL_KEYS = {
    "host", "port", "starttls", "ca_file", "username", "password", "password_env", "from", "to", "timeout"
}  # fmt: skip
MASK = "***"


class AlertConfigError(BadInputError):
    """The alert configuration cannot be used (the message never holds a secret value)."""


@dataclass(frozen=True)
class WebhookSettings:
    """A Slack/Teams-compatible incoming webhook."""

    url: str
    timeout: float = 10.0

    @property
    def display(self) -> str:
        """Scheme and host only: the path of a Slack/Teams webhook is its token."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname or ''}/…"


@dataclass(frozen=True)
class EmailSettings:
    """An SMTP server and the message's sender and recipients."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    starttls: bool = True
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    ca_file: str | None = None  # CA bundle for a server with a private CA (default: the system's)

    @property
    def display(self) -> str:
        """`smtp.example.com:587` (no user, no password)."""
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class AlertSettings:
    """The configured channels and which events they get."""

    events: frozenset[str] = frozenset(DEFAULT_EVENTS)
    webhook: WebhookSettings | None = None
    email: EmailSettings | None = None
    source: str = "defaults"  # where the settings came from, for messages

    @property
    def enabled(self) -> bool:
        """Whether any channel is configured."""
        return self.webhook is not None or self.email is not None

    def secrets(self) -> list[str]:
        """Every value that must never be shown."""
        values: list[str] = []
        if self.webhook is not None:
            parts = urlsplit(self.webhook.url)
            values += [self.webhook.url, parts.path, parts.query]
            if parts.password:
                values.append(parts.password)
        if self.email is not None and self.email.password:
            values.append(self.email.password)
        return sorted({value for value in values if len(value) > 1}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """`text` with every secret replaced by ***."""
        for secret in self.secrets():
            text = text.replace(secret, MASK)
        return text


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """$JUPYTER_MLOPS_ALERTS_CONFIG, else $XDG_CONFIG_HOME/jupyter-mlops/alerts.yaml, else ~/.config/..."""
    return user_config_file("alerts.yaml", CONFIG_ENV, environ)


def _read_file(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise AlertConfigError(f"{path}: not valid YAML{where}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise AlertConfigError(f"{path}: cannot be read ({type(error).__name__})") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise AlertConfigError(f"{path}: expected a mapping with `webhook`, `email` and/or `events`")
    return document


def _section(document: Mapping[str, object], name: str, allowed: set[str], where: str) -> dict[str, object]:
    section = document.get(name) or {}
    if not isinstance(section, dict):
        raise AlertConfigError(f"{where}: `{name}` must be a mapping")
    unknown = sorted(str(key) for key in section if key not in allowed)
    if unknown:
        raise AlertConfigError(
            f"{where}: unknown key(s) in `{name}`: {', '.join(unknown)} (valid: {', '.join(sorted(allowed))})"
        )
    return dict(section)


def _flag(value: object, what: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise AlertConfigError(f"{where}: {what} must be true or false")


def _number(value: object, what: str, where: str, kind: type = float) -> float:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise AlertConfigError(f"{where}: {what} must be a number") from None
    if number <= 0:
        raise AlertConfigError(f"{where}: {what} must be positive")
    return number


def _events(value: object, where: str) -> frozenset[str]:
    items = [part.strip() for part in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise AlertConfigError(f"{where}: `events` must be a list of {', '.join(EVENTS)}")
    unknown = sorted(set(items) - set(EVENTS))
    if unknown:
        raise AlertConfigError(
            f"{where}: unknown event(s) in `events`: {', '.join(unknown)} (valid: {', '.join(EVENTS)})"
        )
    return frozenset(items)


def _recipients(value: object, where: str) -> tuple[str, ...]:
    items = [part.strip() for part in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) and "@" in item for item in items):
        raise AlertConfigError(f"{where}: email `to` must be one address or a list of addresses")
    return tuple(item for item in items if item)


def load_alert_settings(environ: Mapping[str, str] | None = None) -> AlertSettings:
    """The file's settings overridden by the environment; AlertConfigError (exit 2) on a bad value."""
    environ = os.environ if environ is None else environ
    path = config_path(environ)
    document = _read_file(path)
    where = str(path) if document else "alert settings"
    unknown = sorted(str(key) for key in document if key not in TOP_KEYS)
    if unknown:
        raise AlertConfigError(
            f"{where}: unknown key(s): {', '.join(unknown)} (valid: events, webhook, email)"
        )
    webhook = _section(document, "webhook", WEBHOOK_KEYS, where)
    email = _section(document, "email", EMAIL_KEYS, where)
    on: object = document.get("events", list(DEFAULT_EVENTS))

    def env(key: str) -> str | None:
        value = environ.get(ENV[key])
        return value if value not in (None, "") else None

    overrides = {
        ("webhook", "url"): env("webhook_url"),
        ("email", "host"): env("smtp_host"),
        ("email", "port"): env("smtp_port"),
        ("email", "starttls"): env("smtp_starttls"),
        ("email", "username"): env("smtp_username"),
        ("email", "password"): env("smtp_password"),
        ("email", "ca_file"): env("smtp_ca_file"),
        ("email", "from"): env("email_from"),
        ("email", "to"): env("email_to"),
    }
    for (section, key), value in overrides.items():
        if value is not None:
            (webhook if section == "webhook" else email)[key] = value
    if env("events") is not None:
        on = env("events")
    settings_source = where if document else "environment"
    return AlertSettings(
        events=_events(on, where),
        webhook=_webhook(webhook, where),
        email=_email(email, where, environ),
        source=settings_source,
    )


def _webhook(section: dict[str, object], where: str) -> WebhookSettings | None:
    if not section.get("url"):
        return None
    url = str(section["url"])
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise AlertConfigError(f"{where}: webhook url must be an http(s) URL")
    return WebhookSettings(url, _number(section.get("timeout", 10.0), "webhook timeout", where))


def _email(section: dict[str, object], where: str, environ: Mapping[str, str]) -> EmailSettings | None:
    if not section.get("host"):
        if section:
            raise AlertConfigError(f"{where}: email needs `host` (the SMTP server)")
        return None
    starttls = _flag(section.get("starttls", True), "email starttls", where)
    port = int(_number(section.get("port", 587 if starttls else 25), "email port", where, int))
    missing = [key for key in ("from", "to") if not section.get(key)]
    if missing:
        raise AlertConfigError(f"{where}: email needs {' and '.join(f'`{key}`' for key in missing)}")
    password = section.get("password")
    if password is None and section.get("password_env"):
        variable = str(section["password_env"])
        password = environ.get(variable)
        if password is None:
            raise AlertConfigError(f"{where}: email password_env names ${variable}, which is not set")
    username = section.get("username")
    ca_file = section.get("ca_file")
    if ca_file is not None and not Path(str(ca_file)).expanduser().is_file():
        raise AlertConfigError(f"{where}: email ca_file {ca_file} is not a file")
    if password is not None and not username:
        raise AlertConfigError(f"{where}: email has a password but no `username`")
    return EmailSettings(
        host=str(section["host"]),
        port=port,
        sender=str(section["from"]),
        recipients=_recipients(section["to"], where),
        starttls=starttls,
        username=str(username) if username else None,
        password=str(password) if password is not None else None,
        timeout=_number(section.get("timeout", 10.0), "email timeout", where),
        ca_file=str(Path(str(ca_file)).expanduser()) if ca_file is not None else None,
    )
