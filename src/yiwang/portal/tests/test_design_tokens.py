"""Every colour pair the stylesheet draws meets WCAG 2.1 AA contrast, in both shells.

Set ``YIWANG_THEME_CSS`` to a theme file to check a city's overrides the same way (docs/theming.md).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CSS_DIR = Path(__file__).resolve().parents[2] / "static" / "yiwang" / "css"

TEXT = 4.5  # WCAG 1.4.3, normal-size text
NON_TEXT = 3.0  # WCAG 1.4.11, control outlines and focus indicators

# (foreground token, background token, minimum ratio, where it is drawn)
PAIRS = [
    ("text", "background", TEXT, "body text"),
    ("text", "surface", TEXT, "footer, panels, cards"),
    ("text", "info-surface", TEXT, "information messages"),
    ("text", "success-surface", TEXT, "success messages and panels"),
    ("text-secondary", "background", TEXT, "hints, captions"),
    ("text-secondary", "surface", TEXT, "hints inside panels"),
    ("link", "background", TEXT, "links"),
    ("link", "surface", TEXT, "links in the footer and cards"),
    ("link", "info-surface", TEXT, "links in information messages"),
    ("link", "success-surface", TEXT, "links in success messages"),
    ("link-hover", "background", TEXT, "hovered links"),
    ("link-hover", "info-surface", TEXT, "tags"),
    ("link-visited", "background", TEXT, "visited links"),
    ("link-visited", "surface", TEXT, "visited links in the footer"),
    ("header-text", "header-background", TEXT, "site name, navigation, log-out"),
    ("header-muted", "header-background", TEXT, "signed-in name, back-office tag"),
    ("button-text", "button-background", TEXT, "primary buttons"),
    ("button-text", "button-hover", TEXT, "hovered primary buttons"),
    ("button-text", "link", TEXT, "step numbers on the home page"),
    ("button-secondary-text", "button-secondary-background", TEXT, "secondary buttons"),
    ("button-secondary-text", "button-secondary-hover", TEXT, "hovered secondary buttons"),
    ("error", "background", TEXT, "error messages and the error summary"),
    ("focus-text", "focus", TEXT, "focused links and buttons, skip link"),
    ("border-control", "background", NON_TEXT, "outline of inputs and selects"),
    ("error", "background", NON_TEXT, "outline of inputs with an error"),
    ("focus-text", "background", NON_TEXT, "focus ring on the page"),
    ("focus", "header-background", NON_TEXT, "focus ring in the header"),
]

_BLOCK = re.compile(r"([^{}]+)\{([^{}]*)\}")
_PROPERTY = re.compile(r"--([\w-]+)\s*:\s*([^;]+);")


def read_tokens(css: str) -> dict[str, dict[str, str]]:
    """Custom properties per selector: ``{":root": {...}, ".shell--backoffice": {...}}``."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    scopes: dict[str, dict[str, str]] = {}
    for selector, body in _BLOCK.findall(css):
        for name in (part.strip() for part in selector.split(",")):
            scope = scopes.setdefault(name, {})
            scope.update({key: value.strip() for key, value in _PROPERTY.findall(body)})
    return scopes


def shell_colours() -> dict[str, dict[str, str]]:
    files = [CSS_DIR / "tokens.css", CSS_DIR / "theme.css"]
    if os.environ.get("YIWANG_THEME_CSS"):
        files.append(Path(os.environ["YIWANG_THEME_CSS"]))
    merged: dict[str, dict[str, str]] = {}
    for path in files:
        for selector, props in read_tokens(path.read_text(encoding="utf-8")).items():
            merged.setdefault(selector, {}).update(props)
    portal = dict(merged.get(":root", {}))
    backoffice = {**portal, **merged.get(".shell--backoffice", {})}
    return {"portal": portal, "backoffice": backoffice}


def luminance(hex_colour: str) -> float:
    value = hex_colour.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    assert re.fullmatch(r"[0-9a-fA-F]{6}", value), f"not a #rrggbb colour: {hex_colour}"
    channels = []
    for i in (0, 2, 4):
        c = int(value[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_wcag_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#fff", "#fff") == pytest.approx(1.0)
    assert colour_difference("#000000", "#ffffff") == pytest.approx(100.0, abs=0.1)


@pytest.mark.parametrize("shell", ["portal", "backoffice"])
@pytest.mark.parametrize(("fg", "bg", "minimum", "where"), PAIRS, ids=[p[3] for p in PAIRS])
def test_token_pair_meets_wcag_aa_contrast(
    shell: str, fg: str, bg: str, minimum: float, where: str
) -> None:
    colours = shell_colours()[shell]
    ratio = contrast(colours[f"color-{fg}"], colours[f"color-{bg}"])
    assert ratio >= minimum, (
        f"{shell}: --color-{fg} {colours[f'color-{fg}']} on --color-{bg} {colours[f'color-{bg}']} "
        f"({where}) is {ratio:.2f}:1, needs {minimum}:1"
    )


def test_back_office_header_is_visibly_different_from_the_portal() -> None:
    colours = shell_colours()
    portal = colours["portal"]["color-header-background"]
    backoffice = colours["backoffice"]["color-header-background"]
    # Not just different values: different enough that nobody takes one shell for the other.
    assert colour_difference(portal, backoffice) >= 30, (portal, backoffice)


def test_every_token_the_components_use_is_defined() -> None:
    defined = set(shell_colours()["portal"])
    css = (CSS_DIR / "yiwang.css").read_text("utf-8")
    # var(--name, fallback) is a component's own knob with a default, not a token.
    used = set(re.findall(r"var\(--([\w-]+)\)", css))
    assert used - defined == set()


def test_stylesheets_load_nothing_from_other_sites() -> None:
    for path in CSS_DIR.glob("*.css"):
        css = path.read_text(encoding="utf-8")
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", css), path.name


def _lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour."""
    value = colour.strip().lstrip("#")
    r, g, b = (_linear(int(value[i : i + 2], 16) / 255) for i in (0, 2, 4))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def colour_difference(a: str, b: str) -> float:
    """CIE76 delta E: about 2 is barely visible, above 30 two clearly different colours."""
    return sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5
