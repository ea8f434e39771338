"""Reading the YAML files people write and reporting their mistakes.

Service and bundle definitions, exchange definitions (data elements, registries, purposes,
agreements) and calendars are all read here, so every definition file follows the same rules.

Every loader reports a mistake as file, path inside the file (``process.stages[1].steps[0].role``)
and reason, with the line number where the YAML has one. This module holds what all loaders share:

* a YAML reader that follows YAML 1.2's plain rules, so that ``no`` stays text (the "Norway
  problem"), ``2026-01-01`` stays text (JSON Schema's ``date`` format checks it), ``10:30`` is not
  the number 630 and a repeated key is an error instead of silently winning;
* the map from each path to its line;
* turning JSON Schema errors into problems a person can act on (the reasons themselves are in
  :mod:`yiwang.core.schema_reasons`).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker

from yiwang.core.errors import LoadProblem
from yiwang.core.schema_reasons import PathParts, explain, leaf_errors

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Rules(yaml.constructor.SafeConstructor):
    """What both loaders below add to PyYAML's safe loader: duplicate keys refused."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]  # PyYAML's stubs
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    _("the key %(key)s is not text; put it in quotes") % {"key": key},
                    key_node.start_mark,
                )
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    _("the key '%(key)s' appears twice in the same mapping (first on line %(n)d)")
                    % {"key": key, "n": first},
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


class _Loader(_Rules, yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars and duplicate keys refused."""


# The same rules over libyaml's parser, about ten times faster: files are read with it, and a
# file it refuses is read again with the pure-Python loader, whose messages are the ones people
# see (libyaml words some errors differently, and without the character at fault).
_FastLoader: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(_Rules, yaml.CSafeLoader):  # type: ignore[no-redef]
        pass


def _core_schema(loader: type[Any]) -> None:
    """YAML 1.2 core-schema scalars: yes/no/on/off and sexagesimals stay text, no timestamps."""
    loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT, _TIMESTAMP)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    loader.add_implicit_resolver(
        _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    loader.add_implicit_resolver(
        _INT, re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+)$"), list("-+0123456789")
    )
    loader.add_implicit_resolver(
        _FLOAT,
        re.compile(
            r"^[-+]?(?:(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
            r"|[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
            r"|[0-9][0-9_]*[eE][-+]?[0-9]+)$"
        ),
        list("-+0123456789."),
    )


_core_schema(_Loader)
if _FastLoader is not None:
    _core_schema(_FastLoader)


@dataclass
class Document:
    """One parsed file: its data and the line on which each path starts."""

    file: str
    data: Any
    lines: dict[PathParts, int] = field(default_factory=dict)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        parts = tuple(path)
        while True:
            if parts in self.lines:
                return self.lines[parts]
            if not parts:
                return None
            parts = parts[:-1]

    def problem(self, path: Sequence[str | int], reason: str) -> LoadProblem:
        line = self.line_of(path)
        if line is not None:
            reason = _("%(reason)s (line %(line)d)") % {"reason": reason, "line": line}
        return LoadProblem(self.file, format_path(path), reason)


class UnreadableFile(Exception):
    def __init__(self, problem: LoadProblem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def read_yaml(path: Path, display_name: str | None = None) -> Document:
    """Parse one YAML file holding one document; raise :class:`UnreadableFile` with the reason."""
    name = display_name or display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            LoadProblem(
                name,
                "",
                _("is not UTF-8 text (byte %(byte)d); save it as UTF-8") % {"byte": exc.start},
            )
        ) from exc
    except OSError as exc:
        reason = _("cannot be read: %(error)s") % {"error": exc.strerror}
        raise UnreadableFile(LoadProblem(name, "", reason)) from exc
    return parse_yaml(text, name)


def display_path(path: Path) -> str:
    """How a file is named in messages: relative to the current folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def parse_yaml(text: str, name: str) -> Document:
    if _FastLoader is not None:
        try:
            return _parse_with(_FastLoader, text, name)
        except UnreadableFile:  # every YAML error arrives as one
            pass  # read again below, for the message people can act on
    return _parse_with(_Loader, text, name)


def _parse_with(loader_class: type[Any], text: str, name: str) -> Document:
    loader = None
    try:
        loader = loader_class(text)  # the pure loader checks every character here
        node = loader.get_single_node()  # type: ignore[no-untyped-call]  # PyYAML's stubs
        repeated = _repeated_key(node, (), set()) if node is not None else None
        if repeated is not None:
            raise UnreadableFile(_repeated_key_problem(name, *repeated))
        data = loader.construct_document(node) if node is not None else None  # type: ignore[no-untyped-call]  # PyYAML's stubs
    except yaml.reader.ReaderError as exc:
        raise UnreadableFile(LoadProblem(name, "", _character_reason(exc, text))) from exc
    except yaml.MarkedYAMLError as exc:
        raise UnreadableFile(LoadProblem(name, "", _yaml_reason(exc))) from exc
    except yaml.YAMLError as exc:
        raise UnreadableFile(
            LoadProblem(name, "", _("YAML syntax error: %(what)s") % {"what": exc})
        ) from exc
    finally:
        if loader is not None:
            loader.dispose()
    doc = Document(name, data)
    if node is not None:
        _record_lines(node, (), doc.lines)
    return doc


def _repeated_key(
    node: yaml.Node, path: PathParts, seen: set[int]
) -> tuple[PathParts, int, int] | None:
    """The first key, in reading order, given twice in one mapping: its path and both lines.

    Found on the parsed nodes, before any value is built, so that the message can name where
    the mapping is; the loader's own check (which knows only a line) stays as a safety net.
    """
    if id(node) in seen:  # an alias: the anchored node was looked at already
        return None
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR):
                continue  # merge keys, and keys that are not text (refused when built)
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in first:
                return (*path, key), first[key], line
            first[key] = line
            found = _repeated_key(value_node, (*path, key), seen)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found = _repeated_key(item, (*path, index), seen)
            if found is not None:
                return found
    return None


def _repeated_key_problem(file: str, path: PathParts, first: int, line: int) -> LoadProblem:
    reason = _("the key '%(key)s' appears twice in the same mapping (first on line %(n)d)") % {
        "key": path[-1],
        "n": first,
    }
    reason = _("%(reason)s (line %(line)d)") % {"reason": reason, "line": line}
    return LoadProblem(file, format_path(path), reason)


def _yaml_reason(exc: yaml.MarkedYAMLError) -> str:
    """The parser's own words (English), framed so a person knows where to look."""
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(part for part in (exc.context, exc.problem) if part)
    if "'\\t'" in what:
        what += " (" + _("indent with spaces: YAML does not allow tabs") + ")"
    if "could not determine a constructor for the tag '!" in what:
        what += " (" + _("a value that starts with ! is read as a YAML tag: put it in quotes") + ")"
    if "expected a single document" in what:
        what = _("the file holds more than one YAML document ('---'); put one definition per file")
    if mark is None:
        return _("YAML syntax error: %(what)s") % {"what": what}
    message = _("YAML syntax error at line %(line)d, column %(column)d: %(what)s")
    return message % {"line": mark.line + 1, "column": mark.column + 1, "what": what}


def _character_reason(exc: yaml.reader.ReaderError, text: str) -> str:
    """A character YAML does not allow (a control character, mostly pasted in unseen)."""
    position = exc.position if isinstance(exc.position, int) else 0
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return _(
        "the character U+%(code)04X at line %(line)d, column %(column)d is not allowed in a "
        "YAML file; delete it (it may be invisible: retype the text around it)"
    ) % {
        "code": exc.character if isinstance(exc.character, int) else 0,
        "line": line,
        "column": column,
    }


def _record_lines(node: yaml.Node, path: PathParts, lines: dict[PathParts, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                _record_lines(value_node, (*path, str(key_node.value)), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), lines)


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_$-]+$")


def format_path(parts: Iterable[str | int]) -> str:
    """``("process", "stages", 1, "steps", 0, "role")`` → ``process.stages[1].steps[0].role``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


_PATH_PART = re.compile(r'\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([A-Za-z0-9_$-]+)')


def split_path(text: str) -> PathParts:
    """``process.stages[1].role`` → ``("process", "stages", 1, "role")``, undoing format_path.

    For checks that report where a mistake is as text; raises ValueError on anything else.
    """
    parts: list[str | int] = []
    position = 0
    while position < len(text):
        match = _PATH_PART.match(text, position)
        if match is None:
            raise ValueError(f"not a path inside a file: {text!r}")
        index, quoted, plain = match.groups()
        if index is not None:
            parts.append(int(index))
        elif quoted is not None:
            parts.append(json.loads(quoted))
        else:
            parts.append(plain)
        position = match.end()
    return tuple(parts)


def close_codes(code: str, known: Iterable[str]) -> str:
    """ "; did you mean 'x' / 'y'?" for a mistyped code, or "" when nothing known is close."""
    close = difflib.get_close_matches(code, sorted(known), n=3)
    if not close:
        return ""
    return "; " + _("did you mean %(names)s?") % {"names": " / ".join(f"'{c}'" for c in close)}


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[LoadProblem]]:
    """Files named directly, and every ``*.yaml``/``*.yml`` under named folders, in name order."""
    files: list[Path] = []
    problems: list[LoadProblem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".yaml", ".yml")
            )
            if not found:
                problems.append(
                    LoadProblem(str(path), "", _("the folder holds no .yaml or .yml file"))
                )
            files.extend(found)
        elif path.is_file():
            if path.suffix.lower() not in (".yaml", ".yml"):
                problems.append(LoadProblem(str(path), "", _("is not a .yaml or .yml file")))
            else:
                files.append(path)
        else:
            problems.append(LoadProblem(str(path), "", _("no such file or folder")))
    unique: list[Path] = []
    seen: set[Path] = set()
    for f in files:
        resolved = f.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(f)
    return unique, problems


# --- JSON Schema ------------------------------------------------------------------------------


def format_checker() -> FormatChecker:
    """JSON Schema formats, with ``uri`` checked even without the optional rfc3987 package."""
    checker = FormatChecker()

    @checker.checks("uri", raises=ValueError)
    def _is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if any(c.isspace() for c in value):
            return False
        parts = urlsplit(value)
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", parts.scheme):
            return False
        # A web address needs a host; other schemes (urn:, mailto:) need only something after ':'.
        return bool(parts.netloc) if parts.scheme.lower() in ("http", "https") else bool(parts.path)

    return checker


@cache
def load_schema(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    Draft202012Validator.check_schema(schema)
    return schema


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=format_checker())


def schema_problems(
    validator: Draft202012Validator, instance: Any, doc: Document, prefix: PathParts = ()
) -> list[LoadProblem]:
    """Every JSON Schema violation in ``instance`` as a problem, in document order."""
    problems = []
    for error in leaf_errors(validator.iter_errors(instance)):
        for path, reason in explain(error):
            problems.append(doc.problem((*prefix, *path), reason))
    return list(dict.fromkeys(problems))  # unique, in the order the validator found them


__all__ = ["PathParts"]  # where the loaders take it from
