"""Helpers for end-to-end browser journeys through the demo world.

A journey test loads Demo City with the real ``yiwang load-demo`` command (run in-process, with
few generated people so it stays quick), then drives the portal and the back office the way
people do: through the log-in forms, links and buttons, checking every page it visits with
axe-core. The helpers here are language-neutral: they find controls by their names and values,
never by their words, so one journey runs in Chinese and in English.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any
from urllib.parse import urlsplit

from yiwang.core.testing.browser import assert_accessible

DEMO_PASSWORD = "demo-password-2026"

# The portal's and the back office's buttons, by the value they send or where they sit.
CONTINUE = 'main form button[name="action"][value="continue"]'
USE_THESE_DETAILS = 'main form button[name="action"][value="confirm"]'
SUBMIT = "main form:has(input[name=idempotency_key]) button"
DECIDE = "#decision-heading ~ form button[type=submit]"


def load_demo_world(*, people: int = 20, firms: int = 5) -> None:
    """Load Demo City with the ``load-demo`` command, as an operator would, and fail loudly."""
    from typer.testing import CliRunner

    from yiwang.cli import app

    args = ["load-demo", "--people", str(people), "--firms", str(firms)]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output


def pdf_bytes(text: str = "yiwang") -> bytes:
    """A small, well-formed one-page PDF (with a correct cross-reference table)."""
    stream = f"BT /F1 12 Tf 20 50 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A small, well-formed white greyscale PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def upload_every_material(page: Any, *, skip: tuple[str, ...] = ()) -> list[str]:
    """Choose a file for each upload field on the page: a PDF where PDFs are taken, else a PNG.

    Returns the ids of the fields given a file.
    """
    given = []
    inputs = page.locator("main form input[type=file]")
    for i in range(inputs.count()):
        field = inputs.nth(i)
        field_id = field.get_attribute("id") or ""
        if field_id in skip:
            continue
        if "application/pdf" in (field.get_attribute("accept") or ""):
            file = {
                "name": f"{field_id.removeprefix('id_file-')}.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_bytes(),
            }
        else:
            file = {
                "name": f"{field_id.removeprefix('id_file-')}.png",
                "mimeType": "image/png",
                "buffer": png_bytes(),
            }
        field.set_input_files(files=[file])
        given.append(field_id)
    return given


def path_of(page: Any) -> str:
    """The page's path, without query or #fragment."""
    return urlsplit(page.url).path


def checked(page: Any, lang: str) -> Any:
    """Assert the page came with a success status, is in the expected language, has one h1 and
    passes axe-core; return it.

    An error page would pass axe too, so the status the browser got for the page (after any
    redirect) is checked first.
    """
    status = page.evaluate(
        "() => performance.getEntriesByType('navigation')[0]?.responseStatus ?? 0"
    )
    assert 200 <= status < 400, f"{page.url} answered {status}"
    assert page.locator("html").get_attribute("lang") == lang, page.url
    if lang == "zh-Hans":
        english = untranslated(page.locator("body").inner_text())
        assert not english, f"{page.url} has untranslated text: {english}"
    assert page.locator("h1").count() == 1, page.url
    assert_accessible(page)
    return page


# Three or more English words in a row, as an untranslated sentence or label shows on a Chinese
# page; file types, sizes, receipt numbers and single Latin names do not match.
_ENGLISH_WORDS = re.compile(r"\b[A-Za-z][a-z]+(?: [a-z]+){2,}\b")


def untranslated(text: str) -> list[str]:
    """English phrases in the text of a page meant to be in Chinese."""
    return _ENGLISH_WORDS.findall(text)


def press(page: Any, selector: str) -> None:
    """Click a button or link and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(selector).click()
    page.wait_for_load_state()


def log_in(page: Any, login_path: str, username: str, lang: str) -> None:
    """Log in through the real form at ``login_path`` (portal or back office)."""
    page.goto(login_path)
    checked(page, lang)
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    press(page, 'main form button[type="submit"]')
    assert "/login/" not in path_of(page), f"{username} could not log in"


def error_summary(page: Any) -> str:
    """The text of the page's error summary, or an empty string."""
    summary = page.locator(".error-summary")
    return summary.inner_text() if summary.count() else ""


def fill_form(page: Any, answers: dict[str, str]) -> list[str]:
    """Answer every editable question of the page's form from ``answers``; return their names.

    Questions already answered from official records are locked (read-only or disabled) and are
    left as they are. A question the journey has no answer for fails the test, so a new question
    in a definition is noticed.
    """
    filled: list[str] = []
    controls = page.locator(
        "main form input:not([type=hidden]):not([type=submit]), main form select, "
        "main form textarea"
    )
    for i in range(controls.count()):
        control = controls.nth(i)
        name = control.get_attribute("name")
        if not name or name in filled:
            continue
        if control.is_disabled() or control.get_attribute("readonly") is not None:
            continue
        assert name in answers, f"no answer for {name!r} on {page.url}"
        value = answers[name]
        kind = control.get_attribute("type") or ""
        tag = control.evaluate("element => element.tagName.toLowerCase()")
        if kind in ("radio", "checkbox"):
            page.locator(f'main form input[name="{name}"][value="{value}"]').check()
        elif tag == "select":
            control.select_option(value)
        elif kind == "file":
            continue
        else:
            control.fill(value)
        filled.append(name)
    return filled


def queue_row(receipt: str) -> str:
    """The queue's rows of one application, found by its receipt number."""
    return f'table.queue-table tbody tr:has(a.queue-table__receipt:text-is("{receipt}"))'


def clerk_decides(
    new_page: Any,
    receipt: str,
    username: str,
    decision: str,
    *,
    lang: str,
    tasks: int = 1,
    through_home: bool = False,
    language: str | None = None,
    fields: tuple[str, ...] = (),
    note: str = "",
) -> None:
    """A clerk logs in at the back office in a fresh browser, finds the application in the queue
    by its receipt number, claims each of its ``tasks`` there and records the decision.

    ``through_home`` logs in at the log-in page and opens the queue from the menu; otherwise the
    clerk goes straight to the queue's address and the log-in page leads there. ``language``
    is the language the clerk chose before (the site's default without it).
    """
    clerk = new_page(language=language)
    if through_home:
        log_in(clerk, "/backoffice/login/", username, lang)
        checked(clerk, lang)
        press(clerk, 'a[href="/backoffice/queue/"] >> nth=0')
    else:
        clerk.goto("/backoffice/queue/")
        assert path_of(clerk) == "/backoffice/login/"
        checked(clerk, lang)
        clerk.fill("#id_username", username)
        clerk.fill("#id_password", DEMO_PASSWORD)
        press(clerk, 'main form button[type="submit"]')
    assert path_of(clerk) == "/backoffice/queue/", f"{username} could not log in"
    checked(clerk, lang)
    rows = clerk.locator(queue_row(receipt))
    assert rows.count() == tasks, f"{username} has {rows.count()} tasks of {receipt}, not {tasks}"
    for done in range(tasks):
        if done:  # back to the queue for the next task of the same application
            press(clerk, 'a[href="/backoffice/queue/"] >> nth=0')
            checked(clerk, lang)
            assert rows.count() == tasks - done
        row = f"{queue_row(receipt)} >> nth=0"
        if clerk.locator(f"{row} >> button.queue-table__claim").count():
            press(clerk, f"{row} >> button.queue-table__claim")
            checked(clerk, lang)
        press(clerk, f"{row} >> a.queue-table__receipt")
        checked(clerk, lang)
        clerk.locator(f'input[name="decision"][value="{decision}"]').check()
        for field in fields:
            clerk.locator(f'input[name="correction_fields"][value="{field}"]').check()
        if note:
            clerk.fill("#id_note", note)
        press(clerk, DECIDE)
        assert not error_summary(clerk), error_summary(clerk)
        checked(clerk, lang)
        assert clerk.locator(".message--success").count() == 1
    clerk.context.close()
