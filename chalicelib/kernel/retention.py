"""How long each table keeps its items, and why: the retention policy as data.

Every table has either a rule in :data:`RULES` (its items carry a TTL
attribute, set from the rule when they are written, and every reader ignores
an item past it: DynamoDB deletes expired items lazily, up to days later) or
an entry in :data:`KEPT` that says why its items stay until the service is
decommissioned (``python -m chalicelib.cli decommission`` purges every table
that holds personal data when the epidemic rules end, as the national rules
required in December 2022). ``tests/unit/test_retention.py`` fails for a
table that has neither.

The numbers:

- Itinerary stays, their place-day index items and checkpoint scans: the
  14-day window plus a day (SPEC section 6). Nothing older can change a
  colour or appear on a card.
- Idempotency records of carrier batches: 24 hours. A carrier's retry comes
  within minutes; a resend after a day rewrites the same items (every stay
  write is idempotent), so nothing is duplicated either way.
- Declarations: the latest one of a person is the basis of the code and is
  kept while the person is; one that a newer declaration replaced is kept 45
  days more (the 14-day window in which it still counts, plus a month for an
  appeal about it). One still waiting for review is kept until it is decided.
- Appeals: kept while open; six months after the answer.
- The audit trail: six months after each event.
- Nucleic-acid results and their sample registry: 30 days after sampling for a
  negative or invalid result (it counts for 14 days at most: symptoms, a
  close contact's exit test); a positive has none: it stands until an
  official clears it, and a result that lapsed by itself would turn a red
  code green.
- A partner region's attestation: until its own ``valid_until``; a converted
  code's record: a day after the conversion (longer than any code lives).
- Venue check-ins (场所码): the 14-day window plus a day, like checkpoint
  scans; the co-location exposures they lead to: the same, from the visit
  (``venue_exposure`` ends 14 days after it). Vaccination records are a
  person's medical history, kept until decommission; the venue registry is
  public (names and addresses of shops and offices), kept while the venue is.
- Care links (guardian to dependant): while the link stands; printed codes: a
  day after their own expiry (30 days at most); identity disputes: six months
  after the decision, like the audit trail that records each step.
- The runtime table: per item. Job leases a day after they run out, rate-limit
  counters two minutes after their window, the WeChat access token and the
  pages' one-time sign-in codes (60 s, deleted when used) at their expiry;
  wrapped data keys and policy texts have none (a data key decrypts
  everything still stored; policy texts are public).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

WINDOW_DAYS = 14  # the colour engine's and the card's window (colours.table.Policy)
SIX_MONTHS = timedelta(days=183)


@dataclass(frozen=True)
class Rule:
    keep: timedelta | None  # None: set per item (the table's items differ in meaning)
    counted_from: str
    why: str


RULES: Mapping[str, Rule] = {
    "stays": Rule(
        timedelta(days=WINDOW_DAYS + 1),
        "the end of the stay",
        "the 14-day itinerary window plus a day (SPEC section 6)",
    ),
    "place_days": Rule(
        timedelta(days=WINDOW_DAYS + 1),
        "the end of the stay it indexes",
        "an index of stays: goes with them",
    ),
    "scans": Rule(
        timedelta(days=WINDOW_DAYS + 1),
        "the scan",
        "the 14-day window plus a day (SPEC section 6)",
    ),
    "checkins": Rule(
        timedelta(days=WINDOW_DAYS + 1),
        "the check-in",
        "the 14-day window plus a day (SPEC section 6: venue scans)",
    ),
    "exposures": Rule(
        timedelta(days=WINDOW_DAYS + 1),
        "the contact's visit",
        "venue_exposure ends 14 days after the visit; a day of margin",
    ),
    "idempotency": Rule(
        timedelta(hours=24),
        "the batch's first arrival (a partner region's attestation batch: 48 hours, "
        "federation/service.BATCH_IDEMPOTENCY_TTL, as such a batch may arrive 24 hours old)",
        "retries come within minutes; a later resend rewrites the same items",
    ),
    "declarations": Rule(
        timedelta(days=45),
        "the moment a newer declaration replaced it (the latest is kept while the person "
        "is; a pending one until it is decided)",
        "it still counts for 14 days, plus a month for an appeal about it",
    ),
    "appeals": Rule(
        SIX_MONTHS, "the answer (open appeals are kept)", "the same as the audit trail"
    ),
    "audit": Rule(SIX_MONTHS, "the event", "six months, as the operating rules asked"),
    "test_results": Rule(
        timedelta(days=30),
        "the sampling (a positive has none: it stands until an official clears it)",
        "a negative counts for 14 days at most (symptoms, a close contact's exit test)",
    ),
    "test_samples": Rule(
        timedelta(days=30),
        "the sampling, as its result (a positive has none)",
        "the registry of the results: goes with them",
    ),
    "partner_status": Rule(
        None, "per item: the attestation's valid_until", "a partner's word lapses when it says"
    ),
    "conversions": Rule(
        None,
        "per item: 15 days after the conversion (federation/store.CONVERSION_RETENTION)",
        "a checkpoint needs it while the converted code lives (minutes); it is kept as "
        "long as the scans of that code, which name its holder id",
    ),
    "runtime": Rule(
        None,
        "per item",
        "leases: a day after they run out; rate-limit counters: two minutes after the "
        "window; the WeChat access token and the pages' one-time sign-in codes: their "
        "expiry; a used Alipay phone proof: 20 "
        "minutes (twice the window in which it is accepted); data keys, policy texts and "
        "phone claims: none (a data key decrypts everything still stored; policies are "
        "public; a phone's claim names its account while the account is)",
    ),
    "printed_codes": Rule(
        None,
        "per item: a day after the printed code's own expiry (at most 30 days after issue); "
        "the pointer to the one in force goes with the person",
        "a checkpoint needs it only while the printed code is valid",
    ),
    "care_requests": Rule(
        None,
        "per item: a week after asking while unanswered (the request lapses), a month "
        "after the answer",
        "the guardian asking again within the month finds the answer; the audit trail "
        "keeps who asked and who answered",
    ),
    "disputes": Rule(
        SIX_MONTHS,
        "the decision (an open dispute is kept until decided)",
        "the same as the audit trail, which records every step",
    ),
}

# Tables whose items have no TTL, and why. decommission purges the personal ones.
KEPT: Mapping[str, str] = {
    "identities": "the login of an account: a citizen coming back months later must find "
    "their own account, or their ID number would be refused as declared by another",
    "users": "the account itself, with its verified phone; goes with the identities",
    "people": "who a code belongs to, filed under the ID number's keyed hash that status "
    "marks and test results join on: the code exists while the person does",
    "colours": "the current code of a person, recomputed in place; goes with the person",
    "status_marks": "a confirmed mark lasts until an official clears it (SPEC section 3); "
    "a mark that expired by itself would turn a red code green",
    "risk_feeds": "public risk-area snapshots, no personal data; every stored colour names "
    "the snapshot it came from, so a decision can be replayed",
    "test_sites": "the public list of test sites, no personal data; operators reload it",
    "venues": "the public registry of venues (a shop's or office's name and address, no "
    "personal data); a printed poster points at it for as long as the venue exists",
    "vaccinations": "a person's vaccination history: doses count for years, not days, and a "
    "dose that lapsed would be given again; decommission purges it",
    "care_links": "a guardian's link to a dependant lasts while it stands: DELETE "
    "/v1/people/{id} ends it (the dependant's own data then follows the people, "
    "declarations and colours rules); goes with the accounts at decommission",
    "trust_lists": "the verified national trust lists, public keys only; kept per version "
    "so a verification can be replayed against the list then in force",
    "assignments": "a checkpoint account's post at a venue holds while it stands: an "
    "official ends it (DELETE /v1/admin/assignments/{id}) and the item goes; the audit "
    "trail keeps who posted whom where and when; goes with the accounts at decommission",
}

# What decommission deletes, table by table: everything about people. Risk snapshots
# (public) stay; the runtime table loses its counters and data keys (crypto-shredding
# whatever ciphertext a backup still holds, once the KMS key is deleted too).
PERSONAL_TABLES: tuple[str, ...] = (
    "identities",
    "users",
    "people",
    "declarations",
    "colours",
    "stays",
    "place_days",
    "scans",
    "status_marks",
    "appeals",
    "test_results",
    "test_samples",
    "partner_status",
    "conversions",
    "checkins",
    "exposures",
    "vaccinations",
    "care_links",
    "care_requests",
    "printed_codes",
    "disputes",
    "assignments",
    "audit",
    "idempotency",
    "runtime",
)
RUNTIME_KEPT_PREFIXES: tuple[str, ...] = ("policy:",)  # public texts survive decommission


def keep(table: str) -> timedelta:
    """The fixed retention of ``table`` (KeyError for a table kept or ruled per item)."""
    rule = RULES[table]
    if rule.keep is None:
        raise KeyError(f"{table} sets its retention per item")
    return rule.keep
