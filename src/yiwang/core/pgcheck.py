"""Exit 0 when a PostgreSQL server answers at the given URL (used by ``make test``)."""

from __future__ import annotations

import sys

import psycopg


def main(url: str) -> int:
    base = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(base.replace("postgres://", "postgresql://", 1), connect_timeout=3):
            return 0
    except psycopg.Error:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
