"""Page tests hash passwords with light argon2id parameters: they test pages, not hashing cost.

tests/staff exercises the real parameters (and the rehash when they change).
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from renkei.staff import service as staff_service


@pytest.fixture(autouse=True)
def light_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        staff_service, "HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    )
