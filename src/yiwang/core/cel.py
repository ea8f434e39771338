"""Conditions written in CEL (the Common Expression Language) over a person's form data.

Definition files carry small true/false expressions such as ``form.floor_area > 300``. This module
compiles them once (compiled programs are cached per process; the cache holds no shared state),
evaluates them against the form data bound to the name ``form``, and finds which form fields an
expression reads so that a loader can reject a condition that names a field the form lacks.

The rule for absent data, which the definition guide documents: an optional field the person left
empty is *absent* from ``form``. Reading an absent field (``form.floor_area > 300``) makes the whole
condition **false**; CEL's ``&&`` and ``||`` absorb that error when the other side already decides
the result, and ``has(form.floor_area)`` asks whether the field was filled in.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import cel

from yiwang.core.errors import YiwangError

FORM = "form"

# Functions of the CEL standard library that the evaluator provides. Operators (``_>_``, ``@in``,
# ``!_``...) and macros (``has``, ``all``, ``exists``, ``exists_one``, ``map``, ``filter``) are
# always available and are not listed here.
KNOWN_FUNCTIONS = frozenset(
    {
        "size",
        "contains",
        "startsWith",
        "endsWith",
        "matches",
        "int",
        "uint",
        "double",
        "string",
        "bytes",
        "dyn",
        "type",
        "timestamp",
        "duration",
        "getFullYear",
        "getMonth",
        "getDate",
        "getDayOfMonth",
        "getDayOfWeek",
        "getDayOfYear",
        "getHours",
        "getMinutes",
        "getSeconds",
        "getMilliseconds",
    }
)
MACROS_BINDING_A_NAME = frozenset({"all", "exists", "exists_one", "map", "filter"})


class ConditionError(YiwangError):
    """A condition cannot be compiled or evaluated; the message says why, for the file's author."""


class ConditionSyntaxError(ConditionError):
    pass


class ConditionEvaluationError(ConditionError):
    pass


# --- Lexing: enough of CEL's lexical grammar to find identifiers reliably ----------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<string>(?:[rR][bB]?|[bB][rR]?)?(?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''
                |"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
  | (?P<number>0[xX][0-9a-fA-F]+[uU]?|(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[uU]?)
  | (?P<ident>[_a-zA-Z][_a-zA-Z0-9]*)
  | (?P<punct>&&|\|\||==|!=|<=|>=|.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # "string", "number", "ident" or "punct"
    text: str
    offset: int


def tokens(source: str) -> list[Token]:
    """Split a CEL expression into tokens, dropping white space and ``//`` comments."""
    out = []
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup or "punct"
        if kind != "space":
            out.append(Token(kind, match.group(), match.start()))
    return out


def _string_value(token: Token) -> str | None:
    """The value of a simple string literal (no escapes), or ``None`` when it is not one."""
    text = token.text
    if text[:1] in "rRbB":
        if text[:1] in "bB" or text[1:2] in "bB":
            return None  # bytes, not a field name
        text = text[1:]
    for quote in ('"""', "'''", '"', "'"):
        if text.startswith(quote) and text.endswith(quote) and len(text) >= 2 * len(quote):
            body = text[len(quote) : -len(quote)]
            return None if "\\" in body else body
    return None


_ENDS_EXPRESSION = {"ident", "number", "string"}


def _ends_expression(token: Token | None) -> bool:
    return token is not None and (token.kind in _ENDS_EXPRESSION or token.text in (")", "]", "}"))


@dataclass(frozen=True)
class FieldReference:
    """``form.a.b`` or ``form["a"]`` inside a condition: the path of names read from the form."""

    path: tuple[str, ...]
    offset: int


@dataclass(frozen=True)
class References:
    fields: tuple[FieldReference, ...]
    bound_names: frozenset[str]  # names introduced by macros, e.g. the ``x`` of ``all(x, ...)``


def references(source: str, variable: str = FORM) -> References:
    """Find every path read from ``variable`` in a CEL expression.

    ``form.a``, ``form.a.b``, ``form["a"]`` and ``"a" in form`` all count as reading ``a``.
    A selection followed by ``(`` is a method call (``form.name.size()``), not a field.
    """
    toks = tokens(source)
    fields: list[FieldReference] = []
    bound: set[str] = set()
    for i, tok in enumerate(toks):
        prev = toks[i - 1] if i > 0 else None
        if (
            tok.kind == "ident"
            and tok.text in MACROS_BINDING_A_NAME
            and prev is not None
            and prev.text == "."
            and i + 3 < len(toks)
            and toks[i + 1].text == "("
            and toks[i + 2].kind == "ident"
            and toks[i + 3].text == ","
        ):
            bound.add(toks[i + 2].text)
        if tok.kind != "ident" or tok.text != variable:
            continue
        if (
            prev is not None
            and prev.text == "."
            and _ends_expression(toks[i - 2] if i > 1 else None)
        ):
            continue  # ``x.form`` selects a member called form of something else
        path, j = [], i + 1
        while j < len(toks):
            if (
                toks[j].text == "."
                and j + 1 < len(toks)
                and toks[j + 1].kind == "ident"
                and not (j + 2 < len(toks) and toks[j + 2].text == "(")
            ):
                path.append(toks[j + 1].text)
                j += 2
            elif (
                toks[j].text == "["
                and j + 2 < len(toks)
                and toks[j + 1].kind == "string"
                and toks[j + 2].text == "]"
                and _string_value(toks[j + 1]) is not None
            ):
                path.append(_string_value(toks[j + 1]) or "")
                j += 3
            else:
                break
        if not path and i >= 2 and prev is not None and prev.text == "in":
            key = _string_value(toks[i - 2]) if toks[i - 2].kind == "string" else None
            if key is not None:
                path = [key]
        if path:
            fields.append(FieldReference(tuple(path), tok.offset))
    return References(tuple(fields), frozenset(bound))


# --- Compiling and evaluating -----------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    source: str
    program: cel.Program

    def evaluate(self, form: Mapping[str, Any]) -> bool:
        """True or false for this form data; see the module docstring for absent fields."""
        try:
            result = self.program.execute({FORM: _absent_removed(form)})
        except KeyError:
            # An absent field was read and neither && nor || could decide without it.
            return False
        except (TypeError, RuntimeError, ValueError) as exc:
            raise ConditionEvaluationError(
                f"condition {self.source!r} could not be evaluated: {_first_line(exc)}"
            ) from exc
        if not isinstance(result, bool):
            raise ConditionEvaluationError(
                f"condition {self.source!r} must give true or false, but gave {result!r}"
            )
        return result


_LARGEST_FLOAT = int(sys.float_info.max)


def _absent_removed(value: Any) -> Any:
    """Empty answers (``None``) are absent, so ``has()`` is false for them. A whole number too
    large for a double (a draft keeps whatever was typed) is compared as infinitely large: the
    evaluator could not take it at all."""
    if isinstance(value, Mapping):
        return {k: _absent_removed(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_absent_removed(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _LARGEST_FLOAT:
        return math.inf if value > 0 else -math.inf
    return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@functools.lru_cache(maxsize=4096)
def compile_condition(source: str) -> Condition:
    """Compile a condition once; raise :class:`ConditionSyntaxError` saying what is wrong."""
    if not isinstance(source, str) or not source.strip():
        raise ConditionSyntaxError("a condition must be a non-empty expression")
    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        raise ConditionSyntaxError(_syntax_message(exc)) from exc
    return Condition(source, program)


def _syntax_message(exc: BaseException) -> str:
    """The parser's message without the expression echo, e.g. ``1:4: Syntax error: ...``."""
    text = str(exc)
    match = re.search(r"ERROR: <input>:(\d+):(\d+): (.*)", text)
    if match:
        line, column, reason = match.groups()
        return f"does not compile (line {line}, column {column} of the expression): {reason}"
    return f"does not compile: {_first_line(exc)}"


def unknown_functions(condition: Condition) -> list[str]:
    """Named functions the evaluator does not provide (they would fail on every evaluation)."""
    names = condition.program.functions()
    return sorted(n for n in names if n[:1].isalpha() and n not in KNOWN_FUNCTIONS)


def unknown_names(condition: Condition, allowed: frozenset[str] = frozenset({FORM})) -> list[str]:
    """Top-level names other than ``form`` (and names a macro binds)."""
    bound = references(condition.source).bound_names
    return sorted(set(condition.program.variables()) - allowed - bound)


def iter_field_paths(source: str) -> Iterator[tuple[str, ...]]:
    for ref in references(source).fields:
        yield ref.path
