"""Every non-trivial read of the directory: public search, the "is it official?" look-up,
open data, and what a signed-in person may see."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from rapidfuzz.distance import Levenshtein

from agora.core.models import User
from agora.core.text import fold
from agora.directory.handles import AccountReferenceError, parse_reference, similarity_key
from agora.directory.models import (
    AccountStatus,
    DirectoryRevision,
    Entity,
    EntityQuerySet,
    SocialAccount,
    SocialAccountQuerySet,
)

SORTS: dict[str, list[str]] = {
    "nombre": ["name"],
    "-nombre": ["-name"],
    "cuentas": ["-verified_count", "name"],
    "nivel": ["level", "name"],
    "departamento": ["department", "name"],
}


_revision_seen: list[float] = [0.0, -1.0]  # (number, monotonic time read) in this process
REVISION_TTL_SECONDS = 1.0


def revision_current() -> int:
    """The directory revision, re-read at most once a second per process: other processes'
    writes show within a second, this process's own writes at once (``revision_forget``)."""
    number, read_at = _revision_seen
    now = time.monotonic()
    if read_at < 0 or now - read_at > REVISION_TTL_SECONDS:
        number = (
            DirectoryRevision.objects.filter(pk=1).values_list("number", flat=True).first() or 0
        )
        _revision_seen[:] = [number, now]
    return int(number)


def revision_forget() -> None:
    _revision_seen[:] = [0.0, -1.0]


def entity_search(
    *,
    q: str = "",
    branch: str = "",
    level: str = "",
    entity_type: str = "",
    department: str = "",
    platform: str = "",
    sort: str = "",
) -> EntityQuerySet:
    """Entities matching every word of ``q`` (accents and case ignored) and the filters.

    With a query and no explicit sort, exact acronym or code matches come first.
    """
    # The long text columns are not listed anywhere a search result is shown.
    qs = Entity.objects.defer("description", "functions", "source", "search_text")
    words = fold(q).split()[:12]
    for word in words:
        qs = qs.filter(search_text__contains=word)
    if branch:
        qs = qs.filter(branch=branch)
    if level:
        qs = qs.filter(level=level)
    if entity_type:
        qs = qs.filter(entity_type=entity_type)
    if department:
        qs = qs.filter(department_code=department)
    if platform:
        qs = qs.filter(
            id__in=SocialAccount.objects.filter(
                platform=platform, status=AccountStatus.VERIFICADA
            ).values("entity_id")
        )
    if words and not sort:
        folded = " ".join(words)
        qs = qs.annotate(
            rank=Case(
                When(Q(code__iexact=folded) | Q(acronym__iexact=folded), then=Value(0)),
                When(level="nacional", then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        ).order_by("rank", "name")
    else:
        qs = qs.order_by(*SORTS.get(sort, ["name"]))
    return qs


def entity_get_public(*, code: str) -> Entity:
    verified = SocialAccount.objects.verified().order_by("platform", "handle")
    entity = (
        Entity.objects.select_related("parent")
        .prefetch_related(Prefetch("accounts", queryset=verified, to_attr="verified_accounts"))
        .filter(code=code)
        .first()
    )
    if entity is None:
        raise Http404
    return entity


def entity_children(*, entity: Entity) -> QuerySet[Entity]:
    return entity.children.order_by("name").only("code", "name", "acronym")


def entity_department_choices(revision: int | None = None) -> list[tuple[str, str]]:
    """Departments that have entities, cached per directory revision."""
    key = f"directory:departments:{revision}"
    if revision is not None and (cached := cache.get(key)) is not None:
        return cached
    rows = (
        Entity.objects.exclude(department_code="")
        .values_list("department_code", "department")
        .distinct()
        .order_by("department")
    )
    choices = list(rows)
    if revision is not None:
        cache.set(key, choices, 3600)
    return choices


# --- "¿Es oficial esta cuenta?" --------------------------------------------------------------


@dataclass
class LookupResult:
    """What the look-up says about a pasted URL or handle."""

    query: str
    outcome: str  # verificada | suspendida | retirada | pendiente | no_registrada | invalida
    account: SocialAccount | None = None
    similar: list[SocialAccount] | None = None
    platform: str | None = None


MAX_SIMILAR_DISTANCE = 2


def _verified_keys() -> list[tuple[int, str, str]]:
    """(id, platform, similarity key) of every verified account, cached per revision."""
    key = f"directory:verified-keys:{revision_current()}"
    rows = cache.get(key)
    if rows is None:
        rows = [
            (account_id, platform, similarity_key(handle_key))
            for account_id, platform, handle_key in SocialAccount.objects.verified().values_list(
                "id", "platform", "handle_key"
            )
        ]
        cache.set(key, rows, 3600)
    return rows


def _similar_verified(key: str, platform: str | None) -> list[SocialAccount]:
    """Verified accounts whose handle is a small edit away: likely impostors of them."""
    target = similarity_key(key)
    if len(target) < 4:
        return []
    hits: list[tuple[int, int]] = []
    for account_id, account_platform, candidate in _verified_keys():
        if platform and account_platform != platform:
            continue
        distance = Levenshtein.distance(target, candidate, score_cutoff=MAX_SIMILAR_DISTANCE)
        if distance <= MAX_SIMILAR_DISTANCE:
            hits.append((distance, account_id))
    hits.sort()
    ids = [account_id for _, account_id in hits[:5]]
    by_id = {a.pk: a for a in SocialAccount.objects.select_related("entity").filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def account_lookup(*, query: str) -> LookupResult:
    """Reads a URL or @handle and says whether it is a registered official account."""
    query = query.strip()
    if not query or len(query) > 500:
        return LookupResult(query=query[:500], outcome="invalida")
    try:
        ref = parse_reference(query)
    except AccountReferenceError:
        return LookupResult(query=query, outcome="invalida")
    matches = SocialAccount.objects.select_related("entity", "verified_by").filter(
        handle_key=ref.key
    )
    if ref.platform:
        matches = matches.filter(platform=ref.platform)
    order = {
        AccountStatus.VERIFICADA: 0,
        AccountStatus.SUSPENDIDA: 1,
        AccountStatus.RETIRADA: 2,
        AccountStatus.PENDIENTE: 3,
        AccountStatus.RECHAZADA: 4,
    }
    found = sorted(matches, key=lambda a: order[AccountStatus(a.status)])
    public = [a for a in found if a.status != AccountStatus.RECHAZADA]
    if public:
        account = public[0]
        outcome = account.status
        similar = None
        if account.status != AccountStatus.VERIFICADA:
            similar = _similar_verified(ref.key, ref.platform) or None
        return LookupResult(
            query=query, outcome=outcome, account=account, similar=similar, platform=ref.platform
        )
    similar = [a for a in _similar_verified(ref.key, ref.platform) if a.handle_key != ref.key]
    return LookupResult(
        query=query, outcome="no_registrada", similar=similar or None, platform=ref.platform
    )


# --- open data -------------------------------------------------------------------------------


def opendata_entities() -> EntityQuerySet:
    """Every entity with its verified accounts, for CSV, JSON and Popolo downloads."""
    verified = SocialAccount.objects.verified().order_by("platform", "handle")
    return (
        Entity.objects.select_related("parent")
        .prefetch_related(Prefetch("accounts", queryset=verified, to_attr="verified_accounts"))
        .order_by("code")
    )


def opendata_verified_accounts() -> SocialAccountQuerySet:
    return (
        SocialAccount.objects.verified()
        .select_related("entity")
        .order_by("entity__code", "platform", "handle")
    )


def popolo_organization(entity: Entity) -> dict[str, Any]:
    accounts = getattr(entity, "verified_accounts", [])
    return {
        "id": entity.code,
        "name": entity.name,
        "other_names": [{"name": entity.acronym, "note": "siglas"}] if entity.acronym else [],
        "classification": entity.entity_type,
        "parent_id": entity.parent.code if entity.parent else None,
        "area_id": entity.ubigeo or None,
        "identifiers": [{"scheme": "agora", "identifier": entity.code}]
        + ([{"scheme": "ubigeo-inei", "identifier": entity.ubigeo}] if entity.ubigeo else []),
        "contact_details": [
            {
                "type": account.platform,
                "label": account.display_handle,
                "value": account.url,
                "note": "verificada el %s" % account.verified_at.date().isoformat()
                if account.verified_at
                else "verificada",
            }
            for account in accounts
        ],
        "links": ([{"url": entity.website, "note": "sitio web"}] if entity.website else [])
        + [{"url": account.url, "note": account.platform} for account in accounts],
    }


# --- staff -----------------------------------------------------------------------------------


def entities_for_staff(*, user: User) -> EntityQuerySet:
    return Entity.objects.for_staff(user).order_by("name")


def accounts_for_staff(*, user: User) -> SocialAccountQuerySet:
    return SocialAccount.objects.for_staff(user).select_related("entity", "verified_by")


def account_get_for_staff(*, user: User, account_id: int) -> SocialAccount:
    account = accounts_for_staff(user=user).filter(pk=account_id).first()
    if account is None:
        raise Http404
    return account


def entity_get_for_staff(*, user: User, code: str) -> Entity:
    entity = Entity.objects.for_staff(user).filter(code=code).first()
    if entity is None:
        raise Http404
    return entity


def accounts_pending_verification() -> SocialAccountQuerySet:
    return (
        SocialAccount.objects.filter(status=AccountStatus.PENDIENTE)
        .select_related("entity", "proposed_by")
        .order_by("created_at")
    )


def lookup_message(result: LookupResult) -> str:
    """The one-sentence answer shown on the page and returned by the API."""
    account = result.account
    if result.outcome == "invalida":
        return _(
            "No reconocemos ese texto como la dirección o el nombre de usuario de una cuenta. "
            "Pegue, por ejemplo, https://www.facebook.com/minsaperu o @Minsa_Peru."
        )
    if account is None:
        message = _(
            "Esta cuenta no está registrada como oficial de ninguna entidad pública. "
            "No la trate como oficial."
        )
        if result.similar:
            message += " " + _(
                "Atención: se parece a la cuenta oficial %(account)s de %(entity)s; "
                "podría ser una suplantación."
            ) % {"account": result.similar[0], "entity": result.similar[0].entity.name}
        return message
    values = {"account": account, "entity": account.entity.name}
    if result.outcome == AccountStatus.VERIFICADA:
        since = account.verified_at
        values["since"] = date_format(localtime(since), "j \\d\\e F \\d\\e Y") if since else "—"
        return (
            _("Sí. %(account)s es una cuenta oficial verificada de %(entity)s desde el %(since)s.")
            % values
        )
    if result.outcome == AccountStatus.SUSPENDIDA:
        return (
            _(
                "%(account)s estaba registrada como cuenta de %(entity)s, pero su verificación "
                "está suspendida. No la trate como oficial por ahora."
            )
            % values
        )
    if result.outcome == AccountStatus.RETIRADA:
        return (
            _(
                "%(account)s fue una cuenta de %(entity)s y ya no está en uso. No la trate como "
                "oficial."
            )
            % values
        )
    return (
        _(
            "%(account)s fue propuesta como cuenta de %(entity)s y aún no ha sido verificada. "
            "No la trate como oficial todavía."
        )
        % values
    )
