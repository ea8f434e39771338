"""Comparisons in a condition that can never work: a field compared with a literal of another type.

CEL compares values of different types as simply unequal (``form.building_structure == 3`` is
never true, ``form.has_sprinklers == "yes"`` never either) and never converts between them, so a
sample run of the condition does not show the mistake. This reads the condition's comparisons
against the form's field types instead.

The check is sound, not complete: it parses the common part of CEL and judges only a comparison
(``==`` ``!=`` ``<`` ``<=`` ``>`` ``>=`` ``in``) between ``form.<field>`` and a literal (or a
list of literals after ``in``) whose type it knows for certain. Anything it does not understand is
left alone, so a condition it cannot read is never refused here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from yiwang.catalogue import domain
from yiwang.core.cel import FORM, Token, tokens

# What a value is to a comparison. All numbers compare with each other (1 == 1.0 is true).
TEXT, NUMBER, BOOL, BYTES, NULL, LIST, MAP = (
    "text",
    "number",
    "bool",
    "bytes",
    "null",
    "list",
    "map",
)

_SCHEMA_KINDS = {
    "string": TEXT,
    "number": NUMBER,
    "integer": NUMBER,
    "boolean": BOOL,
    "array": LIST,
    "object": MAP,
}
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
_UNKNOWN_VALUE = object()  # a literal whose type is known but whose value is not worked out


class _Unreadable(Exception):
    """The condition uses something this parser does not cover: nothing is judged."""


@dataclass(frozen=True)
class Field:
    path: tuple[str, ...]


@dataclass(frozen=True)
class Literal:
    kind: str
    value: Any
    text: str


@dataclass(frozen=True)
class ListOf:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Other:
    """Anything else (calls, arithmetic, &&...), with the parts it is made of."""

    parts: tuple[Any, ...]


class _Parser:
    """CEL's grammar (precedence from lowest: ``?:``, ``||``, ``&&``, relations, ``+ -``,
    ``* / %``, unary ``! -``, member access and calls)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.toks: list[Token] = tokens(source)
        self.i = 0

    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.toks[j] if j < len(self.toks) else None

    def at(self, *texts: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind in ("punct", "ident") and tok.text in texts

    def take(self, text: str | None = None) -> Token:
        tok = self.peek()
        if tok is None or (text is not None and tok.text != text):
            raise _Unreadable
        self.i += 1
        return tok

    def parse(self) -> Any:
        node = self.expr()
        if self.i != len(self.toks):
            raise _Unreadable
        return node

    def expr(self) -> Any:
        node = self.or_()
        if self.at("?"):
            self.take()
            then = self.expr()
            self.take(":")
            return Other((node, then, self.expr()))
        return node

    def or_(self) -> Any:
        node = self.and_()
        while self.at("||"):
            self.take()
            node = Other((node, self.and_()))
        return node

    def and_(self) -> Any:
        node = self.relation()
        while self.at("&&"):
            self.take()
            node = Other((node, self.relation()))
        return node

    def relation(self) -> Any:
        node = self.additive()
        while self.at(*_COMPARISONS, "in"):
            op = self.take().text
            node = Compare(op, node, self.additive())
        return node

    def additive(self) -> Any:
        node = self.multiplicative()
        while self.at("+", "-"):
            self.take()
            node = Other((node, self.multiplicative()))
        return node

    def multiplicative(self) -> Any:
        node = self.unary()
        while self.at("*", "/", "%"):
            self.take()
            node = Other((node, self.unary()))
        return node

    def unary(self) -> Any:
        if self.at("!"):
            self.take()
            return Other((self.unary(),))
        if self.at("-"):
            self.take()
            operand = self.unary()
            if isinstance(operand, Literal) and operand.kind == NUMBER:
                value = operand.value
                negated = -value if isinstance(value, int | float) else _UNKNOWN_VALUE
                return Literal(NUMBER, negated, "-" + operand.text)
            return Other((operand,))
        return self.member()

    def member(self) -> Any:
        node = self.primary()
        while True:
            if self.at("."):
                self.take()
                name = self.take()
                if name.kind != "ident":
                    raise _Unreadable
                if self.at("("):
                    node = Other((node, *self.arguments(")")))
                elif isinstance(node, Field):
                    node = Field((*node.path, name.text))
                else:
                    node = Other((node,))
            elif self.at("["):
                self.take()
                index = self.expr()
                self.take("]")
                if isinstance(node, Field) and isinstance(index, Literal) and index.kind == TEXT:
                    if not isinstance(index.value, str):
                        raise _Unreadable  # a key with escapes: which field is unknown
                    node = Field((*node.path, index.value))
                else:
                    node = Other((node, index))
            elif self.at("{"):
                raise _Unreadable  # a message literal
            else:
                return node

    def arguments(self, close: str) -> list[Any]:
        self.take()
        found = []
        while not self.at(close):
            found.append(self.expr())
            if not self.at(close):
                self.take(",")
        self.take(close)
        return found

    def primary(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise _Unreadable
        if tok.kind == "number":
            self.take()
            return _number(tok.text)
        if tok.kind == "string":
            self.take()
            return _string(tok.text)
        if tok.kind == "ident":
            self.take()
            if tok.text in ("true", "false"):
                return Literal(BOOL, tok.text == "true", tok.text)
            if tok.text == "null":
                return Literal(NULL, None, tok.text)
            if self.at("("):
                return Other(tuple(self.arguments(")")))
            return Field(()) if tok.text == FORM else Other(())
        if tok.text == "(":
            self.take()
            node = self.expr()
            self.take(")")
            return node
        if tok.text == "[":
            return ListOf(tuple(self.arguments("]")))
        if tok.text == "{":
            self._map()
            return Other(())
        raise _Unreadable

    def _map(self) -> None:
        self.take("{")
        while not self.at("}"):
            self.expr()
            self.take(":")
            self.expr()
            if not self.at("}"):
                self.take(",")
        self.take("}")


def _number(text: str) -> Literal:
    body = text.rstrip("uU")
    try:
        value: Any = int(body, 0) if body.lower().startswith("0x") else ast.literal_eval(body)
    except (ValueError, SyntaxError):
        value = _UNKNOWN_VALUE
    return Literal(NUMBER, value, text)


def _string(text: str) -> Literal:
    """A text or bytes literal; its value only when it is a plain one (no prefix, no escapes)."""
    prefix = ""
    while text[:1] in ("r", "R", "b", "B"):
        prefix, text = prefix + text[0].lower(), text[1:]
    if "b" in prefix:
        return Literal(BYTES, _UNKNOWN_VALUE, prefix + text)
    value: Any = _UNKNOWN_VALUE
    for quote in ('"""', "'''", '"', "'"):
        if text.startswith(quote) and text.endswith(quote) and len(text) >= 2 * len(quote):
            body = text[len(quote) : -len(quote)]
            value = body if "r" in prefix or "\\" not in body else _UNKNOWN_VALUE
            break
    return Literal(TEXT, value, prefix + text)


# --- What the form says a field holds ---------------------------------------------------------


@dataclass(frozen=True)
class FieldType:
    kind: str | None  # None: unknown (no type, several types...)
    choices: tuple[Any, ...] | None  # the enum values, when the field has them
    items: Mapping[str, Any] | None  # a list's item schema


def field_type(form: Mapping[str, Any], path: tuple[str, ...]) -> FieldType | None:
    """The type of the field at ``path`` of the form, or None when it is not known for certain."""
    schema: Any = {"type": "object", **form}
    for name in path:
        if not isinstance(schema, Mapping) or schema.get("type") != "object":
            return None
        schema = domain.form_fields(schema).get(name)
    return _schema_type(schema)


def _schema_type(schema: Any) -> FieldType | None:
    if not isinstance(schema, Mapping):
        return None
    declared = schema.get("type")
    kind = _SCHEMA_KINDS.get(declared) if isinstance(declared, str) else None
    enum = schema.get("enum")
    choices = tuple(enum) if isinstance(enum, list) and enum else None
    if kind is None and choices is not None:
        kinds = {_value_kind(v) for v in choices}
        kind = kinds.pop() if len(kinds) == 1 else None
    if kind is None and choices is None:
        return None
    items = schema.get("items") if kind == LIST else None
    return FieldType(kind, choices, items if isinstance(items, Mapping) else None)


def _value_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int | float):
        return NUMBER
    if isinstance(value, str):
        return TEXT
    if value is None:
        return NULL
    if isinstance(value, list):
        return LIST
    if isinstance(value, dict):
        return MAP
    return None


# --- The check --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """``literal`` compared with the field at ``path`` (of type ``field``) can never match it:
    ``not_a_choice`` when the literal has the right type but is none of the field's values."""

    path: tuple[str, ...]
    field: FieldType
    literal: Literal
    not_a_choice: bool


def mismatches(source: str, form: Mapping[str, Any]) -> list[Mismatch]:
    """Every comparison in ``source`` between a field and a literal that can never match."""
    try:
        tree = _Parser(source).parse()
    except (_Unreadable, RecursionError):
        return []
    found: list[Mismatch] = []
    for node in _walk(tree):
        if isinstance(node, Compare):
            found += _judge(node, form)
    return list(dict.fromkeys(found))


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, Compare):
        yield from _walk(node.left)
        yield from _walk(node.right)
    elif isinstance(node, Other):
        for part in node.parts:
            yield from _walk(part)
    elif isinstance(node, ListOf):
        for item in node.items:
            yield from _walk(item)


def _judge(node: Compare, form: Mapping[str, Any]) -> list[Mismatch]:
    left, right = node.left, node.right
    if node.op == "in":
        if isinstance(left, Field) and isinstance(right, ListOf):
            # form.x in ["a", "b"]: each literal is compared with the field.
            ftype = field_type(form, left.path) if left.path else None
            return [
                m
                for item in right.items
                if isinstance(item, Literal) and ftype is not None
                for m in _compared(left.path, ftype, item, order=False)
            ]
        if isinstance(left, Literal) and isinstance(right, Field) and right.path:
            # "a" in form.tags: the literal is compared with the list's items.
            ftype = field_type(form, right.path)
            if ftype is None or ftype.kind != LIST:
                return []
            items = _schema_type(ftype.items)
            return _compared(right.path, items, left, order=False) if items else []
        return []
    ordering = node.op not in ("==", "!=")
    if isinstance(left, Field) and isinstance(right, Literal):
        field, literal = left, right
    elif isinstance(right, Field) and isinstance(left, Literal):
        field, literal = right, left
    else:
        return []
    ftype = field_type(form, field.path) if field.path else None
    return _compared(field.path, ftype, literal, order=ordering) if ftype else []


def _compared(
    path: tuple[str, ...], ftype: FieldType, literal: Literal, *, order: bool
) -> list[Mismatch]:
    if ftype.kind is None or literal.kind == NULL:
        return []  # null: an absent field already makes the comparison false; not judged here
    if ftype.kind != literal.kind:
        return [Mismatch(path, ftype, literal, not_a_choice=False)]
    if (
        not order
        and ftype.choices is not None
        and literal.value is not _UNKNOWN_VALUE
        and not any(_same(literal.value, c) for c in ftype.choices)
    ):
        return [Mismatch(path, ftype, literal, not_a_choice=True)]
    return []


def _same(value: Any, choice: Any) -> bool:
    if isinstance(value, bool) or isinstance(choice, bool):
        return isinstance(value, bool) and isinstance(choice, bool) and value == choice
    return bool(value == choice)
