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
import itertools
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
    """Where the parser stopped and why, for a message in the reader's language.

    ``problem`` is ``"unexpected"`` (``token`` stands where it cannot), ``"end"`` (the expression
    stops where something more is needed), ``"missing"`` (``token`` should be at that place),
    ``"unknown"`` (``token`` is not part of the language at all, e.g. ``$`` or a quote never
    closed), ``"empty"`` or ``"other"``. ``line`` and ``column`` count from 1 (0 when unknown).
    """

    def __init__(
        self,
        message: str,
        *,
        problem: str = "other",
        line: int = 0,
        column: int = 0,
        token: str = "",
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.line = line
        self.column = column
        self.token = token


class ConditionEvaluationError(ConditionError):
    """A condition failed on some data. ``problem`` says how, for the loader's message:
    ``"operands"`` (an operation on values it does not take; ``operation`` holds the operator and
    the two operand types when the evaluator names them, e.g. ``("*", "float", "int")``),
    ``"result"`` (not true or false), ``"function"`` (a function that does not take such a value)
    or ``"value"`` (the values themselves: a division by zero, text that is no number...)."""

    def __init__(
        self,
        message: str,
        *,
        problem: str = "value",
        operation: tuple[str, str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.operation = operation


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
        except (TypeError, RuntimeError, ValueError, ArithmeticError, LookupError) as exc:
            # LookupError: KeyError is handled above, so an index past the end of a list.
            raise _evaluation_error(self.source, exc) from exc
        if not isinstance(result, bool):
            raise ConditionEvaluationError(
                f"condition {self.source!r} must give true or false, but gave {result!r}",
                problem="result",
            )
        return result


_UNSUPPORTED = re.compile(r"Unsupported operation: (\w+) (\S+) (\w+)")


def _evaluation_error(source: str, exc: BaseException) -> ConditionEvaluationError:
    """Sort the evaluator's error: operand types (the same for any data of those types) apart
    from errors that depend on the values."""
    reason = _first_line(exc)
    message = f"condition {source!r} could not be evaluated: {reason}"
    match = _UNSUPPORTED.match(reason)
    if match:
        left, op, right = match.groups()
        return ConditionEvaluationError(message, problem="operands", operation=(op, left, right))
    if isinstance(exc, TypeError) and reason.startswith("No such overload"):
        return ConditionEvaluationError(message, problem="operands")
    if reason.startswith("Undefined variable or function"):
        # Every name was checked before: a function called on a value it does not take.
        return ConditionEvaluationError(message, problem="function")
    return ConditionEvaluationError(message, problem="value")


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
        raise ConditionSyntaxError("a condition must be a non-empty expression", problem="empty")
    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        raise _syntax_error(exc) from exc
    return Condition(source, program)


_PARSER_ERROR = re.compile(r"ERROR: <input>:(\d+):(\d+): (.*)")
# The parser's (ANTLR's) wordings of its first error, e.g. "Syntax error: extraneous input '||'
# expecting {'[', '{', ...}": the list of tokens it expected is jargon to a reader and dropped.
_PARSER_REASONS = (
    (re.compile(r"Syntax error: (?:extraneous|mismatched) input '(.*)' expecting"), "unexpected"),
    (re.compile(r"Syntax error: no viable alternative at input '(.*)'$"), "unexpected"),
    (re.compile(r"Syntax error: token recognition error at: '(.*)'$"), "unknown"),
    (re.compile(r"Syntax error: missing '(.*)' at '.*'$"), "missing"),
)
_END = "<EOF>"


def _syntax_error(exc: BaseException) -> ConditionSyntaxError:
    """The parser's first error, without the expression echo and the parser's token lists."""
    errors = list(_PARSER_ERROR.finditer(str(exc)))
    if not errors:
        return ConditionSyntaxError(f"does not compile: {_first_line(exc)}")
    for match, (pattern, problem) in itertools.product(errors, _PARSER_REASONS):
        found = pattern.match(match.group(3).strip())
        if not found:
            continue
        line, column = int(match.group(1)), int(match.group(2))
        where = f"line {line}, column {column} of the expression"
        token = found.group(1).strip()
        if problem == "unknown" and token[:1] in ("'", '"'):
            return ConditionSyntaxError(
                f"does not compile ({where}): a quote is not closed",
                problem="quote",
                line=line,
                column=column,
            )
        if problem == "unexpected" and (token == _END or not token):
            return ConditionSyntaxError(
                f"does not compile ({where}): the expression ends too early",
                problem="end",
                line=line,
                column=column,
            )
        if problem == "unexpected" and token.endswith(_END):
            token = token[: -len(_END)].strip() or token  # "no viable alternative at 'x<EOF>'"
        said = {
            "unexpected": f"unexpected '{token}'",
            "unknown": f"'{token}' is not part of the condition language",
            "missing": f"'{token}' is missing",
        }[problem]
        return ConditionSyntaxError(
            f"does not compile ({where}): {said}",
            problem=problem,
            line=line,
            column=column,
            token=token,
        )
    line, column = int(errors[0].group(1)), int(errors[0].group(2))
    return ConditionSyntaxError(
        f"does not compile (line {line}, column {column} of the expression)",
        problem="other",
        line=line,
        column=column,
    )


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
