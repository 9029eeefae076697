"""The Hub's users file: Hub user → MLflow credentials, secrets from the file or the Hub's environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_mlops.hub import HubConfigError, MlflowIdentity, identity_of, read_users


def test_users_map_to_mlflow_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "users.yaml"
    path.write_text("users:\n  alice: {mlflow_user: alice-ml, password: pw}\n  bob: {token_env: BOB_TOKEN}\n")
    monkeypatch.setenv("BOB_TOKEN", "t-123")
    users = read_users(path)

    assert identity_of("alice", users).environment() == {
        "MLFLOW_TRACKING_USERNAME": "alice-ml",
        "MLFLOW_TRACKING_PASSWORD": "pw",
    }
    assert identity_of("bob", users) == MlflowIdentity("bob", None, "t-123")
    assert identity_of("carol", users).environment() == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("users: [alice]\n", "expected `users:"),
        ("users:\n  alice: {user: a}\n", "user 'alice': expected keys among"),
        ("users: {a: [\n", "not readable YAML"),
    ],
)
def test_a_bad_users_file_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "users.yaml"
    path.write_text(text)
    with pytest.raises(HubConfigError, match=message) as caught:
        read_users(path)
    assert "\n" not in str(caught.value)


def test_the_users_file_is_read_again_only_when_it_changes(tmp_path: Path) -> None:
    from jupyter_mlops.hub import UsersFile

    path = tmp_path / "users.yaml"
    path.write_text("users:\n  alice: {mlflow_user: a1}\n")
    users = UsersFile(path)
    first = users.users()

    assert users.users() is first  # unchanged file: the parsed mapping is reused
    path.write_text("users:\n  alice: {mlflow_user: a2, password: longer}\n")
    assert identity_of("alice", users.users()).username == "a2"
