"""Reading the YAML files people write and reporting their mistakes.

Service and bundle definitions, exchange definitions (data elements, registries, purposes,
agreements) and calendars are all read here, so every definition file follows the same rules.

Every loader reports a mistake as file, path inside the file (``process.stages[1].steps[0].role``)
and reason, with the line number where the YAML has one. This module holds what all loaders share:

* a YAML reader that follows YAML 1.2's plain rules, so that ``no`` stays text (the "Norway
  problem"), ``2026-01-01`` stays text (JSON Schema's ``date`` format checks it), ``10:30`` is not
  the number 630 and a repeated key is an error instead of silently winning;
* the map from each path to its line;
* turning JSON Schema errors into problems a person can act on.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from yiwang.core.errors import LoadProblem

PathParts = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars and duplicate keys refused."""

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


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^[-+]?(?:(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
        r"|[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
        r"|[0-9][0-9_]*[eE][-+]?[0-9]+)$"
    ),
    list("-+0123456789."),
)


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
    loader = _Loader(text)
    try:
        node = loader.get_single_node()  # type: ignore[no-untyped-call]  # PyYAML's stubs
        repeated = _repeated_key(node, (), set()) if node is not None else None
        if repeated is not None:
            raise UnreadableFile(_repeated_key_problem(name, *repeated))
        data = loader.construct_document(node) if node is not None else None  # type: ignore[no-untyped-call]  # PyYAML's stubs
    except yaml.MarkedYAMLError as exc:
        raise UnreadableFile(LoadProblem(name, "", _yaml_reason(exc))) from exc
    except yaml.YAMLError as exc:
        raise UnreadableFile(
            LoadProblem(name, "", _("YAML syntax error: %(what)s") % {"what": exc})
        ) from exc
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]  # PyYAML's stubs
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
    for error in _leaf_errors(validator.iter_errors(instance)):
        for path, reason in _explain(error):
            problems.append(doc.problem((*prefix, *path), reason))
    return list(dict.fromkeys(problems))  # unique, in the order the validator found them


def _leaf_errors(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            # The alternative that got furthest explains the mistake best.
            deepest = max(error.context, key=lambda e: len(e.absolute_path))
            same_depth = [
                e for e in error.context if len(e.absolute_path) == len(deepest.absolute_path)
            ]
            if len(deepest.absolute_path) > len(error.absolute_path):
                yield from _leaf_errors(same_depth)
                continue
        yield error


def _json_type(value: Any) -> str:
    if value is None:
        return _("empty (null)")
    if isinstance(value, bool):
        return _("true or false")
    if isinstance(value, int):
        return _("a whole number")
    if isinstance(value, float):
        return _("a number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping")
    return type(value).__name__


# The ``description`` of each schema rule that has a ``pattern``: shown after "must be" when a
# value does not match, so they are marked here for the message catalogue.
SCHEMA_RULES = (
    gettext_noop(
        "a code: lower-case letters a-z and digits, words joined by '-' or '_', starting with a "
        "letter (e.g. 'food-licence')"
    ),
    gettext_noop(
        "a code: lower-case letters a-z and digits, words joined by '-' or '_', starting with a "
        "letter (e.g. 'open-a-restaurant')"
    ),
    gettext_noop(
        "a field name: lower-case letters a-z, digits and '_', starting with a letter "
        "(e.g. 'floor_area')"
    ),
    gettext_noop("a file name extension with its dot, in lower case, e.g. '.pdf'"),
    gettext_noop("a MIME type in lower case, e.g. 'application/pdf'"),
    gettext_noop("a three-letter ISO 4217 currency code in capitals, e.g. CNY"),
    gettext_noop("the code of the region (identity Region.code): letters, digits, '-' and '_'"),
)


def _type_words() -> dict[str, str]:
    return {
        "object": _("a mapping (key: value)"),
        "array": _("a list"),
        "string": _("text"),
        "integer": _("a whole number"),
        "number": _("a number"),
        "boolean": _("true or false"),
        "null": _("empty (null)"),
    }


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _explain(error: ValidationError) -> list[tuple[PathParts, str]]:
    """What a person should read for one JSON Schema error, and where it points."""
    path: PathParts = tuple(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    described = error.schema.get("description") if isinstance(error.schema, dict) else None
    # Only a description written as a rule (SCHEMA_RULES) reads after "must be"; another one
    # (e.g. "Where a value is in a JSON answer: ...") is shown beside the pattern instead.
    rule = _(described) if described in SCHEMA_RULES else None
    hint = described if isinstance(described, str) and rule is None else None
    if "propertyNames" in error.relative_schema_path and isinstance(instance, str):
        # A key itself is wrong: point at the key, not at the mapping that holds it.
        message = _("%(key)s is not a valid name here: must be %(rule)s")
        return [((*path, instance), message % {"key": _show(instance), "rule": rule or value})]
    if kind == "required" and isinstance(instance, dict):
        missing = [name for name in value if name not in instance]
        return [((*path, name), _("is missing; this key is required")) for name in missing]
    if kind in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        return _unknown_keys(error, path, instance)
    if kind == "type":
        expected = value if isinstance(value, list) else [value]
        words = _(" or ").join(_type_words().get(str(t), str(t)) for t in expected)
        message = _("must be %(expected)s, not %(actual)s")
        return [(path, message % {"expected": words, "actual": _json_type(instance)})]
    if kind == "enum":
        options = ", ".join(_show(v) for v in value)
        message = _("%(value)s is not allowed; use one of: %(options)s")
        return [(path, message % {"value": _show(instance), "options": options})]
    if kind == "const":
        return [(path, _("must be %(value)s") % {"value": _show(value)})]
    if kind == "minLength" and value == 1:
        return [(path, _("must not be empty"))]
    if kind == "minItems":
        message = ngettext("needs at least %(count)d item", "needs at least %(count)d items", value)
        return [(path, message % {"count": value})]
    if kind == "maxItems":
        message = ngettext(
            "may hold at most %(count)d item", "may hold at most %(count)d items", value
        )
        return [(path, message % {"count": value})]
    if kind == "uniqueItems":
        return [(path, _("lists the same item more than once"))]
    if kind == "pattern" and hint:
        message = _("%(value)s is not valid: must match %(pattern)s; %(description)s")
        return [(path, message % {"value": _show(instance), "pattern": value, "description": hint})]
    if kind == "pattern":
        message = _("%(value)s is not valid: must be %(rule)s")
        return [(path, message % {"value": _show(instance), "rule": rule or value})]
    if kind == "format" and value == "regex" and isinstance(instance, str):
        try:
            re.compile(instance)
        except re.error as exc:
            message = _("%(value)s is not a valid regular expression: %(error)s")
            return [(path, message % {"value": _show(instance), "error": exc})]
    if kind == "format":
        message = _("%(value)s is not a valid %(format)s")
        return [(path, message % {"value": _show(instance), "format": value})]
    if kind == "not" and isinstance(value, dict) and set(value) == {"required"}:
        # ``else: {not: {required: [key]}}``: a key that belongs only with another setting.
        present = [n for n in value["required"] if isinstance(instance, dict) and n in instance]
        if present:
            reason = _("is not allowed here; this key goes only with other settings")
            return [((*path, name), reason) for name in present]
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        sign = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}
        message = _("must be %(sign)s %(limit)s, not %(value)s")
        return [(path, message % {"sign": sign[kind], "limit": value, "value": instance})]
    return [(path, error.message)]


def _unknown_keys(
    error: ValidationError, path: PathParts, instance: dict[str, Any]
) -> list[tuple[PathParts, str]]:
    allowed = sorted(error.schema.get("properties", {}))
    patterns = error.schema.get("patternProperties", {})
    extra = [k for k in instance if k not in allowed and not any(re.search(p, k) for p in patterns)]
    out: list[tuple[PathParts, str]] = []
    for key in extra:
        reason = _("unknown key '%(key)s'") % {"key": key}
        close = difflib.get_close_matches(key, allowed, n=1)
        if close:
            reason += "; " + _("did you mean '%(key)s'?") % {"key": close[0]}
        if allowed:
            reason += "; " + _("allowed keys here: %(keys)s") % {"keys": ", ".join(allowed)}
        if instance[key] is None:
            # ``{en: Size, colour}`` makes "colour" a key: the comma ended the text.
            reason += ". " + _(
                "If it was meant to be part of a text, put the whole text in quotes: inside { } "
                "a comma starts a new key"
            )
        out.append(((*path, key), reason))
    return out or [(path, error.message)]
