"""Send an alert (a run failed, the gate blocked a challenger, data drifted) to the configured channels.

Webhook: one POST of Slack-compatible JSON, `{"text": ..., "attachments": [{"fields": [...]}]}` (Teams'
incoming webhooks read `text` too). E-mail: smtplib, STARTTLS when configured, login when a user is set. A
channel that fails costs one warning line with every secret masked, never the run.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from jupyter_mlops.retraining.alerts_config import AlertSettings, EmailSettings, WebhookSettings

COLOURS = {"failed": "#b00020", "blocked": "#f58518", "drift": "#f5b700", "test": "#4c78a8"}


@dataclass(frozen=True)
class Alert:
    """What happened, in one line, plus named details (run id, experiment, reason, ...)."""

    event: str  # failed | blocked | drift | test
    title: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The headline every channel shows."""
        return f"jupyter-mlops: {self.title}"


def webhook_payload(alert: Alert) -> dict[str, object]:
    """Slack-compatible JSON (text plus attachment fields)."""
    return {
        "text": alert.text,
        "attachments": [
            {
                "color": COLOURS.get(alert.event, "#888888"),
                "fields": [
                    {"title": name, "value": value, "short": len(value) < 40}
                    for name, value in alert.fields.items()
                ],
            }
        ],
    }


def email_message(alert: Alert, settings: EmailSettings) -> EmailMessage:
    """A plain-text e-mail: the headline as subject, one line per field."""
    message = EmailMessage()
    message["Subject"] = alert.text
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    body = [alert.text, ""] + [f"{name}: {value}" for name, value in alert.fields.items()]
    message.set_content("\n".join(body) + "\n")
    return message


def send_webhook(alert: Alert, settings: WebhookSettings) -> None:
    """POST the payload; raises on a non-2xx answer or a network error."""
    request = urllib.request.Request(
        settings.url,
        data=json.dumps(webhook_payload(alert)).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=settings.timeout) as answer:  # http(s) only
        answer.read()


def send_email(alert: Alert, settings: EmailSettings) -> None:
    """One message through the SMTP server; raises on any SMTP or network error."""
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        smtp.ehlo()
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context(cafile=settings.ca_file))
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(email_message(alert, settings))


def notify(settings: AlertSettings, alert: Alert, warn: Callable[[str], None]) -> list[str]:
    """Send `alert` to each channel that wants its event; return the channels reached. A failing channel
    is one `warn` line (secrets masked); nothing is raised."""
    if alert.event != "test" and alert.event not in settings.events:
        return []
    reached: list[str] = []
    channels: list[tuple[str, Callable[[], None]]] = []
    if settings.webhook is not None:
        webhook = settings.webhook
        channels.append((f"webhook {webhook.display}", lambda: send_webhook(alert, webhook)))
    if settings.email is not None:
        email = settings.email
        channels.append((f"e-mail via {email.display}", lambda: send_email(alert, email)))
    for name, send in channels:
        try:
            send()
        except Exception as error:  # any channel failure is a warning, never the run's failure
            warn(settings.scrub(f"warning: alert via {name} failed: {type(error).__name__}: {error}"))
        else:
            reached.append(name)
    return reached
