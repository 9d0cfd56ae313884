"""A person as every capability names them: pseudonymous ids, keyed hashes, masked
texts, never a name or ID number in clear. The people capability keeps the persons
and the rules about who holds them (``people/rules.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Person:
    person_id: str
    owner_user_id: str
    holder_id: str
    id_hash: str
    id_masked: str
    name_masked: str
    residence_region: str
    relation: str = "self"
    version: int | None = None
    fed_hash: str | None = None  # federation hash of the ID number: partners' attestations
    # The day the person turns 14 (from the ID number's birth date): before it, their
    # guardians decide for them (PIPL Art. 31; chalicelib/people/policy.py). None: a
    # person filed before it was kept, who then decides for themself.
    consent_age_on: date | None = None
