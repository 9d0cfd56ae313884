"""Who a change in a place touches, gathered from the capabilities that keep the keys.

The itinerary knows which phones were in a city on a day, identity which accounts
hold a phone, people who lives in a district or holds an ID hash, codes and venues
who was scanned or checked in there on a day. Each reads only its own key indexes;
this class answers the risk service's ``Affected`` port from them, and runs a day's
many small scan-shard queries side by side.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from chalicelib.kernel.person import Person


class PlaceDays(Protocol):
    def phones_in(self, place: str, day: str) -> list[str]: ...


class PhoneHolders(Protocol):
    def users_with_phone(self, phone_hash: str) -> list[str]: ...


class Residents(Protocol):
    def self_of(self, user_id: str) -> Person | None: ...

    def ids_by_id_hash(self, id_hash: str) -> list[str]: ...

    def residents(self, region_code: str) -> list[str]: ...


class ScannedIn(Protocol):
    def scan_keys(self, region_code: str, day: str) -> list[str]: ...

    def scanned_at(self, key: str) -> list[str]: ...


class CheckedIn(Protocol):
    def checked_in(self, region_code: str, day: str) -> list[str]: ...


# Fewer threads than a botocore client's pool (10), so no query waits for a connection.
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="yima-query")


@dataclass(frozen=True)
class GatheredAffected:
    place_days: PlaceDays
    phones: PhoneHolders
    people: Residents
    scans: ScannedIn
    checkins: CheckedIn

    def phones_in(self, place: str, day: str) -> list[str]:
        return self.place_days.phones_in(place, day)

    def people_of_phone(self, phone_hash: str) -> list[str]:
        """The own persons of the accounts that hold the phone, found by owner (a person
        a dispute moved to an account is not at the id derived from it: the derived id
        alone would recolour the former holder's and miss theirs)."""
        return self.own_people(self.phones.users_with_phone(phone_hash))

    def own_people(self, user_ids: Iterable[str]) -> list[str]:
        people = []
        for user_id in user_ids:
            own = self.people.self_of(user_id)
            if own is not None:
                people.append(own.person_id)
        return people

    def people_with_id(self, id_hash: str) -> list[str]:
        return self.people.ids_by_id_hash(id_hash)

    def residents(self, region_code: str) -> list[str]:
        return self.people.residents(region_code)

    def scanned(self, region_code: str, day: str) -> list[str]:
        """Every scan shard of the district's day and the venue check-ins (场所码): some 18
        small queries that wait on the network, side by side, not one after another."""
        shards = [
            _POOL.submit(self.scans.scanned_at, key)
            for key in self.scans.scan_keys(region_code, day)
        ]
        venues = _POOL.submit(self.checkins.checked_in, region_code, day)
        return [person for shard in shards for person in shard.result()] + venues.result()
