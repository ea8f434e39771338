"""A password hasher for the test suite: argon2 at its smallest cost.

Production hashes with Django's argon2 parameters (about 100 MB and several passes per hash),
which is right for people and slow for a suite that logs in and fails to log in thousands of
times. The suite uses the same algorithm and hash format with the least work.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8  # KiB, argon2's minimum for one lane
    parallelism = 1
