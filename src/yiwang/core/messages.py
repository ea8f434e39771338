"""Compile every gettext catalogue under ``src/yiwang/locale`` to ``.mo`` files.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt`` on the machine; Babel does the same in
pure Python, so ``make demo`` works on a machine with nothing but Python (see docs/adr).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        # Write beside it and rename, so a running site never reads a half-written catalogue.
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        with partial.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        os.replace(partial, mo_path)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    paths = compile_all()
    print(f"compiled {len(paths)} message catalogue(s)")
    sys.exit(0)
