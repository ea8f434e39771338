"""Registry tables are private to the exchange: no other app imports its models or names them.

Every other app must read registry data through ``yiwang.exchange.services.read`` (audited,
authorised, logged for the person). This test reads the source of every other app and fails on
an import of ``yiwang.exchange.models``, on ``apps.get_model("exchange", ...)``, and on any
mention of the registry tables by name (raw SQL included).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]
PRIVATE_TABLES = ("exchange_registryrecord", "exchange_registryrecordversion")
PRIVATE_MODELS = ("RegistryRecord", "RegistryRecordVersion")


def other_apps_sources() -> list[Path]:
    files = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if relative.parts[0] == "exchange" or "migrations" in relative.parts:
            continue
        files.append(path)
    return files


def violations(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
            names = {alias.name for alias in node.names}
            if module.startswith("yiwang.exchange.models") or (
                module == "yiwang.exchange" and "models" in names
            ):
                found.append(f"line {node.lineno}: imports yiwang.exchange.models")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("yiwang.exchange.models"):
                    found.append(f"line {node.lineno}: imports yiwang.exchange.models")
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "get_model":
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if args and str(args[0]).lower().startswith("exchange"):
                found.append(f"line {node.lineno}: get_model({args[0]!r}, ...)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.lower()
            names = [t for t in PRIVATE_TABLES if t in text]
            names += [f"exchange.{m}" for m in PRIVATE_MODELS if f"exchange.{m.lower()}" in text]
            if names:
                found.append(f"line {node.lineno}: names {names[0]}")
    return found


def test_no_other_app_reaches_into_registry_tables() -> None:
    problems = {
        str(path.relative_to(SRC)): found
        for path in other_apps_sources()
        if (found := violations(path))
    }
    assert problems == {}


def test_the_scan_catches_each_kind_of_violation(tmp_path: Path) -> None:
    sample = tmp_path / "sneaky.py"
    sample.write_text(
        "from yiwang.exchange.models import RegistryRecord\n"
        "from yiwang.exchange import models\n"
        "import yiwang.exchange.models as m\n"
        "from django.apps import apps\n"
        "Record = apps.get_model('exchange', 'RegistryRecord')\n"
        "SQL = 'SELECT values FROM exchange_registryrecord WHERE subject_key = %s'\n"
        "FK = 'exchange.RegistryRecordVersion'\n",
        encoding="utf-8",
    )
    found = violations(sample)
    assert len(found) == 6, found
    assert other_apps_sources(), "the scan must look at some files"
    assert not any(p.is_relative_to(SRC / "exchange") for p in other_apps_sources())
