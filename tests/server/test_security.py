"""Jupyter auth and XSRF are enforced on every route; credentials never reach the browser; outages → 503."""

from __future__ import annotations

import inspect
import json
import logging
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import tornado.web
from jupyter_server.auth.decorator import authorized
from tornado.httpclient import HTTPClientError

from jupyter_mlops.core.contract import ENDPOINTS
from jupyter_mlops.server import routes
from tests.support.mlflow_server import free_port

pytestmark = pytest.mark.slow
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
AUTHENTICATED_CODE = tornado.web.authenticated(lambda self: None).__code__
AUTHORIZED_CODE = authorized("read")(lambda self: None).__code__


def unauthenticated_methods(handler: type) -> list[str]:
    """Request methods a handler defines without `@tornado.web.authenticated` over `@authorized`."""
    missing = []
    for name in HTTP_METHODS:
        method = handler.__dict__.get(name)
        if method is None:
            continue
        if getattr(method, "__code__", None) is not AUTHENTICATED_CODE or not hasattr(method, "__wrapped__"):
            missing.append(f"{handler.__name__}.{name}")
        elif getattr(method.__wrapped__, "__code__", None) is not AUTHORIZED_CODE:
            missing.append(f"{handler.__name__}.{name} (no @authorized)")
    return missing


def test_every_route_handler_method_is_authenticated() -> None:
    table = routes.route_table()
    assert len(table) == len({endpoint.path for endpoint in ENDPOINTS})
    missing = [name for _, handler in table for name in unauthenticated_methods(handler)]
    assert missing == []
    for endpoint in ENDPOINTS:
        handler = routes.HANDLERS[endpoint.path]
        assert endpoint.method.lower() in handler.__dict__, f"{endpoint.name}: {handler.__name__} lacks it"


def test_the_walk_catches_a_forgotten_decorator() -> None:
    class Careless(routes.handlers.MLOpsHandler):
        async def get(self) -> None:
            return None

        @tornado.web.authenticated
        async def post(self) -> None:
            return None

    assert unauthenticated_methods(Careless) == ["Careless.get", "Careless.post (no @authorized)"]


def walk_rules(router: Any) -> list[tuple[str, Any]]:
    """(pattern, handler) of every rule under a tornado router, nested routers included."""
    found = []
    for rule in getattr(router, "rules", []):
        pattern = getattr(rule.matcher, "regex", None)
        if isinstance(rule.target, type):
            found.append((pattern.pattern if pattern is not None else "", rule.target))
        else:
            found.extend(walk_rules(rule.target))
    return found


async def test_live_server_routes_are_all_authenticated(jp_serverapp: Any) -> None:
    rules = walk_rules(jp_serverapp.web_app.default_router) + walk_rules(jp_serverapp.web_app.wildcard_router)
    found = {handler for pattern, handler in rules if "jupyter-mlops" in pattern}
    assert found == set(routes.HANDLERS.values())
    assert [name for handler in found for name in unauthenticated_methods(handler)] == []
    extension = jp_serverapp.extension_manager.extension_apps["jupyter_mlops"]
    (app,) = extension  # declared through ExtensionApp.handlers, not added to the web app by hand
    assert {handler for _, handler in app.handlers} == set(routes.HANDLERS.values())


async def test_requests_without_a_token_are_refused(
    http_server_client: Any, jp_base_url: str, jp_serverapp: Any
) -> None:
    for path in (
        "jupyter-mlops/config",
        "jupyter-mlops/runs?experiment_id=0",
        "jupyter-mlops/registered-models",
    ):
        response = await http_server_client.fetch(f"{jp_base_url}{path}", raise_error=False)
        assert response.code == 403, path
        assert json.loads(response.body)["code"] == "permission_denied"
    response = await http_server_client.fetch(
        f"{jp_base_url}jupyter-mlops/aliases",
        method="POST",
        body=json.dumps({"name": "m", "alias": "production", "version": "1"}),
        raise_error=False,
    )
    assert response.code == 403


async def login_cookies(http_server_client: Any, jp_base_url: str, token: str) -> dict[str, str]:
    """Log in through Jupyter's login form, as a browser does; return the cookies it set."""
    page = await http_server_client.fetch(f"{jp_base_url}login", raise_error=False)
    cookies = cookie_jar(page)
    body = urllib.parse.urlencode({"password": token, "_xsrf": cookies["_xsrf"]})
    answer = await http_server_client.fetch(
        f"{jp_base_url}login",
        method="POST",
        body=body,
        headers={"Cookie": cookie_header(cookies)},
        follow_redirects=False,
        raise_error=False,
    )
    assert answer.code == 302
    cookies.update(cookie_jar(answer))
    return cookies


def cookie_jar(response: Any) -> dict[str, str]:
    jar = {}
    for header in response.headers.get_list("Set-Cookie"):
        match = re.match(r"([^=]+)=([^;]*)", header)
        if match:
            jar[match.group(1)] = match.group(2)
    return jar


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{key}={value}" for key, value in cookies.items())


async def test_post_without_xsrf_token_is_refused(
    http_server_client: Any, jp_base_url: str, jp_serverapp: Any, notebook_in_root: Any
) -> None:
    cookies = await login_cookies(http_server_client, jp_base_url, jp_serverapp.identity_provider.token)
    url = f"{jp_base_url}jupyter-mlops/experiment"
    body = json.dumps({"notebook": "analysis/train.ipynb"})
    refused = await http_server_client.fetch(
        url, method="POST", body=body, headers={"Cookie": cookie_header(cookies)}, raise_error=False
    )
    assert refused.code == 403
    assert json.loads(refused.body)["message"] == "'_xsrf' argument missing from POST"
    accepted = await http_server_client.fetch(
        url,
        method="POST",
        body=body,
        headers={"Cookie": cookie_header(cookies), "X-XSRFToken": cookies["_xsrf"]},
        raise_error=False,
    )
    assert accepted.code == 200, accepted.body
    got = await http_server_client.fetch(
        f"{jp_base_url}jupyter-mlops/config", headers={"Cookie": cookie_header(cookies)}, raise_error=False
    )
    assert got.code == 200


@pytest.fixture
def unreachable_store(store_target: Any) -> str:
    """Point the extension at a port nothing listens on, with credentials in the URI (request it before
    jp_fetch, so the server starts with it)."""
    port = free_port()
    store_target.tracking_uri = f"http://alice:s3cret-pw@127.0.0.1:{port}"
    return f"http://127.0.0.1:{port}"


async def test_unreachable_store_is_503_naming_the_uri(unreachable_store: str, jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("jupyter-mlops", "runs", params={"experiment_id": "0"})
    error = json.loads(caught.value.response.body)
    assert caught.value.code == 503
    assert error["code"] == "store_unreachable"
    assert error["message"].startswith(f"The MLflow store {unreachable_store} is unreachable.")
    assert "s3cret-pw" not in caught.value.response.body.decode()


async def test_credentials_never_reach_the_browser(
    unreachable_store: str, jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "alice")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "another-s3cret")
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "tok-s3cret")
    body = (await jp_fetch("jupyter-mlops", "config")).body.decode()
    config = json.loads(body)
    assert config["tracking_uri"] == unreachable_store
    assert config["auth_configured"] is True
    for secret in ("s3cret-pw", "another-s3cret", "tok-s3cret", "alice"):
        assert secret not in body


SECRETS = ("s3cret-pw", "tok-s3cret", "sig-s3cret", "at-s3cret")


@pytest.fixture
def store_with_secrets(store_target: Any) -> str:
    """A store URI carrying user info and secrets in its query string, where nothing listens (request it
    before jp_fetch)."""
    port = free_port()
    store_target.tracking_uri = (
        f"http://alice:s3cret-pw@127.0.0.1:{port}/?token=tok-s3cret&sig=sig-s3cret&access_token=at-s3cret"
    )
    return f"http://127.0.0.1:{port}/?token=***&sig=***&access_token=***"


class Lines(logging.Handler):
    """Every formatted log line (tracebacks included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def server_log(jp_serverapp: Any) -> Iterator[Lines]:
    """Everything any logger writes while the test runs (the server's, the extension's, MLflow's, ...)."""
    lines = Lines()
    loggers = [logging.getLogger()] + [
        item for item in logging.Logger.manager.loggerDict.values() if isinstance(item, logging.Logger)
    ]
    levels = {logger: logger.level for logger in loggers}
    for logger in loggers:
        logger.addHandler(lines)
        logger.setLevel(logging.DEBUG)
    yield lines
    for logger in loggers:
        logger.removeHandler(lines)
        logger.setLevel(levels[logger])


async def test_query_string_secrets_reach_neither_the_browser_nor_the_log(
    store_with_secrets: str, server_log: Lines, jp_fetch: Any, jp_base_url: str
) -> None:
    config = (await jp_fetch("jupyter-mlops", "config")).body.decode()
    assert json.loads(config)["tracking_uri"] == store_with_secrets
    answers = [config]
    for path, params in (("runs", {"experiment_id": "0"}), ("experiments", {})):
        with pytest.raises(HTTPClientError) as caught:
            await jp_fetch("jupyter-mlops", path, params=params)
        answers.append(caught.value.response.body.decode())
        assert json.loads(answers[-1])["code"] == "store_unreachable"
    assert json.loads(answers[1])["detail"]  # the detail is kept, only scrubbed
    logged = "\n".join(server_log.lines)
    assert f"jupyter-mlops GET {jp_base_url}jupyter-mlops/runs?experiment_id=0: API request to" in logged
    for secret in SECRETS:
        assert secret not in "".join(answers), secret
        assert secret not in logged, secret


async def test_tracking_uri_cannot_come_from_the_browser(unreachable_store: str, jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("jupyter-mlops", "experiments", params={"tracking_uri": "http://evil.example"})
    assert caught.value.code == 400
    assert json.loads(caught.value.response.body)["message"].startswith(
        "Unknown query parameter 'tracking_uri'"
    )


def test_handlers_hold_no_try_except() -> None:
    source = inspect.getsource(routes.handlers)
    assert source.count("except ") == 2  # JSON body parsing and integer coercion only
