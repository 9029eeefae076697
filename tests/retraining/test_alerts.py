"""Alert settings (file, XDG, environment), secrets kept out of every message, and delivery to real local
receivers (http.server, aiosmtpd); a failing channel is one warning, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_mlops.retraining.alerts import Alert, notify, webhook_payload
from jupyter_mlops.retraining.alerts_config import AlertConfigError, config_path, load_alert_settings
from tests.support.alert_receivers import self_signed_certificate, smtp_receiver, webhook_receiver
from tests.support.mlflow_server import free_port

PASSWORD = "hunter2-very-secret"
TOKEN_PATH = "/services/T0/B0/tok3n-s3cret"


def write_config(folder: Path, text: str) -> dict[str, str]:
    path = folder / "jupyter-mlops" / "alerts.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return {"XDG_CONFIG_HOME": str(folder)}


def test_config_path_honours_the_variable_then_xdg_then_home(tmp_path: Path) -> None:
    assert config_path({"JUPYTER_MLOPS_ALERTS_CONFIG": str(tmp_path / "a.yaml")}) == tmp_path / "a.yaml"
    assert config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "jupyter-mlops" / "alerts.yaml"
    assert config_path({}) == Path.home() / ".config" / "jupyter-mlops" / "alerts.yaml"


def test_file_settings_with_the_password_from_a_variable(tmp_path: Path) -> None:
    environ = write_config(
        tmp_path,
        "events: [failed, rejected]\n"
        f"webhook: {{url: 'https://hooks.example.com{TOKEN_PATH}'}}\n"
        "email: {host: smtp.example.com, username: bot, password_env: SMTP_PW, from: bot@example.com,"
        " to: 'a@example.com, b@example.com'}\n",
    )
    settings = load_alert_settings({**environ, "SMTP_PW": PASSWORD})
    assert settings.events == {"failed", "rejected"}
    assert settings.webhook is not None and settings.webhook.display == "https://hooks.example.com/…"
    email = settings.email
    assert email is not None and (email.port, email.starttls) == (587, True)
    assert email.recipients == ("a@example.com", "b@example.com") and email.password == PASSWORD
    assert PASSWORD not in repr(settings)


def test_environment_wins_key_by_key(tmp_path: Path) -> None:
    environ = write_config(
        tmp_path, "email: {host: file-host, port: 2525, starttls: false, from: a@x.org, to: [b@x.org]}\n"
    )
    settings = load_alert_settings(
        {**environ, "JUPYTER_MLOPS_ALERT_SMTP_HOST": "env-host", "JUPYTER_MLOPS_ALERT_EVENTS": "drift"}
    )
    assert settings.email is not None and (settings.email.host, settings.email.port) == ("env-host", 2525)
    assert settings.events == {"drift"}


def test_no_file_and_no_variables_means_alerts_are_off(tmp_path: Path) -> None:
    settings = load_alert_settings({"XDG_CONFIG_HOME": str(tmp_path)})
    assert not settings.enabled and settings.events == {"failed", "blocked", "drift"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("webhook: [1, 2\n", "not valid YAML at line 2, column 1"),
        ("- a\n", "expected a mapping with `webhook`, `email` and/or `events`"),
        ("slack: {url: x}\n", "unknown key(s): slack (valid: events, webhook, email)"),
        ("webhook: {url: 'ftp://h/x'}\n", "webhook url must be an http(s) URL"),
        ("webhook: {uri: 'https://h/x'}\n", "unknown key(s) in `webhook`: uri (valid: timeout, url)"),
        (
            "events: [failed, exploded]\n",
            "unknown event(s) in `events`: exploded (valid: failed, blocked, drift, rejected)",
        ),
        ("email: {host: h, to: [a@b.c]}\n", "email needs `from`"),
        ("email: {port: 25}\n", "email needs `host` (the SMTP server)"),
        ("email: {host: h, from: a@b.c, to: [a@b.c], port: many}\n", "email port must be a number"),
        (
            "email: {host: h, from: a@b.c, to: [a@b.c], starttls: maybe}\n",
            "email starttls must be true or false",
        ),
        (
            f"email: {{host: h, from: a@b.c, to: [a@b.c], password: {PASSWORD}}}\n",
            "has a password but no `username`",
        ),
        (
            "email: {host: h, from: a@b.c, to: [a@b.c], username: u, password_env: NOPE}\n",
            "names $NOPE, which is not set",
        ),
        (
            "email: {host: h, from: a@b.c, to: [a@b.c], ca_file: /no/ca.pem}\n",
            "email ca_file /no/ca.pem is not a file",
        ),
        (
            "email: {host: h, from: a@b.c, to: [nobody]}\n",
            "email `to` must be one address or a list of addresses",
        ),
    ],
)
def test_bad_settings_are_one_line_naming_the_file_and_never_a_secret(
    tmp_path: Path, text: str, message: str
) -> None:
    environ = write_config(tmp_path, text)
    with pytest.raises(AlertConfigError) as raised:
        load_alert_settings(environ)
    assert str(raised.value).startswith(str(tmp_path / "jupyter-mlops" / "alerts.yaml") + ": ")
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert PASSWORD not in str(raised.value) and raised.value.exit_code == 2


def test_scrub_masks_the_password_and_the_webhook_token(tmp_path: Path) -> None:
    environ = {
        "XDG_CONFIG_HOME": str(tmp_path),
        "JUPYTER_MLOPS_ALERT_WEBHOOK_URL": f"https://hooks.example.com{TOKEN_PATH}",
        "JUPYTER_MLOPS_ALERT_SMTP_HOST": "h",
        "JUPYTER_MLOPS_ALERT_SMTP_USERNAME": "u",
        "JUPYTER_MLOPS_ALERT_SMTP_PASSWORD": PASSWORD,
        "JUPYTER_MLOPS_ALERT_EMAIL_FROM": "a@b.c",
        "JUPYTER_MLOPS_ALERT_EMAIL_TO": "d@e.f",
    }
    settings = load_alert_settings(environ)
    text = settings.scrub(f"login {PASSWORD} failed posting to https://hooks.example.com{TOKEN_PATH}?x")
    assert PASSWORD not in text and "tok3n" not in text and "***" in text


def test_webhook_and_email_reach_real_local_receivers() -> None:
    alert = Alert("blocked", "iris version 2 blocked", {"reason": "data drift: 0.75 of the columns drifted"})
    with webhook_receiver() as hook, smtp_receiver("bot", PASSWORD) as smtp:
        settings = load_alert_settings(
            {
                "JUPYTER_MLOPS_ALERTS_CONFIG": "/nonexistent/alerts.yaml",
                "JUPYTER_MLOPS_ALERT_WEBHOOK_URL": hook.url,
                "JUPYTER_MLOPS_ALERT_SMTP_HOST": smtp.host,
                "JUPYTER_MLOPS_ALERT_SMTP_PORT": str(smtp.port),
                "JUPYTER_MLOPS_ALERT_SMTP_STARTTLS": "false",
                "JUPYTER_MLOPS_ALERT_SMTP_USERNAME": "bot",
                "JUPYTER_MLOPS_ALERT_SMTP_PASSWORD": PASSWORD,
                "JUPYTER_MLOPS_ALERT_EMAIL_FROM": "mlops@example.com",
                "JUPYTER_MLOPS_ALERT_EMAIL_TO": "ops@example.com",
            }
        )
        warnings: list[str] = []
        reached = notify(settings, alert, warnings.append)
    assert warnings == [] and len(reached) == 2
    assert hook.posts == [("/hooks/T000/B000/s3cr3t-token", webhook_payload(alert))]
    assert hook.posts[0][1]["text"] == "jupyter-mlops: iris version 2 blocked"
    assert hook.posts[0][1]["attachments"][0]["fields"][0] == {
        "title": "reason",
        "value": "data drift: 0.75 of the columns drifted",
        "short": True,
    }
    assert smtp.logins == ["bot"] and len(smtp.messages) == 1
    message = smtp.messages[0]
    assert (
        message["Subject"] == "jupyter-mlops: iris version 2 blocked" and message["To"] == "ops@example.com"
    )
    assert "reason: data drift" in message.get_content()


def test_events_not_asked_for_are_not_sent() -> None:
    with webhook_receiver() as hook:
        settings = load_alert_settings(
            {
                "JUPYTER_MLOPS_ALERTS_CONFIG": "/nonexistent/alerts.yaml",
                "JUPYTER_MLOPS_ALERT_WEBHOOK_URL": hook.url,
                "JUPYTER_MLOPS_ALERT_EVENTS": "failed",
            }
        )
        assert notify(settings, Alert("drift", "drift"), print) == []
    assert hook.posts == []


def test_a_failing_channel_is_one_warning_without_secrets() -> None:
    dead = free_port()
    settings = load_alert_settings(
        {
            "JUPYTER_MLOPS_ALERTS_CONFIG": "/nonexistent/alerts.yaml",
            "JUPYTER_MLOPS_ALERT_WEBHOOK_URL": f"http://127.0.0.1:{dead}{TOKEN_PATH}",
            "JUPYTER_MLOPS_ALERT_SMTP_HOST": "127.0.0.1",
            "JUPYTER_MLOPS_ALERT_SMTP_PORT": str(dead),
            "JUPYTER_MLOPS_ALERT_SMTP_USERNAME": "bot",
            "JUPYTER_MLOPS_ALERT_SMTP_PASSWORD": PASSWORD,
            "JUPYTER_MLOPS_ALERT_EMAIL_FROM": "a@b.c",
            "JUPYTER_MLOPS_ALERT_EMAIL_TO": "d@e.f",
        }
    )
    warnings: list[str] = []
    assert notify(settings, Alert("failed", "run failed"), warnings.append) == []
    assert len(warnings) == 2
    assert warnings[0].startswith("warning: alert via webhook http://127.0.0.1/… failed: URLError")
    assert warnings[1].startswith(
        f"warning: alert via e-mail via 127.0.0.1:{dead} failed: ConnectionRefusedError"
    )
    assert all("tok3n" not in line and PASSWORD not in line and "\n" not in line for line in warnings)


def test_a_rejected_login_is_a_warning_without_the_password() -> None:
    with smtp_receiver("bot", "the-right-one") as smtp:
        settings = load_alert_settings(
            {
                "JUPYTER_MLOPS_ALERTS_CONFIG": "/nonexistent/alerts.yaml",
                "JUPYTER_MLOPS_ALERT_SMTP_HOST": smtp.host,
                "JUPYTER_MLOPS_ALERT_SMTP_PORT": str(smtp.port),
                "JUPYTER_MLOPS_ALERT_SMTP_STARTTLS": "0",
                "JUPYTER_MLOPS_ALERT_SMTP_USERNAME": "bot",
                "JUPYTER_MLOPS_ALERT_SMTP_PASSWORD": PASSWORD,
                "JUPYTER_MLOPS_ALERT_EMAIL_FROM": "a@b.c",
                "JUPYTER_MLOPS_ALERT_EMAIL_TO": "d@e.f",
            }
        )
        warnings: list[str] = []
        notify(settings, Alert("failed", "run failed"), warnings.append)
    assert len(warnings) == 1 and "SMTPAuthenticationError" in warnings[0]
    assert PASSWORD not in warnings[0] and smtp.messages == []


def test_the_alerts_command_shows_masked_settings_and_sends_a_test(
    cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with webhook_receiver() as hook, smtp_receiver() as smtp:
        monkeypatch.setenv("JUPYTER_MLOPS_ALERT_WEBHOOK_URL", hook.url)
        monkeypatch.setenv("JUPYTER_MLOPS_ALERT_SMTP_HOST", smtp.host)
        monkeypatch.setenv("JUPYTER_MLOPS_ALERT_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("JUPYTER_MLOPS_ALERT_SMTP_STARTTLS", "false")
        monkeypatch.setenv("JUPYTER_MLOPS_ALERT_EMAIL_FROM", "a@b.c")
        monkeypatch.setenv("JUPYTER_MLOPS_ALERT_EMAIL_TO", "d@e.f")
        shown = cli("alerts")
        sent = cli("alerts", "--test")
    assert shown.exit_code == 0 and "s3cr3t" not in shown.output
    assert "webhook: http://127.0.0.1/…\n" in shown.output  # no port, no path: the path is the token
    assert f"e-mail: {smtp.host}:{smtp.port} (no TLS) to d@e.f\n" in shown.output
    assert sent.exit_code == 0 and len(hook.posts) == 1 and len(smtp.messages) == 1
    assert hook.posts[0][1]["text"] == "jupyter-mlops: test alert"


def test_the_alerts_command_exits_2_on_bad_settings(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_MLOPS_ALERT_WEBHOOK_URL", "ftp://example.com/x")
    result = cli("alerts")
    assert result.exit_code == 2
    assert result.output == "jupyter-mlops: alert settings: webhook url must be an http(s) URL\n"


def test_starttls_verifies_the_server_and_logs_in_over_tls(tmp_path: Path) -> None:
    certificate, key = self_signed_certificate(tmp_path)
    with smtp_receiver("bot", PASSWORD, tls=(certificate, key)) as smtp:
        environ = {
            "JUPYTER_MLOPS_ALERTS_CONFIG": "/nonexistent/alerts.yaml",
            "JUPYTER_MLOPS_ALERT_SMTP_HOST": smtp.host,
            "JUPYTER_MLOPS_ALERT_SMTP_PORT": str(smtp.port),
            "JUPYTER_MLOPS_ALERT_SMTP_USERNAME": "bot",
            "JUPYTER_MLOPS_ALERT_SMTP_PASSWORD": PASSWORD,
            "JUPYTER_MLOPS_ALERT_EMAIL_FROM": "a@b.c",
            "JUPYTER_MLOPS_ALERT_EMAIL_TO": "d@e.f",
        }
        untrusted: list[str] = []
        assert notify(load_alert_settings(environ), Alert("failed", "run failed"), untrusted.append) == []
        trusted: list[str] = []
        settings = load_alert_settings({**environ, "JUPYTER_MLOPS_ALERT_SMTP_CA_FILE": str(certificate)})
        reached = notify(settings, Alert("failed", "run failed"), trusted.append)
    assert len(untrusted) == 1 and "SSLCertVerificationError" in untrusted[0] and PASSWORD not in untrusted[0]
    assert trusted == [] and reached == [f"e-mail via {smtp.host}:{smtp.port}"]
    assert smtp.logins == ["bot"] and len(smtp.messages) == 1
