"""The ``yiwang`` commands, run in-process with typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.demo.tests.conftest import dump_tables
from yiwang.identity.models import Person

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_config_lists_every_setting_and_hides_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    from yiwang.conf.env import SETTINGS

    monkeypatch.setenv("YIWANG_EMAIL_HOST_PASSWORD", "hunter2-smtp-secret")
    monkeypatch.setenv("YIWANG_SECRET_KEY", "k" * 60)
    monkeypatch.setenv("YIWANG_EMAIL_PORT", "2525")
    monkeypatch.delenv("YIWANG_AUDIT_SIGNING_KEY", raising=False)
    result = invoke("config", "--json")
    assert result.exit_code == 0
    assert "hunter2" not in result.output and "k" * 60 not in result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert set(rows) == {s.name for s in SETTINGS}
    assert rows["YIWANG_EMAIL_HOST_PASSWORD"]["value"] == "********"
    assert rows["YIWANG_EMAIL_HOST_PASSWORD"]["source"] == "env"
    assert rows["YIWANG_SECRET_KEY"]["value"] == "********"
    assert rows["YIWANG_EMAIL_PORT"] == {
        **rows["YIWANG_EMAIL_PORT"],
        "value": "2525",
        "source": "env",
    }
    assert rows["YIWANG_TIME_ZONE"]["source"] == "default"

    table = invoke("config")
    assert table.exit_code == 0
    assert "hunter2" not in table.output
    assert "********" in table.output
    assert "YIWANG_EMAIL_PORT" in table.output


def test_config_tells_an_unset_secret_and_a_generated_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("YIWANG_EMAIL_HOST_PASSWORD", raising=False)
    monkeypatch.delenv("YIWANG_SECRET_KEY", raising=False)
    rows = {row["name"]: row for row in json.loads(invoke("config", "--json").output)}
    assert rows["YIWANG_EMAIL_HOST_PASSWORD"]["value"] == "(unset)"
    assert rows["YIWANG_SECRET_KEY"]["value"] == "********"
    assert rows["YIWANG_SECRET_KEY"]["source"].startswith("generated (")
    assert rows["YIWANG_SECRET_KEY"]["source"].endswith("secret_key)")


@pytest.mark.django_db
def test_check_passes_on_a_working_configuration() -> None:
    result = invoke("check")
    assert result.exit_code == 0, result.output


@pytest.mark.django_db
def test_check_fails_when_the_data_directory_is_unusable(settings: Any, tmp_path: Path) -> None:
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("a file where the data directory should be")
    settings.DATA_DIR = not_a_dir
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1
    assert "yiwang.E010" in result.output
    assert "is not a directory" in result.output


@pytest.mark.django_db
def test_migrate_reports_an_up_to_date_database() -> None:
    result = invoke("migrate")
    assert result.exit_code == 0
    assert "no migrations to apply" in result.output


@pytest.mark.django_db
def test_manage_passes_through_to_django(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke("manage", "showmigrations", "identity", "--plan")
    output = result.output + capsys.readouterr().out
    assert result.exit_code == 0
    assert "[X]  identity.0001_squashed_0003_verbose_names" in output


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_hashing")
def test_load_demo_twice_changes_nothing() -> None:
    first = invoke("load-demo", "--people", "120", "--firms", "30", "--seed", "4")
    assert first.exit_code == 0, first.output
    assert "Generated people: 120 created" in first.output
    assert Person.objects.filter(account__isnull=True).count() == 120
    before = dump_tables()
    second = invoke("load-demo", "--people", "120", "--firms", "30", "--seed", "4")
    assert second.exit_code == 0, second.output
    assert "already loaded, nothing changed" in second.output
    assert "Generated people: 0 created, 120 already there" in second.output
    assert dump_tables() == before


@pytest.mark.django_db
def test_load_demo_is_refused_in_production(settings: Any) -> None:
    settings.PRODUCTION = True
    result = runner.invoke(app, ["load-demo", "--people", "5"])
    assert result.exit_code == 1
    assert "Refused" in result.output
    assert Person.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("fast_hashing")
def test_load_demo_reports_a_broken_file_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import shutil

    from yiwang.demo import loader

    data = tmp_path / "data"
    shutil.copytree(loader.DATA_DIR, data)
    regions = data / "regions.yaml"
    regions.write_text(regions.read_text().replace('parent: "990100"', 'parent: "990199"', 1))
    monkeypatch.setattr(loader, "DATA_DIR", data)
    monkeypatch.setattr(loader.read_world, "__defaults__", (data,))
    before = dump_tables()
    result = runner.invoke(app, ["load-demo"])
    assert result.exit_code == 1
    assert "regions.yaml: regions[3].parent: '990199' is not a region listed before" in (
        result.output
    )
    assert dump_tables() == before


def test_demo_is_refused_in_production_before_anything_starts(settings: Any) -> None:
    settings.PRODUCTION = True
    result = runner.invoke(app, ["demo", "--port", "1"])
    assert result.exit_code == 1
    assert "Refused" in result.output


def test_demo_says_when_its_port_is_taken() -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = runner.invoke(app, ["demo", "--port", str(port)])
    assert result.exit_code == 1
    assert f"Port {port} on 127.0.0.1 is in use" in result.output


def test_demo_port_is_free_again_as_soon_as_a_server_there_stopped() -> None:
    # A server that closed its connections first leaves them waiting (TIME_WAIT) on its port
    # for a minute; gunicorn, which listens with SO_REUSEADDR, can listen there again at once,
    # so the demo must not refuse.
    import socket

    from yiwang.demo.cli import port_free

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        served, _ = listener.accept()
        served.close()  # the server side closes first
        client.close()
    assert port_free("127.0.0.1", port)


def test_serve_takes_the_workers_it_is_given_and_refuses_fewer_than_one(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from yiwang.core import server

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(server, "serve", lambda **options: started.append(options))
    settings.YIWANG_WEB_WORKERS, settings.YIWANG_WEB_THREADS = 4, 2
    assert invoke("serve").exit_code == 0
    assert invoke("serve", "--workers", "1", "--threads", "1").exit_code == 0
    assert [(s["workers"], s["threads"]) for s in started] == [(4, 2), (1, 1)]
    for option in ("--workers", "--threads"):
        refused = runner.invoke(app, ["serve", option, "0"])
        assert refused.exit_code == 2
        assert option in refused.output
    assert len(started) == 2


def _commands(group: Any, path: str = "yiwang") -> Any:
    import click

    for name, command in group.commands.items():
        yield f"{path} {name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{path} {name}")


def test_help_paragraphs_are_not_broken_mid_sentence() -> None:
    import typer.main

    for name, command in _commands(typer.main.get_command(app)):
        for paragraph in (command.help or "").split("\n\n"):
            assert "\n" not in paragraph or paragraph.startswith("\b"), (name, paragraph)


def test_demo_logins_fit_an_80_column_terminal_unbroken() -> None:
    from rich.console import Console

    from yiwang.demo import loader
    from yiwang.demo.cli import print_logins

    out = Console(width=80, record=True, color_system=None)
    print_logins("http://127.0.0.1:8000", out)
    text = out.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    lines = text.splitlines()
    logins = loader.logins(loader.read_world())
    for login in logins:
        # Each login on one line, with where it starts; a long role may go on below it.
        row = next(line for line in lines if f" {login.username} " in line)
        assert f" {login.site} " in row
        first_word = login.role.split()[0]
        assert first_word in row, f"{login.role!r} broken in {row!r}"
    assert f"Password for every login: {logins[0].password}" in " ".join(text.split())
    assert "http://127.0.0.1:8000" in text
