"""The ``yiwang`` command. Each group lives beside the app it drives; this module composes them."""

from __future__ import annotations

import os

import typer

app = typer.Typer(help="yiwang (一网) digital-government platform", no_args_is_help=True)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.conf.settings")
    import django

    django.setup()


def _register() -> None:
    from yiwang.audit import cli as audit_cli

    app.add_typer(audit_cli.app, name="audit")


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
