"""Deterministic people and firms for the demo world and for benchmarks.

The same seed always gives the same world, on any machine and on any day: nothing here reads the
clock, the environment or Python's randomised ``hash``. Generating person ``i`` does not depend on
how many people are asked for, so ``n=1000`` is a prefix of ``n=2000`` and loading more people later
only adds the new ones.

Identifiers are unique without remembering the ones already made: person ``i`` is placed at
``permute(i)`` in the space of (district, birth date, sequence number) triples by a seeded Feistel
permutation, which is a bijection, so two indexes never share a national id. Firms work the same way
over (district, organisation code). A million ids cost a few seconds and no memory.

Sequence numbers below 100 (people) and organisation codes starting with ``0`` (firms) are never
generated: they are kept for the hand-written records in ``data/``, so the two never collide.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from yiwang.identity import domain

DATA_DIR = Path(__file__).resolve().parent / "data"

BIRTH_FIRST = dt.date(1940, 1, 1)
BIRTH_LAST = dt.date(2024, 12, 31)
_BIRTH_DAYS = (BIRTH_LAST - BIRTH_FIRST).days + 1

# National id digits 15-17: 000-099 are kept for hand-written people.
FIRST_GENERATED_SEQUENCE = 100
_SEQUENCES = 1000 - FIRST_GENERATED_SEQUENCE

# Organisation code bodies (8 digits) 00000000-09999999 are kept for hand-written firms.
FIRST_GENERATED_ORG_BODY = 10_000_000
_ORG_BODIES = 100_000_000 - FIRST_GENERATED_ORG_BODY

# GB 11714 organisation code check character.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_MASK64 = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class District:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class GeneratedPerson:
    index: int
    national_id: str
    name: str
    birth_date: dt.date


@dataclass(frozen=True, slots=True)
class GeneratedFirm:
    index: int
    uscc: str
    name: str
    name_en: str
    region_code: str
    # The national id of the generated person who is the firm's legal representative, if any.
    representative_national_id: str | None


class Permutation:
    """A seeded bijection of ``range(size)`` onto itself (4-round Feistel with cycle walking)."""

    def __init__(self, size: int, *, seed: int, purpose: str) -> None:
        if size < 1:
            raise ValueError("size must be positive")
        self.size = size
        bits = max(2, (size - 1).bit_length())
        bits += bits % 2  # equal halves
        self._half = bits // 2
        self._half_mask = (1 << self._half) - 1
        self._keys = tuple(
            int.from_bytes(
                hashlib.sha256(f"yiwang-demo:{purpose}:{seed}:{r}".encode()).digest()[:8], "big"
            )
            for r in range(4)
        )

    def _round(self, value: int, key: int) -> int:
        h = ((value ^ key) * 0x9E3779B97F4A7C15) & _MASK64
        h ^= h >> 29
        h = (h * 0xBF58476D1CE4E5B9) & _MASK64
        h ^= h >> 32
        return h & self._half_mask

    def _encrypt(self, x: int) -> int:
        left, right = x >> self._half, x & self._half_mask
        for key in self._keys:
            left, right = right, left ^ self._round(right, key)
        return (left << self._half) | right

    def __call__(self, index: int) -> int:
        if not 0 <= index < self.size:
            raise IndexError(f"index {index} outside 0..{self.size - 1}")
        # The Feistel network permutes the whole power-of-two block; walking the cycle until the
        # value falls inside range(size) keeps the result a permutation of range(size).
        x = self._encrypt(index)
        while x >= self.size:
            x = self._encrypt(x)
        return x


@cache
def _regions(level: str) -> tuple[District, ...]:
    with (DATA_DIR / "regions.yaml").open(encoding="utf-8") as fh:
        regions = yaml.safe_load(fh)["regions"]
    return tuple(
        District(code=r["code"], name_zh=r["name"]["zh"], name_en=r["name"]["en"])
        for r in regions
        if r["level"] == level
    )


def districts() -> tuple[District, ...]:
    """The demo districts, read from ``data/regions.yaml`` in file order."""
    return _regions("district")


def city() -> District:
    return _regions("city")[0]


def _pairs(raw: list[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in raw:
        hanzi, latin = item.split(" ", 1)
        pairs.append((hanzi, latin))
    return tuple(pairs)


@cache
def _names() -> dict[str, tuple[tuple[str, str], ...]]:
    with (DATA_DIR / "names.yaml").open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    industries = []
    for item in raw["industries"]:
        zh, en = item.split("|", 1)
        industries.append((zh, en))
    return {
        "surnames": _pairs(raw["surnames"]),
        "given": _pairs(raw["given"]),
        "trade_names": _pairs(raw["trade_names"]),
        "industries": tuple(industries),
    }


def people_capacity() -> int:
    return len(districts()) * _BIRTH_DAYS * _SEQUENCES


def firms_capacity() -> int:
    return len(districts()) * _ORG_BODIES


def _people_permutation(seed: int) -> Permutation:
    return Permutation(people_capacity(), seed=seed, purpose="people")


def _national_id_at(perm: Permutation, index: int) -> tuple[str, dt.date]:
    places = districts()
    x = perm(index)
    x, district = divmod(x, len(places))
    sequence, day = divmod(x, _BIRTH_DAYS)
    birth = BIRTH_FIRST + dt.timedelta(days=day)
    first17 = f"{places[district].code}{birth:%Y%m%d}{FIRST_GENERATED_SEQUENCE + sequence:03d}"
    return first17 + domain.national_id_check_char(first17), birth


def person_national_id(seed: int, index: int) -> str:
    """The national id of generated person ``index`` without generating the ones before it."""
    return _national_id_at(_people_permutation(seed), index)[0]


def generate_people(seed: int, n: int) -> Iterator[GeneratedPerson]:
    """Yield ``n`` people with unique, valid national ids; the same seed gives the same people."""
    if n > people_capacity():
        raise ValueError(f"at most {people_capacity()} people fit in the demo districts")
    perm = _people_permutation(seed)
    names = _names()
    surnames, given = names["surnames"], names["given"]
    # A string seed is hashed with SHA-512 by ``random``, so the stream is the same in every
    # process (unlike ``hash()`` of a str, which is randomised per process).
    rng = random.Random(f"yiwang-demo-people-names:{seed}")  # noqa: S311  # not for security
    for index in range(n):
        national_id, birth = _national_id_at(perm, index)
        name = rng.choice(surnames)[0] + rng.choice(given)[0]
        if rng.random() < 0.7:
            name += rng.choice(given)[0]
        yield GeneratedPerson(index=index, national_id=national_id, name=name, birth_date=birth)


def organisation_code_check_char(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum(domain.USCC_ALPHABET.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _uscc(region_code: str, org_body: str) -> str:
    # 9 = registered by market regulation, 1 = enterprise.
    first17 = f"91{region_code}{org_body}{organisation_code_check_char(org_body)}"
    return first17 + domain.uscc_check_char(first17)


def generate_firms(seed: int, m: int, *, people: int = 0) -> Iterator[GeneratedFirm]:
    """Yield ``m`` firms with unique, valid USCCs; the same ``seed`` gives the same firms.

    With ``people`` > 0 each firm names one of the first ``people`` generated people (same seed)
    as its legal representative, so a world loaded with both has firms that someone can act for.
    """
    if m > firms_capacity():
        raise ValueError(f"at most {firms_capacity()} firms fit in the demo districts")
    places = districts()
    town = city()
    perm = Permutation(firms_capacity(), seed=seed, purpose="firms")
    people_perm = _people_permutation(seed) if people > 0 else None
    names = _names()
    trade_names, industries = names["trade_names"], names["industries"]
    rng = random.Random(f"yiwang-demo-firm-names:{seed}")  # noqa: S311  # not for security
    for index in range(m):
        x, district = divmod(perm(index), len(places))
        place = places[district]
        uscc = _uscc(place.code, f"{FIRST_GENERATED_ORG_BODY + x:08d}")
        trade_zh, trade_en = rng.choice(trade_names)
        industry_zh, industry_en = rng.choice(industries)
        representative = None
        if people_perm is not None:
            representative = _national_id_at(people_perm, rng.randrange(people))[0]
        yield GeneratedFirm(
            index=index,
            uscc=uscc,
            name=f"{town.name_zh}{place.name_zh}{trade_zh}{industry_zh}有限公司",
            name_en=f"{town.name_en} {trade_en} {industry_en} Co., Ltd. ({place.name_en})",
            region_code=place.code,
            representative_national_id=representative,
        )


# --- Registry data of generated people and firms ----------------------------------------------
# Derived from the identifier and the seed alone (not from the order of generation), so a
# person's address is the same however many people are loaded and whichever batch holds them.

ESTABLISHED_FIRST = dt.date(1995, 1, 1)
ESTABLISHED_LAST = dt.date(2025, 12, 31)
_ESTABLISHED_DAYS = (ESTABLISHED_LAST - ESTABLISHED_FIRST).days + 1


@dataclass(frozen=True, slots=True)
class GeneratedFirmRecord:
    registered_address: str
    established_on: dt.date
    registered_capital: str  # 10,000 yuan, two decimals
    status: str  # active / revoked / deregistered


@cache
def _streets() -> tuple[str, ...]:
    with (DATA_DIR / "exchange" / "streets.yaml").open(encoding="utf-8") as fh:
        return tuple(yaml.safe_load(fh)["streets"])


@cache
def _district_names() -> dict[str, str]:
    return {d.code: d.name_zh for d in districts()}


def _draw(seed: int, purpose: str, key: str) -> int:
    """64 deterministic bits for ``key``: the same on every machine and in every process."""
    digest = hashlib.sha256(f"yiwang-demo:{purpose}:{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _address(district_code: str, bits: int, *, flat: bool) -> str:
    streets = _streets()
    place = city().name_zh + _district_names().get(district_code, "")
    street = streets[bits % len(streets)]
    number = 1 + (bits >> 8) % 199
    if not flat:
        return f"{place}{street}{number}号"
    building = 1 + (bits >> 16) % 12
    floor = 1 + (bits >> 24) % 28
    door = 1 + (bits >> 32) % 4
    return f"{place}{street}{number}号{building}栋{floor}{door:02d}室"


def sex_of(national_id: str) -> str:
    """GB 11643: the 17th character is odd for men ("1") and even for women ("2")."""
    return "1" if int(national_id[16]) % 2 else "2"


def household_address(seed: int, national_id: str) -> str:
    """A generated person's registered address, in the district of their national id."""
    return _address(national_id[:6], _draw(seed, "household-address", national_id), flat=True)


def firm_record(seed: int, firm: GeneratedFirm) -> GeneratedFirmRecord:
    """A generated firm's registration details: address, founding day, capital and status."""
    bits = _draw(seed, "firm-record", firm.uscc)
    founded = ESTABLISHED_FIRST + dt.timedelta(days=(bits >> 40) % _ESTABLISHED_DAYS)
    capital = (10 + (bits >> 20) % 990) * 10  # 100 to 9,990 ten-thousand yuan
    roll = (bits >> 12) % 100
    status = "deregistered" if roll < 3 else "revoked" if roll < 5 else "active"
    return GeneratedFirmRecord(
        registered_address=_address(firm.region_code, bits, flat=False),
        established_on=founded,
        registered_capital=f"{capital}.00",
        status=status,
    )
