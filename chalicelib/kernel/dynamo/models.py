"""The DynamoDB tables, as pynamodb models.

Storage shapes only: nothing here is ever serialised into a response. Each
model's ``Meta.table_name`` holds its *logical* name until the composition
root calls :func:`bind`, which prefixes it for the stage and points the
connection at the right region and endpoint (pynamodb fixes the table name
at class creation, so binding has to rewrite it before first use).

Every access path is a GetItem or a Query on a table key or a GSI key; the
table of access paths lives in ``docs/data-model.md``. Items that expire
carry a TTL attribute named ``expires`` (``expiration`` for the idempotency
table, whose schema is aws-lambda-powertools'), set from the retention rules
in ``chalicelib/kernel/retention.py``; a table without one is listed there
with the reason it keeps its items.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.kernel.dynamo.sessions import share_sessions


class _Meta:
    """Defaults shared by every table; ``bind`` fills in name, region and host."""

    billing_mode = "PAY_PER_REQUEST"
    region = "cn-northwest-1"
    host: str | None = None
    connect_timeout_seconds = 1
    read_timeout_seconds = 2
    max_retry_attempts = 3


def _index(name: str, projection: Any = None) -> type:
    class Meta:
        index_name = name

    Meta.projection = projection or AllProjection()  # type: ignore[attr-defined]
    return Meta


# --- identity ---------------------------------------------------------------


class IdentityRecord(Model):
    """A login identity (``wechat:<appid>:<openid>``, ``alipay:<uid>``, ``dev:<subject>``)."""

    class Meta(_Meta):
        table_name = "identities"

    subject = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    role = UnicodeAttribute(default="citizen")
    session_key_enc = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    last_login_at = UTCDateTimeAttribute()


class UserByPhoneIndex(GlobalSecondaryIndex["UserRecord"]):
    Meta = _index("by_phone", KeysOnlyProjection())
    phone_hash = UnicodeAttribute(hash_key=True)


class UserRecord(Model):
    """An account holder: one per person across channels, joined by verified phone."""

    class Meta(_Meta):
        table_name = "users"

    user_id = UnicodeAttribute(hash_key=True)
    phone_hash = UnicodeAttribute(null=True)
    phone_enc = UnicodeAttribute(null=True)
    phone_masked = UnicodeAttribute(null=True)
    channels = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = UTCDateTimeAttribute()
    # The keyed hash of the ID number the login channel vouches for (Alipay's certified
    # user info, WeChat's real-name check; the dev login's vouched_id_number): an
    # identity dispute about that number is decided for this account automatically.
    vouched_id_hash = UnicodeAttribute(null=True)
    by_phone = UserByPhoneIndex()


# --- people, declarations, colours -------------------------------------------


class PersonByOwnerIndex(GlobalSecondaryIndex["PersonRecord"]):
    Meta = _index("by_owner")
    owner_user_id = UnicodeAttribute(hash_key=True)


class PersonByIdHashIndex(GlobalSecondaryIndex["PersonRecord"]):
    Meta = _index("by_id_hash", KeysOnlyProjection())
    id_hash = UnicodeAttribute(hash_key=True)


class PersonByResidenceIndex(GlobalSecondaryIndex["PersonRecord"]):
    Meta = _index("by_residence", KeysOnlyProjection())
    residence_region = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute(range_key=True)


class PersonByHolderIndex(GlobalSecondaryIndex["PersonRecord"]):
    Meta = _index("by_holder")
    holder_id = UnicodeAttribute(hash_key=True)


class PersonByFedHashIndex(GlobalSecondaryIndex["PersonRecord"]):
    """Sparse: a partner region's attestation finds the local person by the federation
    hash of the ID number (only people declared with a federation key carry one)."""

    Meta = _index("by_fed_hash", KeysOnlyProjection())
    fed_hash = UnicodeAttribute(hash_key=True)


class PersonRecord(Model):
    """A person with a health code: the account holder or one of up to 5 dependants."""

    class Meta(_Meta):
        table_name = "people"

    person_id = UnicodeAttribute(hash_key=True)
    owner_user_id = UnicodeAttribute()
    relation = UnicodeAttribute(default="self")
    holder_id = UnicodeAttribute()
    id_hash = UnicodeAttribute()
    id_enc = UnicodeAttribute()
    id_masked = UnicodeAttribute()
    name_enc = UnicodeAttribute()
    name_masked = UnicodeAttribute()
    residence_region = UnicodeAttribute()
    address_enc = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()
    fed_hash = UnicodeAttribute(null=True)
    by_owner = PersonByOwnerIndex()
    by_id_hash = PersonByIdHashIndex()
    by_residence = PersonByResidenceIndex()
    by_holder = PersonByHolderIndex()
    by_fed_hash = PersonByFedHashIndex()


class DeclarationByPersonIndex(GlobalSecondaryIndex["DeclarationRecord"]):
    Meta = _index("by_person")
    person_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class DeclarationReviewQueueIndex(GlobalSecondaryIndex["DeclarationRecord"]):
    """Sparse: only declarations waiting for a reviewer carry ``review_queue``."""

    Meta = _index("review_queue")
    review_queue = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class DeclarationRecord(Model):
    class Meta(_Meta):
        table_name = "declarations"

    declaration_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    status = UnicodeAttribute()
    payload_enc = UnicodeAttribute()
    symptoms = ListAttribute(of=UnicodeAttribute, default=list)
    contact_with_confirmed = BooleanAttribute(default=False)
    abroad_14d = BooleanAttribute(default=False)
    residence_region = UnicodeAttribute()
    review_reasons = ListAttribute(of=UnicodeAttribute, default=list)
    review_queue = UnicodeAttribute(null=True)
    reviewed_by = UnicodeAttribute(null=True)
    review_note = UnicodeAttribute(null=True)
    reviewed_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires = TTLAttribute(null=True)  # set once a newer declaration replaces it
    by_person = DeclarationByPersonIndex()
    by_review_queue = DeclarationReviewQueueIndex()


class ColourByDueIndex(GlobalSecondaryIndex["ColourRecord"]):
    """``due_bucket`` is the UTC hour of ``valid_until``: expire_due reads a few buckets."""

    Meta = _index("by_due", KeysOnlyProjection())
    due_bucket = UnicodeAttribute(hash_key=True)
    valid_until = UTCDateTimeAttribute(range_key=True)


class ColourByHolderIndex(GlobalSecondaryIndex["ColourRecord"]):
    """A checkpoint's scan: the token's pseudonymous holder id → the current colour."""

    Meta = _index("by_holder")
    holder_id = UnicodeAttribute(hash_key=True)


class ColourRecord(Model):
    """The stored colour of a person, with what it was computed from.

    It also carries the holder id and the masked name and ID number, so that
    showing a code is one GetItem and verifying one is one Query.
    """

    class Meta(_Meta):
        table_name = "colours"

    person_id = UnicodeAttribute(hash_key=True)
    holder_id = UnicodeAttribute(null=True)
    name_masked = UnicodeAttribute(null=True)
    id_masked = UnicodeAttribute(null=True)
    owner_user_id = UnicodeAttribute(null=True)
    itinerary_starred = BooleanAttribute(null=True)
    latest_test = JSONAttribute(null=True)  # {result, sampled_at, lab}: the badge's source
    vaccination = JSONAttribute(null=True)  # {doses, last_at}: shown with the code
    colour = UnicodeAttribute()
    reasons = JSONAttribute(default=list)
    valid_until = UTCDateTimeAttribute(null=True)
    due_bucket = UnicodeAttribute(null=True)
    computed_at = UTCDateTimeAttribute()
    policy_version = UnicodeAttribute()
    feed_id = UnicodeAttribute(null=True)
    version = VersionAttribute()
    by_due = ColourByDueIndex()
    by_holder = ColourByHolderIndex()


# --- itinerary, scans -------------------------------------------------------


class StayRecord(Model):
    """One carrier-reported stay of a phone (keyed hash, never the number)."""

    class Meta(_Meta):
        table_name = "stays"

    phone_hash = UnicodeAttribute(hash_key=True)
    stay_key = UnicodeAttribute(range_key=True)  # "<entered_at>#<kind>#<place>"
    place = UnicodeAttribute()
    kind = UnicodeAttribute()
    entered_at = UTCDateTimeAttribute()
    left_at = UTCDateTimeAttribute()
    batch_id = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    expires = TTLAttribute()


class PlaceDayRecord(Model):
    """Index item: which phones stayed in a place on a local day (for recolouring)."""

    class Meta(_Meta):
        table_name = "place_days"

    place_day = UnicodeAttribute(hash_key=True)  # "610100#2026-11-20"
    phone_hash = UnicodeAttribute(range_key=True)
    expires = TTLAttribute()


class ScanByRegionDayIndex(GlobalSecondaryIndex["ScanRecord"]):
    Meta = _index("by_region_day", KeysOnlyProjection())
    region_day = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute(range_key=True)


class ScanRecord(Model):
    """A checkpoint scan of a person at a venue."""

    class Meta(_Meta):
        table_name = "scans"

    person_id = UnicodeAttribute(hash_key=True)
    scan_key = UnicodeAttribute(range_key=True)  # "<scanned_at>#<scan_id>"
    venue_id = UnicodeAttribute(null=True)
    region_code = UnicodeAttribute(null=True)
    region_day = UnicodeAttribute(null=True)
    scanned_by = UnicodeAttribute()
    colour = UnicodeAttribute()
    scanned_at = UTCDateTimeAttribute()
    expires = TTLAttribute()
    by_region_day = ScanByRegionDayIndex()


# --- venues, check-ins, co-location exposures, vaccinations (issue 17) ---------------


class VenueRecord(Model):
    """A registered venue (场所) and the generation of its current poster token."""

    class Meta(_Meta):
        table_name = "venues"

    venue_id = UnicodeAttribute(hash_key=True)  # "<district>-<8 hex>"
    name = UnicodeAttribute()
    address = UnicodeAttribute()
    region_code = UnicodeAttribute()
    lat = NumberAttribute()
    lng = NumberAttribute()
    kind = UnicodeAttribute()
    generation = NumberAttribute()
    token = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    reissued_at = UTCDateTimeAttribute(null=True)


class CheckinByVenueHourIndex(GlobalSecondaryIndex["CheckinRecord"]):
    """Co-location: who was at a venue in one UTC hour (``<venue>#2026-11-20T02``)."""

    Meta = _index("by_venue_hour")
    venue_hour = UnicodeAttribute(hash_key=True)
    at_person = UnicodeAttribute(range_key=True)  # "<at>#<person_id>"


class CheckinByOwnerIndex(GlobalSecondaryIndex["CheckinRecord"]):
    """``GET /v1/checkins``: the account's own check-ins, for itself and its dependants."""

    Meta = _index("by_owner")
    owner_user_id = UnicodeAttribute(hash_key=True)
    checkin_key = UnicodeAttribute(range_key=True)


class CheckinByRegionDayIndex(GlobalSecondaryIndex["CheckinRecord"]):
    """The risk refresh: who checked in in a district on a local day, as for scans."""

    Meta = _index("by_region_day", KeysOnlyProjection())
    region_day = UnicodeAttribute(hash_key=True)  # "610113#2026-11-20"
    person_id = UnicodeAttribute(range_key=True)


class CheckinRecord(Model):
    """A citizen's check-in at a venue (扫场所码)."""

    class Meta(_Meta):
        table_name = "checkins"

    person_id = UnicodeAttribute(hash_key=True)
    checkin_key = UnicodeAttribute(range_key=True)  # "<at>#<checkin_id>"
    checkin_id = UnicodeAttribute()
    owner_user_id = UnicodeAttribute()
    venue_id = UnicodeAttribute()
    venue_name = UnicodeAttribute()
    region_code = UnicodeAttribute()
    venue_hour = UnicodeAttribute()
    at_person = UnicodeAttribute()
    region_day = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    colour = UnicodeAttribute()
    expires = TTLAttribute()
    by_venue_hour = CheckinByVenueHourIndex()
    by_owner = CheckinByOwnerIndex()
    by_region_day = CheckinByRegionDayIndex()


class ExposureByCaseIndex(GlobalSecondaryIndex["ExposureRecord"]):
    """Lifting a case: every exposure it caused."""

    Meta = _index("by_case", KeysOnlyProjection())
    case_ref = UnicodeAttribute(hash_key=True)


class ExposureRecord(Model):
    """A co-location contact (时空伴随): a person's visit near a confirmed case's."""

    class Meta(_Meta):
        table_name = "exposures"

    person_id = UnicodeAttribute(hash_key=True)
    exposure_key = UnicodeAttribute(range_key=True)  # "<case_ref>#<checkin_id>"
    case_ref = UnicodeAttribute()
    venue_id = UnicodeAttribute()
    venue_name = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    found_at = UTCDateTimeAttribute()
    expires = TTLAttribute()
    by_case = ExposureByCaseIndex()


class VaccinationByIdHashIndex(GlobalSecondaryIndex["VaccinationRecord"]):
    Meta = _index("by_id_hash")
    id_hash = UnicodeAttribute(hash_key=True)
    record_id = UnicodeAttribute(range_key=True)


class VaccinationRecord(Model):
    """A vaccination record from a vaccinator client, filed under the ID number's keyed
    hash (it waits for people who have not declared yet); one item per record id, which
    only the client that first sent it may correct (``submitted_by``)."""

    class Meta(_Meta):
        table_name = "vaccinations"

    record_id = UnicodeAttribute(hash_key=True)
    id_hash = UnicodeAttribute()
    dose_number = NumberAttribute()
    vaccine = UnicodeAttribute()
    site = UnicodeAttribute()
    administered_at = UTCDateTimeAttribute()
    submitted_by = UnicodeAttribute()
    batch_id = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    by_id_hash = VaccinationByIdHashIndex()


# --- feeds, status marks, appeals, tests ---------------------------------------


class RiskFeedHeldIndex(GlobalSecondaryIndex["RiskFeedRecord"]):
    """Sparse: only held snapshots carry ``queue``, oldest first (what an official confirms)."""

    Meta = _index("queue")
    queue = UnicodeAttribute(hash_key=True)
    stored_at = UTCDateTimeAttribute(range_key=True)


class RiskFeedRecord(Model):
    """A stored risk-area snapshot; the item ``@active`` points at the active one."""

    class Meta(_Meta):
        table_name = "risk_feeds"

    feed_id = UnicodeAttribute(hash_key=True)
    state = UnicodeAttribute()
    published_at = UTCDateTimeAttribute(null=True)
    stored_at = UTCDateTimeAttribute()
    areas = JSONAttribute(default=list)
    unresolved = JSONAttribute(default=list)
    source = UnicodeAttribute(null=True)
    active_feed_id = UnicodeAttribute(null=True)
    confirmed_by = UnicodeAttribute(null=True)
    queue = UnicodeAttribute(null=True)  # "held" while the snapshot waits for an official
    held_why = UnicodeAttribute(null=True)  # why it was held (riskfeed.HOLD_REASONS)
    by_queue = RiskFeedHeldIndex()


class StatusMarkBySubjectIndex(GlobalSecondaryIndex["StatusMarkRecord"]):
    """Marks by the keyed hash of the ID number: a mark may precede the declaration."""

    Meta = _index("by_subject")
    id_hash = UnicodeAttribute(hash_key=True)
    requested_at = UTCDateTimeAttribute(range_key=True)


class StatusMarkQueueIndex(GlobalSecondaryIndex["StatusMarkRecord"]):
    """Sparse: only marks awaiting a second official carry ``queue`` (the officials' queue)."""

    Meta = _index("queue")
    queue = UnicodeAttribute(hash_key=True)
    requested_at = UTCDateTimeAttribute(range_key=True)


class StatusMarkRecord(Model):
    """An official's status mark; takes effect only once a second official approves."""

    class Meta(_Meta):
        table_name = "status_marks"

    mark_id = UnicodeAttribute(hash_key=True)
    id_hash = UnicodeAttribute()
    person_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    category = UnicodeAttribute()
    note = UnicodeAttribute()
    contact_date = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    requested_at = UTCDateTimeAttribute()
    approved_by = UnicodeAttribute(null=True)
    approved_at = UTCDateTimeAttribute(null=True)
    queue = UnicodeAttribute(null=True)  # "awaiting" while awaiting approval
    by_subject = StatusMarkBySubjectIndex()
    by_queue = StatusMarkQueueIndex()


class AppealByUserIndex(GlobalSecondaryIndex["AppealRecord"]):
    Meta = _index("by_user")
    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class AppealQueueIndex(GlobalSecondaryIndex["AppealRecord"]):
    """Sparse: only open appeals carry ``queue``."""

    Meta = _index("queue")
    queue = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class AppealRecord(Model):
    class Meta(_Meta):
        table_name = "appeals"

    appeal_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute()
    person_id = UnicodeAttribute()
    text = UnicodeAttribute()
    colour = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    queue = UnicodeAttribute(null=True)
    answer = UnicodeAttribute(null=True)
    answered_by = UnicodeAttribute(null=True)
    answered_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires = TTLAttribute(null=True)  # set when answered
    by_user = AppealByUserIndex()
    by_queue = AppealQueueIndex()


class TestResultRecord(Model):
    """A nucleic-acid result, filed under the keyed hash of the ID number, so it is there
    before the person has even declared; one item per ``(lab, sample_id)``."""

    __test__ = False  # not a pytest class

    class Meta(_Meta):
        table_name = "test_results"

    id_hash = UnicodeAttribute(hash_key=True)
    sample_ref = UnicodeAttribute(range_key=True)  # "<lab>#<sample_id>"
    lab = UnicodeAttribute()
    sample_id = UnicodeAttribute()
    result = UnicodeAttribute()
    sampled_at = UTCDateTimeAttribute()
    reported_at = UTCDateTimeAttribute()
    batch_id = UnicodeAttribute()
    expires = TTLAttribute(null=True)  # none for a positive: it stands until cleared


class TestSampleRecord(Model):
    """Which person a sample belongs to and what it said: read in batches before a lab
    batch is written, to tell new results, resends and corrections apart."""

    __test__ = False

    class Meta(_Meta):
        table_name = "test_samples"

    sample_ref = UnicodeAttribute(hash_key=True)  # "<lab>#<sample_id>"
    id_hash = UnicodeAttribute()
    result = UnicodeAttribute()
    sampled_at = UTCDateTimeAttribute()
    submitted_by = UnicodeAttribute()  # the lab client that first sent it
    mark_id = UnicodeAttribute(null=True)  # the officials' queue entry a positive opened
    expires = TTLAttribute(null=True)


class TestSiteRecord(Model):
    """A test site, filed under its geohash cell at several precisions (``<p>:<cell>``) so
    a nearby query reads nine cells; ``id:<site_id>`` items let a reload move a site."""

    __test__ = False

    class Meta(_Meta):
        table_name = "test_sites"

    cell = UnicodeAttribute(hash_key=True)
    site_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    address = UnicodeAttribute()
    region_code = UnicodeAttribute()
    lat = NumberAttribute()
    lng = NumberAttribute()
    hours = UnicodeAttribute(null=True)


# --- mutual recognition (docs/federation.md) -----------------------------------


class TrustListRecord(Model):
    """A verified trust list, kept per version (``v<version>``, immutable); the item
    ``@current`` names the version in force (raised only, with a conditional write)."""

    class Meta(_Meta):
        table_name = "trust_lists"

    list_key = UnicodeAttribute(hash_key=True)  # "@current" or "v0000000003"
    version = NumberAttribute()
    issued_at = UTCDateTimeAttribute(null=True)
    document = JSONAttribute(null=True)  # the signed document as uploaded
    uploaded_by = UnicodeAttribute(null=True)
    uploaded_at = UTCDateTimeAttribute()


class PartnerStatusRecord(Model):
    """A partner region's latest attestation about one federation hash; gone at its end."""

    class Meta(_Meta):
        table_name = "partner_status"

    fed_hash = UnicodeAttribute(hash_key=True)
    region = UnicodeAttribute(range_key=True)
    colour = UnicodeAttribute()
    reasons = ListAttribute(of=UnicodeAttribute, default=list)
    valid_until = UTCDateTimeAttribute()
    attested_at = UTCDateTimeAttribute()
    batch_id = UnicodeAttribute()
    kid = UnicodeAttribute()
    received_at = UTCDateTimeAttribute()
    expires = TTLAttribute()  # = valid_until


class ConversionRecord(Model):
    """A partner's or the national code converted into one of ours (way (b)), found by
    the local code's holder id when a checkpoint scans it."""

    class Meta(_Meta):
        table_name = "conversions"

    holder_id = UnicodeAttribute(hash_key=True)
    source_region = UnicodeAttribute()
    source_kid = UnicodeAttribute()
    source_holder = UnicodeAttribute()
    colour = UnicodeAttribute()
    source_expires_at = UTCDateTimeAttribute()
    expires_at = UTCDateTimeAttribute()
    converted_by = UnicodeAttribute()
    converted_at = UTCDateTimeAttribute()
    expires = TTLAttribute()


# --- dependants, printed codes, identity disputes (docs/people.md) ------------


class CareLinkByPersonIndex(GlobalSecondaryIndex["CareLinkRecord"]):
    """Who cares for a person (to end the links of a person, and to count them)."""

    Meta = _index("by_person", KeysOnlyProjection())
    person_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class CareLinkRecord(Model):
    """An account that shows a dependant's code: many-to-many (an elder may be held by
    two of their children and by their own account). The account's own person is not
    a link: it is the person whose ``owner_user_id`` it is, with relation ``self``."""

    class Meta(_Meta):
        table_name = "care_links"

    user_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute(range_key=True)
    relation = UnicodeAttribute()  # child | parent | grandparent | spouse | other
    created_at = UTCDateTimeAttribute()
    by_person = CareLinkByPersonIndex()


class PrintedCodeRecord(Model):
    """A printed code (``printed_id`` is its token's holder field, random), and one item
    ``person:<person_id>`` per person naming the one in force (``current``): issuing a
    new one moves that pointer with a conditional write, which revokes the previous."""

    class Meta(_Meta):
        table_name = "printed_codes"

    printed_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute()
    current = UnicodeAttribute(null=True)  # on the person:<id> item only
    issued_by = UnicodeAttribute(null=True)
    issued_at = UTCDateTimeAttribute(null=True)
    expires_at = UTCDateTimeAttribute(null=True)
    expires = TTLAttribute(null=True)  # a day after the code's own expiry


class CareRequestByPersonIndex(GlobalSecondaryIndex["CareRequestRecord"]):
    """The requests a person's own account has to answer, oldest first."""

    Meta = _index("by_person")
    person_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class CareRequestRecord(Model):
    """A guardian's request to care for a person with an account of their own; the id is
    derived from the person and the guardian, so asking twice finds one item."""

    class Meta(_Meta):
        table_name = "care_requests"

    request_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute()
    guardian_user_id = UnicodeAttribute()
    relation = UnicodeAttribute()
    state = UnicodeAttribute()  # pending | accepted | refused
    created_at = UTCDateTimeAttribute()
    decided_at = UTCDateTimeAttribute(null=True)
    expires = TTLAttribute()  # a week after asking; a month after the answer
    by_person = CareRequestByPersonIndex()


class DisputeQueueIndex(GlobalSecondaryIndex["DisputeRecord"]):
    """Sparse: only disputes a reviewer must still decide carry ``queue``."""

    Meta = _index("queue")
    queue = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class DisputeByClaimantIndex(GlobalSecondaryIndex["DisputeRecord"]):
    Meta = _index("by_claimant")
    claimant_user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class DisputeRecord(Model):
    """A second account's claim to an ID number another account holds."""

    class Meta(_Meta):
        table_name = "disputes"

    dispute_id = UnicodeAttribute(hash_key=True)
    person_id = UnicodeAttribute()
    claimant_user_id = UnicodeAttribute()
    holder_user_id = UnicodeAttribute()
    claimant_vouched = BooleanAttribute(default=False)
    holder_vouched = BooleanAttribute(default=False)
    payload_enc = UnicodeAttribute()  # the claimant's declaration, encrypted
    relation = UnicodeAttribute(default="self")
    state = UnicodeAttribute()  # open | proof_requested | moved | kept
    queue = UnicodeAttribute(null=True)
    evidence = UnicodeAttribute(null=True)  # the claimant's appeal text
    decided_by = UnicodeAttribute(null=True)
    decided_at = UTCDateTimeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires = TTLAttribute(null=True)  # six months after the decision
    by_queue = DisputeQueueIndex()
    by_claimant = DisputeByClaimantIndex()


# --- audit, idempotency, runtime state ---------------------------------------


class AuditByDayIndex(GlobalSecondaryIndex["AuditRecord"]):
    Meta = _index("by_day")
    day = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)


class AuditByActorIndex(GlobalSecondaryIndex["AuditRecord"]):
    Meta = _index("by_actor")
    actor = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)


class AuditRecord(Model):
    """Who did what to whom, when and why, with the before and after."""

    class Meta(_Meta):
        table_name = "audit"

    subject_id = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)  # "<at>#<event_id>"
    actor = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    action = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    before = JSONAttribute(null=True)
    after = JSONAttribute(null=True)
    at = UTCDateTimeAttribute()
    day = UnicodeAttribute()
    expires = TTLAttribute(null=True)
    by_day = AuditByDayIndex()
    by_actor = AuditByActorIndex()


class IdempotencyRecord(Model):
    """aws-lambda-powertools' idempotency table schema (key ``id``, TTL ``expiration``)."""

    class Meta(_Meta):
        table_name = "idempotency"

    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute(null=True)
    status = UnicodeAttribute(null=True)
    data = UnicodeAttribute(null=True)
    validation = UnicodeAttribute(null=True)
    in_progress_expiration = NumberAttribute(null=True)


class RuntimeRecord(Model):
    """Small shared state: job leases, the WeChat access token, rate-limit counters."""

    class Meta(_Meta):
        table_name = "runtime"

    key = UnicodeAttribute(hash_key=True)
    value = UnicodeAttribute(null=True)
    owner = UnicodeAttribute(null=True)
    counter = NumberAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)
    expires = TTLAttribute(null=True)


ALL_MODELS: tuple[type[Model], ...] = (
    IdentityRecord,
    UserRecord,
    PersonRecord,
    DeclarationRecord,
    ColourRecord,
    StayRecord,
    PlaceDayRecord,
    ScanRecord,
    RiskFeedRecord,
    StatusMarkRecord,
    AppealRecord,
    TestResultRecord,
    TestSampleRecord,
    TestSiteRecord,
    AuditRecord,
    IdempotencyRecord,
    RuntimeRecord,
    TrustListRecord,
    PartnerStatusRecord,
    ConversionRecord,
    VenueRecord,
    CheckinRecord,
    ExposureRecord,
    VaccinationRecord,
    CareLinkRecord,
    CareRequestRecord,
    PrintedCodeRecord,
    DisputeRecord,
)

# Logical names, captured before any binding rewrites Meta.table_name.
LOGICAL_NAMES: dict[type[Model], str] = {m: m.Meta.table_name for m in ALL_MODELS}


def bind(*, table_prefix: str, region: str, host: str | None) -> None:
    """Point every model at its stage's table, region and endpoint, all of them on one
    botocore session per thread (:mod:`chalicelib.kernel.dynamo.sessions`)."""
    share_sessions()
    for model, logical in LOGICAL_NAMES.items():
        target = (f"{table_prefix}{logical}", region, host)
        if (model.Meta.table_name, model.Meta.region, model.Meta.host) == target:
            continue  # already bound: keep the connection (and its botocore client)
        model.Meta.table_name, model.Meta.region, model.Meta.host = target
        model._connection = None  # drop a connection bound to an older name or host


def ttl_attribute(model: type[Model]) -> str | None:
    """The name of the model's TTL attribute, if it has one."""
    for name, attr in model.get_attributes().items():
        if isinstance(attr, TTLAttribute):
            return attr.attr_name or name
    return None
