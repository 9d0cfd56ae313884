"""The composition root: builds settings, adapters and services on first use.

Nothing is built at import time. The first request (or CLI command) calls
:func:`get_container`, which reads the environment once, binds the pynamodb
models to the stage's tables, loads the keys from Secrets Manager and wires
the services. Tests install their own container with :func:`set_container`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from chalicelib.codes.gate import GateService
from chalicelib.codes.service import CodeService
from chalicelib.colours.rules import Policy
from chalicelib.colours.service import ColourService
from chalicelib.declarations.service import DeclarationService, ReviewService
from chalicelib.federation.service import FederationService
from chalicelib.identity.disputes import DisputeService
from chalicelib.identity.service import AuthService
from chalicelib.itinerary.rules import CardPolicy
from chalicelib.itinerary.service import ItineraryService
from chalicelib.kernel import retention
from chalicelib.kernel.settings import Settings
from chalicelib.labs.service import LabService, TestSiteService
from chalicelib.limits.service import RateLimiter
from chalicelib.officials.service import AppealService, AuditService, StatusService
from chalicelib.pages.service import PageSessionService
from chalicelib.people.service import PeopleService
from chalicelib.risk.regions import RegionService
from chalicelib.risk.service import RiskService
from chalicelib.venues.service import ExposureService, VaccinationService, VenueService

if TYPE_CHECKING:
    from chalicelib.kernel.secrets import AppSecrets

_lock = threading.Lock()
_container: Container | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    clock: Callable[[], datetime]
    auth: AuthService
    aws: AwsClients
    colours: ColourService
    declarations: DeclarationService
    reviews: ReviewService
    status: StatusService
    appeals: AppealService
    audit: AuditService
    codes: CodeService
    itinerary: ItineraryService
    labs: LabService
    test_sites: TestSiteService
    risk: RiskService
    regions: RegionService
    federation: FederationService
    limiter: RateLimiter
    venues: VenueService
    exposure: ExposureService
    vaccinations: VaccinationService
    people: PeopleService
    gate: GateService
    disputes: DisputeService
    pages: PageSessionService


class AwsClients:
    """boto3 clients for the stage, each created on first use and then reused."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._clients: dict[str, Any] = {}
        self._session: Any = None

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3
            from botocore.config import Config

            from chalicelib.kernel.logs import quiet_libraries

            if self._session is None:
                quiet_libraries()  # before botocore looks for credentials, which it logs
                self._session = boto3.session.Session(region_name=self._settings.aws_region)
            self._clients[service] = self._session.client(
                service,
                endpoint_url=self._settings.aws_endpoint,
                config=Config(
                    connect_timeout=2,
                    read_timeout=5,
                    retries={"max_attempts": 3, "mode": "standard"},
                ),
            )
        return self._clients[service]


def build(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> Container:
    """Wire the real adapters for ``settings``."""
    from chalicelib.kernel.logs import get_logger

    get_logger().setLevel(settings.log_level)  # the JSON logger, and the SDKs' levels, first
    from chalicelib import datamodel
    from chalicelib.colours.facts_store import DynamoFacts
    from chalicelib.colours.store import DynamoColours, DynamoScans
    from chalicelib.declarations.store import DynamoDeclarations
    from chalicelib.federation.store import (
        DynamoConversions,
        DynamoPartnerStatuses,
        DynamoTrustLists,
    )
    from chalicelib.identity.store import DynamoIdentityStore
    from chalicelib.itinerary.store import DynamoIdempotency, DynamoStays
    from chalicelib.kernel import reference_data
    from chalicelib.kernel.crypto import KmsEnvelopeCipher
    from chalicelib.kernel.secrets import SecretsCache, load_app_secrets
    from chalicelib.kernel.signing import ed25519_verify, load_signer
    from chalicelib.labs.store import DynamoTestResults, DynamoTestSites
    from chalicelib.limits.store import DynamoCounters
    from chalicelib.officials.appeals_store import DynamoAppeals
    from chalicelib.officials.audit_store import DynamoAudit
    from chalicelib.officials.marks_store import DynamoMarks
    from chalicelib.pages.store import DynamoOneTimeCodes
    from chalicelib.people.store import DynamoPeople
    from chalicelib.risk.queue import InlineRecolourQueue, S3FeedSource, SqsRecolourQueue
    from chalicelib.risk.store import (
        ActivePointer,
        DynamoAffected,
        DynamoLease,
        DynamoPolicies,
        DynamoRiskFeeds,
    )
    from chalicelib.venues.store import (
        DynamoCheckins,
        DynamoExposures,
        DynamoVaccinations,
        DynamoVenues,
    )

    datamodel.bind(
        table_prefix=settings.table_prefix, region=settings.aws_region, host=settings.aws_endpoint
    )
    aws = AwsClients(settings)
    secret_cache = SecretsCache(
        lambda: load_app_secrets(aws.client("secretsmanager"), settings.secret_id),
        ttl=timedelta(seconds=settings.secret_ttl_seconds),
        clock=clock,
    )
    secrets = secret_cache.current()
    limiter = RateLimiter(
        counters=DynamoCounters(), groups=settings.limits, hash_key=secrets.hash_key, clock=clock
    )
    auth = AuthService(
        wechat=_wechat_factory(secrets, clock, settings.wechat_api_url),
        alipay=_alipay_factory(secrets, clock, settings.alipay_gateway_url),
        store=DynamoIdentityStore(),
        cipher=KmsEnvelopeCipher(
            aws.client("kms"), settings.kms_key_id, stage=settings.stage, clock=clock
        ),
        ring=secrets.session_ring,
        hash_key=secrets.hash_key,
        audience=settings.audience,
        session_ttl=timedelta(seconds=settings.session_ttl_seconds),
        dev_login_enabled=settings.is_local,
        clock=clock,
        throttle=lambda identity: limiter.check("login", subject=identity, ip=None),
        ring_source=lambda: secret_cache.current().session_ring,
    )
    people = DynamoPeople()
    declarations, audit = DynamoDeclarations(clock=clock), DynamoAudit(clock=clock)

    def signer() -> Any:
        # Re-read with the secret (SecretsCache): a retired key stops signing within the TTL.
        return secret_cache.derived(
            "signer", lambda loaded: load_signer(loaded.document, region=settings.region_code)
        )

    signer()  # a secret without usable code keys fails the build, as before
    # The @active risk pointer, cached per container (the morning peak's hottest item
    # otherwise): readers that show risk accept settings.risk_cache_seconds of staleness,
    # stored colours read it fresh once per batch, and a switch or a recolour message
    # naming another feed invalidates it (ActivePointer).
    pointer = ActivePointer(max_age_seconds=settings.risk_cache_seconds, clock=clock)
    colours = ColourService(
        people=people,
        declarations=declarations,
        colours=DynamoColours(),
        marks=DynamoMarks(),
        facts=DynamoFacts(clock=clock, pointer=pointer),
        audit=audit,
        policy=Policy(),
        clock=clock,
    )
    itinerary = ItineraryService(
        stays=DynamoStays(retention=retention.keep("stays"), clock=clock),
        idempotency=DynamoIdempotency(),
        facts=colours.facts,
        users=auth.store.get_user,
        hash_key=secrets.hash_key,
        divisions=reference_data.divisions,
        is_country=reference_data.is_country,
        country_names=reference_data.country_names,
        policy=CardPolicy(),
        clock=clock,
    )
    risk = RiskService(
        feeds=DynamoRiskFeeds(pointer=pointer),
        affected=DynamoAffected(clock=clock),
        lease=DynamoLease(),
        queue=SqsRecolourQueue(lambda: aws.client("sqs"), settings.queue_name),
        source=S3FeedSource(lambda: aws.client("s3"), settings.feed_bucket, settings.feed_key),
        audit=audit,
        divisions=reference_data.divisions,
        window_days=Policy().window_days,
        clock=clock,
        recolour_many=colours.recolour_many,
    )
    if settings.is_local:  # chalice local runs no queue consumer: do the worker's job inline
        risk.queue = InlineRecolourQueue(risk.process)
    itinerary.recolour = risk.queue
    status = StatusService(
        people=people,
        marks=colours.marks,
        audit=audit,
        colours=colours,
        hash_key=secrets.hash_key,
        parse_id_number=reference_data.parse_id_number,
        clock=clock,
    )
    labs = LabService(
        results=DynamoTestResults(),
        idempotency=itinerary.idempotency,
        people=people,
        status=status,
        audit=audit,
        hash_key=secrets.hash_key,
        parse_id_number=reference_data.parse_id_number,
        clock=clock,
        recolour=risk.queue,
    )

    # A checkpoint's scan asks "is this district a risk area now?" of the cached pointer;
    # the risk refresh looks again at the scans of raised districts once every container's
    # cache has expired (RiskService.scan_cache_seconds).
    risk.scan_cache_seconds = settings.risk_cache_seconds
    risk.expect_feed = pointer.expect
    risky: dict[str | None, frozenset[str]] = {}

    def after_scan(person_id: str, region: str) -> None:
        feed_id, areas = colours.facts.active_risk()
        if feed_id not in risky:
            risky.clear()
            risky[feed_id] = frozenset(
                a.region_code for a in areas if a.level in ("high", "medium")
            )
        if region in risky[feed_id]:
            risk.queue.submit([person_id], reason=f"scan:{region}")

    federation = FederationService(
        trust_lists=DynamoTrustLists(),
        statuses=DynamoPartnerStatuses(),
        conversions=DynamoConversions(),
        people=people,
        idempotency=DynamoIdempotency(),
        audit=audit,
        signer=signer,
        verifier=ed25519_verify,
        root_keys=settings.national_root_keys,
        federation_key=secrets.federation_key,
        region=settings.region_code,
        lifetime_minutes=settings.code_lifetime_minutes,
        clock=clock,
        queue=lambda: risk.queue,
    )
    # Venue codes, check-ins, co-location exposure and vaccinations (issue 17).
    checkins = DynamoCheckins()
    exposure = ExposureService(
        checkins=checkins,
        exposures=DynamoExposures(),
        queue=lambda: risk.queue,
        policy=colours.policy,
        clock=clock,
    )
    colours.on_case_change = exposure.case_changed
    venues = VenueService(
        venues=DynamoVenues(),
        checkins=checkins,
        colours=colours.colours,
        recolour=colours,
        # the one ownership check; people_service is built below, before any request
        person_for=lambda user, person: people_service.person_for(user, person),
        signer=signer,
        verifier=ed25519_verify,
        divisions=reference_data.divisions,
        region=settings.region_code,
        clock=clock,
        after_checkin=after_scan,
    )
    vaccinations = VaccinationService(
        records=DynamoVaccinations(),
        idempotency=itinerary.idempotency,
        people=people,
        colours=colours.colours,
        hash_key=secrets.hash_key,
        parse_id_number=reference_data.parse_id_number,
        clock=clock,
        queue=lambda: risk.queue,
    )
    cipher = auth.cipher
    people_service, gate, disputes = _people_services(
        settings,
        clock=clock,
        people=people,
        colours=colours,
        audit=audit,
        auth=auth,
        signer=signer,
        hash_key=secrets.hash_key,
        after_scan=after_scan,
    )
    container = Container(
        settings=settings,
        clock=clock,
        auth=auth,
        aws=aws,
        colours=colours,
        declarations=DeclarationService(
            people=people,
            declarations=declarations,
            facts=colours.facts,
            audit=audit,
            colours=colours,
            cipher=cipher,
            hash_key=secrets.hash_key,
            divisions=reference_data.divisions,
            parse_id_number=reference_data.parse_id_number,
            clock=clock,
            federation_key=secrets.federation_key,
        ),
        reviews=ReviewService(
            people=people, declarations=declarations, audit=audit, colours=colours, clock=clock
        ),
        status=status,
        appeals=AppealService(
            people=people,
            appeals=DynamoAppeals(clock=clock),
            audit=audit,
            colours=colours,
            clock=clock,
        ),
        audit=AuditService(audit=audit, clock=clock),
        itinerary=itinerary,
        labs=labs,
        test_sites=TestSiteService(sites=DynamoTestSites()),
        risk=risk,
        regions=RegionService(
            divisions=reference_data.divisions,
            facts=colours.facts,
            policies=DynamoPolicies(clock=clock),
            audit=audit,
            clock=clock,
        ),
        codes=CodeService(
            colours=colours.colours,
            recolour=colours,
            signer=signer,
            verifier=ed25519_verify,
            scans=DynamoScans(),
            divisions=reference_data.divisions,
            region=settings.region_code,
            lifetime_minutes=settings.code_lifetime_minutes,
            clock=clock,
            after_scan=after_scan,
            trusted=federation.trusted_keys,
            converted=federation.converted,
        ),
        federation=federation,
        limiter=limiter,
        venues=venues,
        exposure=exposure,
        vaccinations=vaccinations,
        people=people_service,
        gate=gate,
        disputes=disputes,
        pages=PageSessionService(
            codes=DynamoOneTimeCodes(),
            ring=secrets.session_ring,
            audience=settings.audience,
            session_ttl=timedelta(seconds=settings.session_ttl_seconds),
            clock=clock,
        ),
    )
    _wire_people(container, declarations)
    return container


def _people_services(
    settings: Settings,
    *,
    clock: Callable[[], datetime],
    people: Any,
    colours: ColourService,
    audit: Any,
    auth: AuthService,
    signer: Callable[[], Any],
    hash_key: bytes,
    after_scan: Callable[[str, str], None],
) -> tuple[PeopleService, GateService, DisputeService]:
    """Dependants, printed codes, the ID-card check and identity disputes (issue 16)."""
    from chalicelib.colours.store import DynamoScans
    from chalicelib.kernel import reference_data
    from chalicelib.people.care_store import (
        DynamoCareLinks,
        DynamoCareRequests,
        DynamoDisputes,
        DynamoPrintedCodes,
    )

    people_service = PeopleService(
        people=people,
        links=DynamoCareLinks(),
        colours=colours.colours,
        audit=audit,
        clock=clock,
        care_requests=DynamoCareRequests(clock=clock),
    )
    gate = GateService(
        people=people,
        person_for=people_service.person_for,
        printed=DynamoPrintedCodes(clock=clock),
        colours=colours.colours,
        scans=DynamoScans(),
        audit=audit,
        signer=signer,
        hash_key=hash_key,
        parse_id_number=reference_data.parse_id_number,
        divisions=reference_data.divisions,
        region=settings.region_code,
        clock=clock,
        after_scan=after_scan,
        render_card=_render_card,
    )
    disputes = DisputeService(
        disputes=DynamoDisputes(clock=clock),
        people=people,
        users=auth.store,
        audit=audit,
        cipher=auth.cipher,
        clock=clock,
    )
    auth.on_vouched = disputes.settle_vouched
    auth.parse_id_number = lambda raw: reference_data.parse_id_number(raw, today=clock().date())
    return people_service, gate, disputes


def _render_card(token: str, card: Any) -> bytes:
    from chalicelib.codes.card import pdf  # qrcode loads only when a card is printed

    return pdf(token, card)


def _wire_people(container: Container, declarations: Any) -> None:
    """Point the existing services at the one ownership check, and close the loops
    between declarations, disputes, appeals and printed codes."""
    people, gate, disputes = container.people, container.gate, container.disputes
    container.codes.person_for = people.person_for
    container.codes.printed = gate.verify_printed
    gate.venue_region = container.codes._venue_region
    container.labs.person_for = people.person_for
    service = container.declarations
    service.links, service.disputes, service.self_of = people.links, disputes, people.self_of
    service.care_requests = people.care_requests
    container.appeals.disputes, container.appeals.self_of = disputes, people.self_of
    disputes.retire_declarations = declarations.retire_for_person
    disputes.file_declaration = lambda user_id, body: service.declare_for(user_id, "citizen", body)
    disputes.answer_appeals = container.appeals.answer_dispute_appeals
    disputes.revoke_printed = getattr(gate.printed, "revoke", lambda person_id: None)


def _wechat_factory(
    secrets: AppSecrets, clock: Callable[[], datetime], api_base_url: str | None = None
) -> Callable[[], Any]:
    """The WeChat gateway, built (and wechatpy imported) on the first WeChat call;
    ``api_base_url`` is a local stand-in's (local and test stages only)."""
    creds = secrets.wechat
    if creds is None:
        return lambda: None

    @cache
    def build_gateway() -> Any:
        from chalicelib.identity.wechat import DynamoTokenStorage, WeChatGateway

        return WeChatGateway(
            creds.appid,
            creds.secret,
            storage=DynamoTokenStorage(clock),
            api_base_url=api_base_url,
        )

    return build_gateway


def _alipay_factory(
    secrets: AppSecrets, clock: Callable[[], datetime], gateway_url: str | None = None
) -> Callable[[], Any]:
    """The Alipay gateway, built (and the SDK imported) on the first Alipay call;
    ``gateway_url`` is a local stand-in's (local and test stages only)."""
    creds = secrets.alipay
    if creds is None:
        return lambda: None

    @cache
    def build_gateway() -> Any:
        from chalicelib.identity.alipay import AlipayGateway

        return AlipayGateway(
            creds.appid,
            creds.app_private_key,
            creds.alipay_public_key,
            creds.aes_key,
            clock=clock,
            gateway_url=gateway_url,
        )

    return build_gateway


def get_container(env: Mapping[str, str] | None = None) -> Container:
    """The process-wide container, built once (thread-safe) on first call."""
    global _container
    if _container is None:
        with _lock:
            if _container is None:
                _container = build(Settings.from_mapping(os.environ if env is None else env))
    return _container


def set_container(container: Container | None) -> None:
    """Install a container (tests), or drop it so the next call rebuilds."""
    global _container
    _container = container
