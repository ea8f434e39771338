"""Conditions of a definition, said in plain words for the person who applies.

Definitions decide with small CEL expressions when a material is needed or a step applies
(``form.width_m * form.height_m > 10.0 || form.mounting == "roof"``). Before a person starts,
the service page tells them about each such case in their language, using the questions' titles
and the options' titles: "if “Width (metres)” × “Height (metres)” is more than 10, or “How it is
mounted” is “On the roof”".

The common shapes are worded exactly: comparisons, ``&&``, ``||``, ``!``, arithmetic, ``in`` a
list, ``has(form.x)`` and a yes/no question on its own. Anything else (macros, functions) is said
less precisely but never wrongly: "depending on your answers to “A” and “B”".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from yiwang.core.cel import FORM, Token, iter_field_paths, tokens
from yiwang.portal.forms import option_title
from yiwang.portal.text import number, pick


class _Unsupported(Exception):
    """The expression uses something the wording does not cover."""


# --- A small parser for the common part of CEL ------------------------------------------------


@dataclass(frozen=True)
class Field:
    path: tuple[str, ...]


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class ListOf:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Has:
    field: Field


@dataclass(frozen=True)
class Not:
    operand: Any


@dataclass(frozen=True)
class BoolOp:
    op: str  # "&&" or "||"
    operands: tuple[Any, ...]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Arith:
    op: str
    left: Any
    right: Any


class _Parser:
    def __init__(self, source: str) -> None:
        self.toks: list[Token] = tokens(source)
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i].text if self.i < len(self.toks) else None

    def take(self, expected: str | None = None) -> Token:
        if self.i >= len(self.toks):
            raise _Unsupported("unexpected end")
        tok = self.toks[self.i]
        if expected is not None and tok.text != expected:
            raise _Unsupported(f"expected {expected}")
        self.i += 1
        return tok

    def parse(self) -> Any:
        node = self.or_()
        if self.i != len(self.toks):
            raise _Unsupported("trailing tokens")
        return node

    def or_(self) -> Any:
        items = [self.and_()]
        while self.peek() == "||":
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else BoolOp("||", tuple(items))

    def and_(self) -> Any:
        items = [self.comparison()]
        while self.peek() == "&&":
            self.take()
            items.append(self.comparison())
        return items[0] if len(items) == 1 else BoolOp("&&", tuple(items))

    def comparison(self) -> Any:
        left = self.additive()
        if self.peek() in ("==", "!=", "<", "<=", ">", ">=", "in"):
            op = self.take().text
            return Compare(op, left, self.additive())
        return left

    def additive(self) -> Any:
        node = self.multiplicative()
        while self.peek() in ("+", "-"):
            op = self.take().text
            node = Arith(op, node, self.multiplicative())
        return node

    def multiplicative(self) -> Any:
        node = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take().text
            node = Arith(op, node, self.unary())
        return node

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return Not(self.unary())
        if self.peek() == "-" and self.i + 1 < len(self.toks):
            self.take()
            tok = self.take()
            if tok.kind != "number":
                raise _Unsupported("minus before something other than a number")
            return Literal(-_number(tok.text))
        return self.primary()

    def primary(self) -> Any:
        tok = self.take()
        if tok.text == "(":
            node = self.or_()
            self.take(")")
            return node
        if tok.text == "[":
            items = []
            while self.peek() != "]":
                items.append(self.primary())
                if self.peek() == ",":
                    self.take()
            self.take("]")
            return ListOf(tuple(items))
        if tok.kind == "number":
            return Literal(_number(tok.text))
        if tok.kind == "string":
            return Literal(_string(tok.text))
        if tok.kind == "ident":
            if tok.text in ("true", "false"):
                return Literal(tok.text == "true")
            if tok.text == "has":
                self.take("(")
                field = self.field(self.take())
                self.take(")")
                return Has(field)
            if tok.text == FORM:
                return self.field(tok)
        raise _Unsupported(tok.text)

    def field(self, tok: Token) -> Field:
        if tok.text != FORM:
            raise _Unsupported("not a form field")
        path: list[str] = []
        while self.peek() == ".":
            self.take()
            name = self.take()
            if name.kind != "ident":
                raise _Unsupported("not a field name")
            path.append(name.text)
        if not path or self.peek() == "(":
            raise _Unsupported("a method call or the whole form")
        return Field(tuple(path))


def _number(text: str) -> float | int:
    if text[:2].lower() == "0x" or text.endswith(("u", "U")):
        raise _Unsupported("unusual number")
    value = float(text)
    return (
        int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value
    )


def _string(text: str) -> str:
    if text[:1] in "rRbB" or text.startswith(('"""', "'''")) or "\\" in text:
        raise _Unsupported("unusual string")
    return text[1:-1]


# --- Wording ----------------------------------------------------------------------------------


def _schema_at(properties: Mapping[str, Any], path: tuple[str, ...]) -> Mapping[str, Any]:
    node: Mapping[str, Any] = {"properties": properties}
    for part in path:
        props = node.get("properties")
        if not isinstance(props, Mapping) or not isinstance(props.get(part), Mapping):
            return {}
        node = props[part]
    return node


class _Words:
    def __init__(self, properties: Mapping[str, Any]) -> None:
        self.properties = properties

    def title(self, field: Field) -> str:
        schema = _schema_at(self.properties, field.path)
        title = pick(schema.get("x-title")) or ".".join(field.path)
        return _("“%(title)s”") % {"title": title}

    def value(self, node: Any, about: Field | None = None) -> str:
        if isinstance(node, Literal):
            schema = _schema_at(self.properties, about.path) if about else {}
            if isinstance(node.value, bool):
                return _("yes") if node.value else _("no")
            if isinstance(node.value, str) and isinstance(schema.get("enum"), list):
                return _("“%(title)s”") % {"title": option_title(schema, node.value)}
            if isinstance(node.value, str):
                return _("“%(title)s”") % {"title": node.value}
            return number(node.value)
        if isinstance(node, Field):
            return self.title(node)
        if isinstance(node, Arith):
            symbol = {"*": "×", "/": "÷", "+": "+", "-": "−"}[node.op]
            return f"{self.value(node.left)} {symbol} {self.value(node.right)}"
        if isinstance(node, ListOf):
            return _(", ").join(self.value(item, about) for item in node.items)
        raise _Unsupported(type(node).__name__)

    def say(self, node: Any, *, nested: bool = False) -> str:
        if isinstance(node, Field):
            return _("the answer to %(question)s is yes") % {"question": self.title(node)}
        if isinstance(node, Has):
            return _("%(question)s is answered") % {"question": self.title(node.field)}
        if isinstance(node, Not):
            inner = node.operand
            if isinstance(inner, Field):
                return _("the answer to %(question)s is no") % {"question": self.title(inner)}
            if isinstance(inner, Has):
                return _("%(question)s is not answered") % {"question": self.title(inner.field)}
            return _("it is not the case that %(condition)s") % {"condition": self.say(inner)}
        if isinstance(node, BoolOp):
            parts = [self.say(operand, nested=True) for operand in node.operands]
            if node.op == "&&":
                text = _join(parts, _("%(rest)s and %(last)s"))
                return text
            text = _join(parts, _("%(rest)s, or %(last)s"))
            return _("either %(options)s") % {"options": text} if nested else text
        if isinstance(node, Compare):
            return self.compare(node)
        raise _Unsupported(type(node).__name__)

    def compare(self, node: Compare) -> str:
        left, right = node.left, node.right
        # Write "form.x > 3" whichever way round the author wrote it.
        flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
        if not isinstance(left, Field | Arith) and isinstance(right, Field) and node.op != "in":
            left, right, op = right, left, flipped[node.op]
        else:
            op = node.op
        about = left if isinstance(left, Field) else None
        subject = self.value(left)
        if isinstance(right, Literal) and isinstance(right.value, bool) and isinstance(left, Field):
            yes = right.value if op == "==" else not right.value
            if yes:
                return _("the answer to %(question)s is yes") % {"question": subject}
            return _("the answer to %(question)s is no") % {"question": subject}
        other = self.value(right, about)
        templates = {
            "==": _("%(subject)s is %(value)s"),
            "!=": _("%(subject)s is not %(value)s"),
            ">": _("%(subject)s is more than %(value)s"),
            ">=": _("%(subject)s is %(value)s or more"),
            "<": _("%(subject)s is less than %(value)s"),
            "<=": _("%(subject)s is %(value)s or less"),
            "in": _("%(subject)s is one of %(value)s"),
        }
        return templates[op] % {"subject": subject, "value": other}


def _join(parts: list[str], pattern: str) -> str:
    if len(parts) == 1:
        return parts[0]
    return pattern % {"rest": _(", ").join(parts[:-1]), "last": parts[-1]}


def explain(condition: str | None, properties: Mapping[str, Any]) -> str:
    """The condition in words, to follow "Only if" (empty when there is no condition)."""
    if not condition:
        return ""
    words = _Words(properties)
    try:
        return words.say(_Parser(condition).parse())
    except (_Unsupported, KeyError, ValueError, IndexError):
        fields = []
        for path in iter_field_paths(condition):
            title = words.title(Field(path))
            if title not in fields:
                fields.append(title)
        if not fields:
            return _("in some cases")
        return _("depending on your answers to %(questions)s") % {
            "questions": _join(fields, _("%(rest)s and %(last)s"))
        }
