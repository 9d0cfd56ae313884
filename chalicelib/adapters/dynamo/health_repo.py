"""People, declarations, colours, status marks, appeals, audit and the facts behind a colour.

Every method is a GetItem, a PutItem / UpdateItem with a condition, or a
Query on a key or GSI (docs/data-model.md lists them). Records are turned
into domain objects here; nothing above this module sees a pynamodb record.
Reads of tables with a TTL drop expired items (``ttl.live`` / ``ttl.expired``):
DynamoDB deletes them only lazily. Retention periods come from
``chalicelib/domain/retention.py``.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.adapters.dynamo.errors import conditional_failed, translate
from chalicelib.adapters.dynamo.federation_repo import partner_status
from chalicelib.adapters.dynamo.models import (
    AppealRecord,
    AuditRecord,
    ColourRecord,
    DeclarationRecord,
    PartnerStatusRecord,
    PersonRecord,
    RiskFeedRecord,
    ScanRecord,
    StatusMarkRecord,
    StayRecord,
    TestResultRecord,
    UserRecord,
)
from chalicelib.adapters.dynamo.ttl import expired, live
from chalicelib.domain import retention
from chalicelib.domain.colour import (
    Assessment,
    Colour,
    PartnerStatus,
    Reason,
    RiskArea,
    StatusMark,
    Stay,
    TestResult,
    VenueScan,
    local_day,
)
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.health import (
    Appeal,
    AuditEvent,
    Declaration,
    MarkRequest,
    Page,
    Person,
    StoredColour,
)

T = TypeVar("T")
ACTIVE_FEED = "@active"
Clock = Callable[[], datetime]


class StaleWrite(Conflict):
    """Someone else wrote first (optimistic lock); re-read and try again."""

    code = "stale_write"


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


# --- paging -------------------------------------------------------------------


def _transition(record: Model, actions: list[Action], condition: Condition, message: str) -> None:
    """A state change guarded by its condition (pending → decided, open → answered):
    Conflict(already_decided) when someone decided first."""
    with translate():
        try:
            record.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if conditional_failed(exc):
                raise Conflict(message, code="already_decided") from None
            raise


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode_cursor(
    cursor: str | None, keys: frozenset[str], partition: tuple[str, str] | None = None
) -> dict[str, Any] | None:
    """A cursor we issued for this query (exactly its ``keys``, all strings), or
    InvalidInput naming ``cursor``: never a DynamoDB validation error."""
    if not cursor:
        return None
    bad = InvalidInput(
        "the cursor is not one this API issued", field="cursor", code="invalid_cursor"
    )
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise bad from None
    if not isinstance(key, dict) or set(key) != keys:
        raise bad
    for name, value in key.items():
        if not (isinstance(name, str) and isinstance(value, dict) and len(value) == 1):
            raise bad
        ((kind, text),) = value.items()
        if kind != "S" or not isinstance(text, str) or not text or len(text) > 256:
            raise bad
    if partition is not None and key[partition[0]]["S"] != partition[1]:
        raise bad  # a cursor from another partition: DynamoDB would refuse it
    return key


# The attributes of each query's LastEvaluatedKey: the table key plus the index key.
DECLARATION_BY_PERSON = frozenset({"declaration_id", "person_id", "created_at"})
DECLARATION_QUEUE = frozenset({"declaration_id", "review_queue", "created_at"})
APPEAL_BY_USER = frozenset({"appeal_id", "user_id", "created_at"})
APPEAL_QUEUE = frozenset({"appeal_id", "queue", "created_at"})
MARK_QUEUE = frozenset({"mark_id", "queue", "requested_at"})
AUDIT_BY_DAY = frozenset({"subject_id", "event_key", "day"})
AUDIT_BY_SUBJECT = frozenset({"subject_id", "event_key"})


def _page(result: Any, convert: Any) -> Page[Any]:
    items = tuple(convert(record) for record in result)
    return Page(items=items, cursor=encode_cursor(result.last_evaluated_key))


# --- people ---------------------------------------------------------------------


def _person(record: PersonRecord) -> Person:
    return Person(
        person_id=record.person_id,
        owner_user_id=record.owner_user_id,
        holder_id=record.holder_id,
        id_hash=record.id_hash,
        id_masked=record.id_masked,
        name_masked=record.name_masked,
        residence_region=record.residence_region,
        relation=record.relation,
        version=record.version,
        fed_hash=record.fed_hash,
    )


class DynamoPeople:
    def get(self, person_id: str) -> Person | None:
        with translate():
            try:
                return _person(PersonRecord.get(person_id))
            except DoesNotExist:
                return None

    def self_of(self, user_id: str) -> Person | None:
        with translate():
            for record in PersonRecord.by_owner.query(user_id):
                if record.relation == "self":
                    return _person(record)
        return None

    def ids_by_id_hash(self, id_hash: str) -> list[str]:
        with translate():
            return [r.person_id for r in PersonRecord.by_id_hash.query(id_hash)]

    def ids_by_fed_hash(self, fed_hash: str) -> list[str]:
        with translate():
            return [r.person_id for r in PersonRecord.by_fed_hash.query(fed_hash)]

    def create(
        self, person: Person, *, id_enc: str, name_enc: str, address_enc: str, now: datetime
    ) -> Person:
        record = PersonRecord(
            person.person_id,
            owner_user_id=person.owner_user_id,
            relation=person.relation,
            holder_id=person.holder_id,
            id_hash=person.id_hash,
            id_enc=id_enc,
            id_masked=person.id_masked,
            name_enc=name_enc,
            name_masked=person.name_masked,
            residence_region=person.residence_region,
            address_enc=address_enc,
            created_at=now,
            updated_at=now,
            fed_hash=person.fed_hash,
        )
        with translate():
            try:
                record.save(condition=PersonRecord.person_id.does_not_exist())
            except PutError as exc:
                if conditional_failed(exc):
                    raise Conflict("this person is already filed", code="already_exists") from None
                raise
        return _person(record)

    def update_details(
        self,
        person: Person,
        *,
        name_enc: str,
        name_masked: str,
        address_enc: str,
        residence_region: str,
        now: datetime,
        fed_hash: str | None = None,
    ) -> Person:
        """New name / address / residence from a later declaration (optimistic lock); the
        federation hash too, for people filed before the federation key was set."""
        record = PersonRecord(person.person_id, version=person.version)
        actions: list[Action] = [
            PersonRecord.name_enc.set(name_enc),
            PersonRecord.name_masked.set(name_masked),
            PersonRecord.address_enc.set(address_enc),
            PersonRecord.residence_region.set(residence_region),
            PersonRecord.updated_at.set(now),
        ]
        if fed_hash is not None:
            actions.append(PersonRecord.fed_hash.set(fed_hash))
        with translate():
            try:
                record.update(actions=actions)
            except UpdateError as exc:
                if conditional_failed(exc):
                    raise StaleWrite("the person changed meanwhile") from None
                raise
        return _person(record)


# --- declarations -----------------------------------------------------------------


def _set_expiry(record: DeclarationRecord, expires: datetime) -> None:
    """Set an existing declaration's TTL; never create an item that has only a TTL."""
    with translate():
        try:
            record.update(
                actions=[DeclarationRecord.expires.set(expires)],
                condition=DeclarationRecord.declaration_id.exists(),
            )
        except UpdateError as exc:
            if not conditional_failed(exc):
                raise


def _declaration(record: DeclarationRecord) -> Declaration:
    return Declaration(
        declaration_id=record.declaration_id,
        person_id=record.person_id,
        user_id=record.user_id,
        status=record.status,
        symptoms=tuple(str(x) for x in record.symptoms or ()),
        contact_with_confirmed=bool(record.contact_with_confirmed),
        abroad_14d=bool(record.abroad_14d),
        residence_region=record.residence_region,
        created_at=record.created_at,
        review_reasons=tuple(str(x) for x in record.review_reasons or ()),
        reviewed_by=record.reviewed_by,
        review_note=record.review_note,
        reviewed_at=record.reviewed_at,
    )


class DynamoDeclarations:
    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def add(self, declaration: Declaration, *, payload_enc: str) -> None:
        record = DeclarationRecord(
            declaration.declaration_id,
            person_id=declaration.person_id,
            user_id=declaration.user_id,
            status=declaration.status,
            payload_enc=payload_enc,
            symptoms=list(declaration.symptoms),
            contact_with_confirmed=declaration.contact_with_confirmed,
            abroad_14d=declaration.abroad_14d,
            residence_region=declaration.residence_region,
            review_reasons=list(declaration.review_reasons),
            review_queue="pending" if declaration.status == "pending_review" else None,
            created_at=declaration.created_at,
        )
        with translate():
            record.save(condition=DeclarationRecord.declaration_id.does_not_exist())
        self._retire_replaced(declaration.person_id, declaration.declaration_id)

    def _retire_replaced(self, person_id: str, newest_id: str) -> None:
        """Start the retention clock of the declarations a newer one replaced (decided
        ones; a pending one starts when it is decided). Normally exactly one item: the
        previous latest; the rest already carry their expiry."""
        now = self._clock()
        expires = now + retention.keep("declarations")
        with translate():
            for record in DeclarationRecord.by_person.query(
                person_id,
                scan_index_forward=False,
                limit=25,
                filter_condition=DeclarationRecord.expires.does_not_exist(),
            ):
                if record.declaration_id == newest_id or record.status == "pending_review":
                    continue
                _set_expiry(DeclarationRecord(record.declaration_id), expires)

    def get(self, declaration_id: str) -> Declaration | None:
        with translate():
            try:
                record = DeclarationRecord.get(declaration_id)
            except DoesNotExist:
                return None
        return None if expired(record, self._clock()) else _declaration(record)

    def latest(self, person_id: str) -> Declaration | None:
        with translate():
            for record in DeclarationRecord.by_person.query(
                person_id,
                scan_index_forward=False,
                limit=1,
                filter_condition=live(DeclarationRecord, self._clock()),
            ):
                return _declaration(record)
        return None

    def for_person(self, person_id: str, *, limit: int, cursor: str | None) -> Page[Declaration]:
        with translate():
            result = DeclarationRecord.by_person.query(
                person_id,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=decode_cursor(
                    cursor, DECLARATION_BY_PERSON, ("person_id", person_id)
                ),
                filter_condition=live(DeclarationRecord, self._clock()),
            )
            return _page(result, _declaration)

    def queue(self, *, limit: int, cursor: str | None) -> Page[Declaration]:
        """Waiting for review, oldest first."""
        with translate():
            result = DeclarationRecord.by_review_queue.query(
                "pending",
                scan_index_forward=True,
                limit=limit,
                last_evaluated_key=decode_cursor(
                    cursor, DECLARATION_QUEUE, ("review_queue", "pending")
                ),
                filter_condition=live(DeclarationRecord, self._clock()),
            )
            return _page(result, _declaration)

    def decide(
        self, declaration_id: str, *, status: str, reviewer: str, note: str, now: datetime
    ) -> Declaration:
        """Approve or reject a pending declaration; Conflict if it is no longer pending."""
        record = DeclarationRecord(declaration_id)
        _transition(
            record,
            [
                DeclarationRecord.status.set(status),
                DeclarationRecord.reviewed_by.set(reviewer),
                DeclarationRecord.review_note.set(note),
                DeclarationRecord.reviewed_at.set(now),
                DeclarationRecord.review_queue.remove(),
            ],
            DeclarationRecord.status == "pending_review",
            "this declaration has already been decided",
        )
        decided = _declaration(record)
        latest = self.latest(decided.person_id)
        if latest is not None and latest.declaration_id != declaration_id:
            # Decided after a newer declaration replaced it: its retention starts now.
            _set_expiry(DeclarationRecord(declaration_id), now + retention.keep("declarations"))
        return decided


# --- colours ----------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse_time(text: Any) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) and text else None


def reasons_to_json(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    return [
        {
            "code": r.code,
            "colour": r.colour.value,
            "text_zh": r.text_zh,
            "text_en": r.text_en,
            "until": _iso(r.until),
            "since": _iso(r.since),
        }
        for r in reasons
    ]


def reasons_from_json(items: Any) -> tuple[Reason, ...]:
    return tuple(
        Reason(
            code=i["code"],
            colour=Colour(i["colour"]),
            text_zh=i["text_zh"],
            text_en=i["text_en"],
            until=_parse_time(i.get("until")),
            since=_parse_time(i.get("since")),
        )
        for i in items or ()
    )


def _stored(record: ColourRecord) -> StoredColour:
    assessment = Assessment(
        colour=Colour(record.colour),
        reasons=reasons_from_json(record.reasons),
        valid_until=record.valid_until,
        policy_version=record.policy_version,
        feed_id=record.feed_id,
        as_of=record.computed_at,
    )
    return StoredColour(
        person_id=record.person_id,
        assessment=assessment,
        computed_at=record.computed_at,
        version=record.version,
        holder_id=record.holder_id,
        name_masked=record.name_masked,
        id_masked=record.id_masked,
        owner_user_id=record.owner_user_id,
        itinerary_starred=record.itinerary_starred,
        latest_test=_latest_test(record.latest_test),
    )


def _latest_test(raw: Any) -> TestResult | None:
    if not isinstance(raw, dict):
        return None
    return TestResult(
        sampled_at=datetime.fromisoformat(raw["sampled_at"]),
        result=raw["result"],
        lab=raw.get("lab", ""),
    )


class DynamoColours:
    def get(self, person_id: str, *, consistent: bool = False) -> StoredColour | None:
        with translate():
            try:
                return _stored(ColourRecord.get(person_id, consistent_read=consistent))
            except DoesNotExist:
                return None

    def save(
        self,
        person: Person,
        assessment: Assessment,
        *,
        expected_version: int | None,
        itinerary_starred: bool | None = None,
        latest_test: TestResult | None = None,
    ) -> StoredColour:
        """Write the assessment if nobody wrote since ``expected_version`` was read."""
        record = ColourRecord(
            person.person_id,
            holder_id=person.holder_id,
            name_masked=person.name_masked,
            id_masked=person.id_masked,
            owner_user_id=person.owner_user_id,
            itinerary_starred=itinerary_starred,
            latest_test=(
                {
                    "result": latest_test.result,
                    "sampled_at": latest_test.sampled_at.isoformat(),
                    "lab": latest_test.lab,
                }
                if latest_test is not None
                else None
            ),
            colour=assessment.colour.value,
            reasons=reasons_to_json(assessment.reasons),
            valid_until=assessment.valid_until,
            due_bucket=(
                assessment.valid_until.strftime("%Y-%m-%dT%H") if assessment.valid_until else None
            ),
            computed_at=assessment.as_of,
            policy_version=assessment.policy_version,
            feed_id=assessment.feed_id,
        )
        if expected_version is not None:
            record.version = expected_version
        with translate():
            try:
                record.save()  # VersionAttribute: conditional on the version we read
            except PutError as exc:
                if conditional_failed(exc):
                    raise StaleWrite("the colour changed meanwhile") from None
                raise
        return _stored(record)

    def due(self, bucket: str, *, until: datetime) -> list[str]:
        """People whose colour can change by ``until``, in one hourly bucket of the index."""
        with translate():
            return [
                r.person_id
                for r in ColourRecord.by_due.query(bucket, ColourRecord.valid_until <= until)
            ]

    def by_holder(self, holder_id: str) -> StoredColour | None:
        with translate():
            for record in ColourRecord.by_holder.query(holder_id, limit=1):
                return _stored(record)
        return None


class DynamoScans:
    def add(
        self,
        *,
        person_id: str,
        scan_id: str,
        venue_id: str | None,
        region_code: str | None,
        scanned_by: str,
        colour: str,
        at: datetime,
        expires: datetime,
    ) -> None:
        record = ScanRecord(
            person_id,
            f"{at.isoformat()}#{scan_id}",
            venue_id=venue_id,
            region_code=region_code,
            region_day=f"{region_code}#{local_day(at).isoformat()}" if region_code else None,
            scanned_by=scanned_by,
            colour=colour,
            scanned_at=at,
            expires=expires,
        )
        with translate():
            record.save()


# --- status marks --------------------------------------------------------------------


def _mark(record: StatusMarkRecord) -> MarkRequest:
    return MarkRequest(
        mark_id=record.mark_id,
        id_hash=record.id_hash,
        person_id=record.person_id,
        status=record.status,
        category=record.category,
        note=record.note,
        contact_date=date.fromisoformat(record.contact_date) if record.contact_date else None,
        state=record.state,
        requested_by=record.requested_by,
        requested_at=record.requested_at,
        approved_by=record.approved_by,
        approved_at=record.approved_at,
    )


class DynamoMarks:
    def add(self, mark: MarkRequest) -> None:
        record = StatusMarkRecord(
            mark.mark_id,
            id_hash=mark.id_hash,
            person_id=mark.person_id,
            status=mark.status,
            category=mark.category,
            note=mark.note,
            contact_date=mark.contact_date.isoformat() if mark.contact_date else None,
            state=mark.state,
            requested_by=mark.requested_by,
            requested_at=mark.requested_at,
            queue="awaiting" if mark.state == "awaiting_approval" else None,
        )
        with translate():
            record.save(condition=StatusMarkRecord.mark_id.does_not_exist())

    def get(self, mark_id: str) -> MarkRequest | None:
        with translate():
            try:
                return _mark(StatusMarkRecord.get(mark_id))
            except DoesNotExist:
                return None

    def approve(
        self, mark: MarkRequest, *, approver: str, person_id: str | None, now: datetime
    ) -> MarkRequest:
        """Awaiting → approved, by someone other than the requester (checked in the write)."""
        record = StatusMarkRecord(mark.mark_id)
        actions: list[Action] = [
            StatusMarkRecord.state.set("approved"),
            StatusMarkRecord.approved_by.set(approver),
            StatusMarkRecord.approved_at.set(now),
            StatusMarkRecord.queue.remove(),
        ]
        if person_id is not None:
            actions.append(StatusMarkRecord.person_id.set(person_id))
        _transition(
            record,
            actions,
            (StatusMarkRecord.state == "awaiting_approval")
            & (StatusMarkRecord.requested_by != approver),
            "this mark is no longer awaiting approval",
        )
        return _mark(record)

    def withdraw(self, mark_id: str) -> bool:
        """Awaiting → withdrawn (a lab corrected the result that opened it); False when an
        official has already decided it: their decision stands."""
        record = StatusMarkRecord(mark_id)
        try:
            _transition(
                record,
                [
                    StatusMarkRecord.state.set("withdrawn"),
                    StatusMarkRecord.queue.remove(),
                ],
                StatusMarkRecord.state == "awaiting_approval",
                "this mark is no longer awaiting approval",
            )
        except Conflict:
            return False
        return True

    def queue(self, *, limit: int, cursor: str | None) -> Page[MarkRequest]:
        """Awaiting a second official, oldest first."""
        with translate():
            result = StatusMarkRecord.by_queue.query(
                "awaiting",
                scan_index_forward=True,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor, MARK_QUEUE, ("queue", "awaiting")),
            )
            return _page(result, _mark)

    def approved_for(self, id_hash: str) -> list[StatusMark]:
        with translate():
            return [
                StatusMark(
                    status=r.status,
                    category=r.category,
                    effective_at=r.approved_at,
                    contact_date=date.fromisoformat(r.contact_date) if r.contact_date else None,
                )
                for r in StatusMarkRecord.by_subject.query(id_hash)
                if r.state == "approved" and r.approved_at is not None
            ]

    def for_subject(self, id_hash: str) -> list[MarkRequest]:
        with translate():
            return [_mark(r) for r in StatusMarkRecord.by_subject.query(id_hash)]


# --- appeals ---------------------------------------------------------------------------


def _appeal(record: AppealRecord) -> Appeal:
    return Appeal(
        appeal_id=record.appeal_id,
        user_id=record.user_id,
        person_id=record.person_id,
        text=record.text,
        colour=record.colour,
        state=record.state,
        created_at=record.created_at,
        answer=record.answer,
        answered_by=record.answered_by,
        answered_at=record.answered_at,
    )


class DynamoAppeals:
    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def add(self, appeal: Appeal) -> None:
        record = AppealRecord(
            appeal.appeal_id,
            user_id=appeal.user_id,
            person_id=appeal.person_id,
            text=appeal.text,
            colour=appeal.colour,
            state=appeal.state,
            queue="open",
            created_at=appeal.created_at,
        )
        with translate():
            record.save(condition=AppealRecord.appeal_id.does_not_exist())

    def get(self, appeal_id: str) -> Appeal | None:
        with translate():
            try:
                record = AppealRecord.get(appeal_id)
            except DoesNotExist:
                return None
        return None if expired(record, self._clock()) else _appeal(record)

    def for_user(self, user_id: str, *, limit: int, cursor: str | None) -> Page[Appeal]:
        with translate():
            result = AppealRecord.by_user.query(
                user_id,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor, APPEAL_BY_USER, ("user_id", user_id)),
                filter_condition=live(AppealRecord, self._clock()),
            )
            return _page(result, _appeal)

    def queue(self, *, limit: int, cursor: str | None) -> Page[Appeal]:
        with translate():
            result = AppealRecord.by_queue.query(
                "open",
                scan_index_forward=True,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor, APPEAL_QUEUE, ("queue", "open")),
                filter_condition=live(AppealRecord, self._clock()),
            )
            return _page(result, _appeal)

    def answer(
        self, appeal_id: str, *, outcome: str, answer: str, reviewer: str, now: datetime
    ) -> Appeal:
        record = AppealRecord(appeal_id)
        _transition(
            record,
            [
                AppealRecord.state.set(outcome),
                AppealRecord.answer.set(answer),
                AppealRecord.answered_by.set(reviewer),
                AppealRecord.answered_at.set(now),
                AppealRecord.queue.remove(),
                AppealRecord.expires.set(now + retention.keep("appeals")),
            ],
            AppealRecord.state == "open",
            "this appeal has already been answered",
        )
        return _appeal(record)


# --- audit -------------------------------------------------------------------------------


def _event(record: AuditRecord) -> AuditEvent:
    return AuditEvent(
        subject_id=record.subject_id,
        actor=record.actor,
        actor_role=record.actor_role,
        action=record.action,
        at=record.at,
        reason=record.reason,
        before=record.before,
        after=record.after,
        event_id=record.event_key.rsplit("#", 1)[-1],
    )


class DynamoAudit:
    """Append-only: events are only ever put, with a condition that they are new, and
    expire six months after they happened (``retention.RULES["audit"]``)."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    def append(self, event: AuditEvent) -> AuditEvent:
        event_id = event.event_id or new_id("ev")
        record = AuditRecord(
            event.subject_id,
            f"{event.at.isoformat()}#{event_id}",
            actor=event.actor,
            actor_role=event.actor_role,
            action=event.action,
            reason=event.reason,
            before=event.before,
            after=event.after,
            at=event.at,
            day=local_day(event.at).isoformat(),
            expires=event.at + retention.keep("audit"),
        )
        with translate():
            record.save(condition=AuditRecord.event_key.does_not_exist())
        return _event(record)

    def by_day(self, day: date, *, limit: int, cursor: str | None) -> Page[AuditEvent]:
        with translate():
            result = AuditRecord.by_day.query(
                day.isoformat(),
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=decode_cursor(cursor, AUDIT_BY_DAY, ("day", day.isoformat())),
                filter_condition=live(AuditRecord, self._clock()),
            )
            return _page(result, _event)

    def by_subject(self, subject_id: str, *, limit: int, cursor: str | None) -> Page[AuditEvent]:
        with translate():
            result = AuditRecord.query(
                subject_id,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=decode_cursor(
                    cursor, AUDIT_BY_SUBJECT, ("subject_id", subject_id)
                ),
                filter_condition=live(AuditRecord, self._clock()),
            )
            return _page(result, _event)


# --- the facts behind a colour ----------------------------------------------------------


class DynamoFacts:
    """Reads what the colour engine needs; risk snapshots are immutable, so cached by id."""

    def __init__(self, *, clock: Clock) -> None:
        self._snapshots: dict[str, tuple[RiskArea, ...]] = {}
        self._clock = clock

    def phone_hash_of(self, user_id: str) -> str | None:
        with translate():
            try:
                return UserRecord.get(user_id, attributes_to_get=["phone_hash"]).phone_hash
            except DoesNotExist:
                return None

    def stays(self, phone_hash: str, *, since: datetime) -> list[Stay]:
        with translate():
            return [
                Stay(kind=r.kind, place=r.place, entered_at=r.entered_at, left_at=r.left_at)
                for r in StayRecord.query(
                    phone_hash, filter_condition=live(StayRecord, self._clock())
                )
                if r.left_at >= since
            ]

    def scans(self, person_id: str, *, since: datetime) -> list[VenueScan]:
        with translate():
            return [
                VenueScan(region_code=r.region_code, at=r.scanned_at)
                for r in ScanRecord.query(
                    person_id,
                    ScanRecord.scan_key >= since.isoformat(),
                    filter_condition=live(ScanRecord, self._clock()),
                )
                if r.region_code
            ]

    def tests(self, id_hash: str) -> list[TestResult]:
        with translate():
            return [
                TestResult(sampled_at=r.sampled_at, result=r.result, lab=r.lab)
                for r in TestResultRecord.query(
                    id_hash,
                    consistent_read=True,
                    filter_condition=live(TestResultRecord, self._clock()),
                )
            ]

    def partner_statuses(self, fed_hash: str) -> list[PartnerStatus]:
        with translate():
            return [
                partner_status(r)
                for r in PartnerStatusRecord.query(
                    fed_hash, filter_condition=live(PartnerStatusRecord, self._clock())
                )
            ]

    def active_risk(self) -> tuple[str | None, tuple[RiskArea, ...]]:
        with translate():
            try:
                pointer = RiskFeedRecord.get(ACTIVE_FEED)
            except DoesNotExist:
                return None, ()
            feed_id = pointer.active_feed_id
            if not feed_id:
                return None, ()
            if feed_id not in self._snapshots:
                try:
                    snapshot = RiskFeedRecord.get(feed_id)
                except DoesNotExist:
                    return None, ()
                self._snapshots[feed_id] = tuple(
                    RiskArea(
                        region_code=a["region_code"],
                        level=a["level"],
                        since=datetime.fromisoformat(a["since"]),
                        area=a.get("area", ""),
                    )
                    for a in snapshot.areas or ()
                )
        return feed_id, self._snapshots[feed_id]
