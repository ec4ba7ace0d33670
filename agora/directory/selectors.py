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
from django.utils.translation import gettext_lazy as _lazy

from agora.core.models import User
from agora.core.text import fold
from agora.directory import lookalike, roles
from agora.directory.handles import (
    AccountReferenceError,
    LinkKind,
    Reference,
    UnresolvableLinkError,
    parse_reference,
)
from agora.directory.models import (
    AccountStatus,
    DirectoryRevision,
    Entity,
    EntityQuerySet,
    FakeAccountReport,
    FakeReportStatus,
    Platform,
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
    # verificada | suspendida | retirada | pendiente | no_registrada | falsa | enlace | invalida
    outcome: str
    account: SocialAccount | None = None
    similar: list[SocialAccount] | None = None
    platform: str | None = None
    # The entity a look-alike imitates, when one alone matches best; several: ``ambiguous``.
    impersonated: Entity | None = None
    ambiguous: bool = False
    # A report that confirmed this account as fake (outcome "falsa").
    fake_report: FakeAccountReport | None = None
    # For "enlace": what kind of link it is (handles.LinkKind).
    link_kind: str = ""
    # What a report of this account should be prefilled with.
    report_url: str = ""


def _lookalike_targets() -> list[lookalike.Target]:
    """The official names to protect (every verified account's handle, and the acronym of
    each entity that has one), cached per directory revision."""
    key = f"directory:lookalike-targets:{revision_current()}"
    targets = cache.get(key)
    if targets is None:
        rows = list(
            SocialAccount.objects.verified().values_list(
                "id", "entity_id", "handle", "entity__acronym"
            )
        )
        found = [lookalike.target_for(entity_id, pk, handle) for pk, entity_id, handle, _a in rows]
        acronyms = {entity_id: acronym for _pk, entity_id, _h, acronym in rows if acronym}
        found += [lookalike.target_for(e, None, acronym) for e, acronym in acronyms.items()]
        targets = [t for t in found if t is not None]
        cache.set(key, targets, 3600)
    return targets


def _lookalike(
    handle: str, platform: str | None, *, exclude_key: str = ""
) -> tuple[Entity | None, bool, list[SocialAccount]]:
    """(the entity imitated or None, ambiguous?, the official accounts to show)."""
    match = lookalike.best_match(handle, _lookalike_targets())
    if match is None:
        return None, False, []
    accounts = list(
        SocialAccount.objects.verified()
        .select_related("entity")
        .filter(entity_id__in=match.entity_ids)
        .exclude(handle_key=exclude_key)
    )
    rank = {pk: i for i, pk in enumerate(match.account_ids)}

    def order(account: SocialAccount) -> tuple[int, int, str]:
        # Same platform first, then the closest handle.
        return (
            0 if account.platform == platform else 1,
            rank.get(account.pk, len(rank)),
            account.platform,
        )

    accounts.sort(key=order)
    if len(match.entity_ids) == 1:
        if not accounts:
            return None, False, []
        return accounts[0].entity, False, accounts[:6]
    firsts: dict[int, SocialAccount] = {}
    for account in accounts:
        firsts.setdefault(account.entity_id, account)
    return None, True, list(firsts.values())[:5]


def lookalike_entities(handles: list[str]) -> dict[str, list[Entity]]:
    """For each handle, the entities whose official accounts it resembles most (one query)."""
    targets = _lookalike_targets()
    found: dict[str, list[int]] = {}
    for handle in set(filter(None, handles)):
        match = lookalike.best_match(handle, targets)
        if match is not None:
            found[handle] = match.entity_ids
    ids = {pk for entity_ids in found.values() for pk in entity_ids}
    entities = Entity.objects.only("code", "name").in_bulk(ids)
    return {h: [entities[pk] for pk in pks if pk in entities] for h, pks in found.items()}


def _confirmed_fake(ref: Reference) -> FakeAccountReport | None:
    if not ref.key:
        return None
    reports = FakeAccountReport.objects.filter(
        handle_key=ref.key, status=FakeReportStatus.CONFIRMADA
    )
    if ref.platform:
        reports = reports.filter(Q(platform=ref.platform) | Q(platform=""))
    return reports.select_related("entity").order_by("-decided_at").first()


def _matches(ref: Reference) -> SocialAccountQuerySet:
    """Accounts registered under this handle, or under this numeric id (a Facebook page's
    profile.php?id=… or a YouTube channel id)."""
    condition = Q(handle_key=ref.key)
    if ref.platform in (Platform.FACEBOOK, Platform.YOUTUBE) and (
        ref.key.isdigit() or ref.key.startswith("uc")
    ):
        condition |= Q(platform_id=ref.handle)
    matches = SocialAccount.objects.select_related("entity", "verified_by").filter(condition)
    if ref.platform:
        matches = matches.filter(platform=ref.platform)
    return matches


def account_lookup(*, query: str) -> LookupResult:
    """Reads a URL or @handle and says whether it is a registered official account, a
    confirmed fake, or a look-alike of an entity's official accounts."""
    query = query.strip()
    if not query or len(query) > 500:
        return LookupResult(query=query[:500], outcome="invalida")
    try:
        ref = parse_reference(query)
    except UnresolvableLinkError as exc:
        return LookupResult(
            query=query,
            outcome="enlace",
            platform=exc.platform,
            link_kind=exc.kind,
            report_url=query,
        )
    except AccountReferenceError:
        return LookupResult(query=query, outcome="invalida")
    order = {
        AccountStatus.VERIFICADA: 0,
        AccountStatus.SUSPENDIDA: 1,
        AccountStatus.RETIRADA: 2,
        AccountStatus.PENDIENTE: 3,
        AccountStatus.RECHAZADA: 4,
    }
    found = sorted(_matches(ref), key=lambda a: order[AccountStatus(a.status)])
    public = [a for a in found if a.status != AccountStatus.RECHAZADA]
    if public and public[0].status == AccountStatus.VERIFICADA:
        return LookupResult(
            query=query, outcome=AccountStatus.VERIFICADA, account=public[0], platform=ref.platform
        )
    impersonated, ambiguous, similar = _lookalike(
        ref.name or ref.handle, ref.platform, exclude_key=ref.key
    )
    fake = _confirmed_fake(ref)
    result = LookupResult(
        query=query,
        outcome="no_registrada",
        similar=similar or None,
        platform=ref.platform,
        impersonated=impersonated,
        ambiguous=ambiguous,
        report_url=ref.url or query,
    )
    if public:
        result.account = public[0]
        result.outcome = public[0].status
    elif fake is not None:
        result.outcome = "falsa"
        result.fake_report = fake
        if fake.entity is not None and result.impersonated is None:
            result.impersonated = fake.entity
            result.similar = (
                list(
                    SocialAccount.objects.verified()
                    .select_related("entity")
                    .filter(entity=fake.entity)
                )[:6]
                or None
            )
    return result


def lookup_examples() -> list[str]:
    """What the look-up page offers as examples: a URL and an @handle of accounts that are
    verified now (MINSA's when it has them), so an example never answers "not official".
    Empty when nothing is verified yet."""
    key = f"directory:lookup-examples:{revision_current()}"
    examples = cache.get(key)
    if examples is None:
        verified = SocialAccount.objects.verified().select_related("entity")
        accounts = list(verified.filter(entity__code="minsa").order_by("platform", "handle"))
        if not accounts:
            accounts = list(
                verified.filter(entity__level="nacional").order_by("entity__code", "platform")[:20]
            )
        url = next((a for a in accounts if a.platform == Platform.FACEBOOK and a.url), None)
        url = url or next((a for a in accounts if a.url and a.platform != Platform.OTHER), None)
        handle = next((a for a in accounts if a.platform == Platform.X), None)
        handle = handle or next(
            (a for a in accounts if a != url and a.platform != Platform.OTHER), None
        )
        examples = []
        if url is not None:
            examples.append(url.url)
        if handle is not None and handle != url:
            # A bare handle must name one account only, or the example would be ambiguous.
            if SocialAccount.objects.filter(handle_key=handle.handle_key).count() == 1:
                examples.append(handle.display_handle)
            elif handle.url:
                examples.append(handle.url)
        cache.set(key, examples, 3600)
    return list(examples)


def lookup_examples_text(examples: list[str] | None = None) -> str:
    examples = lookup_examples() if examples is None else examples
    if not examples:
        return _(
            "Por ejemplo: https://www.facebook.com/nombredelapagina o @nombredeusuario "
            "(también enlaces de Instagram, X, YouTube y TikTok)."
        )
    return _("Por ejemplo: %(examples)s") % {"examples": _(" o ").join(examples)}


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
    entity = roles.entity_by_code(code, staff=user)
    if entity is None:
        raise Http404
    return entity


def accounts_pending_verification() -> SocialAccountQuerySet:
    return (
        SocialAccount.objects.filter(status=AccountStatus.PENDIENTE)
        .select_related("entity", "proposed_by")
        .order_by("created_at")
    )


def _day(value: Any) -> str:
    return date_format(localtime(value), "j \\d\\e F \\d\\e Y") if value else "—"


LINK_HELP = {
    LinkKind.SHARE: _lazy(
        "Es un enlace para compartir: no dice de qué cuenta es hasta abrirlo, así que no "
        "podemos comprobarlo sin conexión. Ábralo, toque el nombre de la página o del perfil que "
        "publicó y copie la dirección que aparece entonces en el navegador (por ejemplo, "
        "https://www.facebook.com/nombredelapagina); luego péguela aquí."
    ),
    LinkKind.POST: _lazy(
        "Es el enlace de una publicación o de un video, no el de una cuenta: la dirección no "
        "dice quién lo publicó. Ábralo, toque el nombre de la cuenta que lo publicó y copie la "
        "dirección de su perfil; luego péguela aquí."
    ),
    LinkKind.SHORT: _lazy(
        "Es un enlace acortado: no dice a qué cuenta lleva hasta abrirlo. Ábralo, toque el "
        "nombre de la cuenta y copie la dirección de su perfil; luego péguela aquí."
    ),
}


def lookup_message(result: LookupResult) -> str:
    """The one-sentence answer shown on the page and returned by the API."""
    account = result.account
    if result.outcome == "invalida":
        return _(
            "No reconocemos ese texto como la dirección o el nombre de usuario de una cuenta. "
            "Pegue la dirección del perfil o el nombre de usuario con @. %(examples)s"
        ) % {"examples": lookup_examples_text()}
    if result.outcome == "enlace":
        return str(LINK_HELP.get(result.link_kind, LINK_HELP[LinkKind.POST]))
    if result.outcome == "falsa" and result.fake_report is not None:
        report = result.fake_report
        message = _(
            "Esta cuenta fue reportada y confirmada como falsa el %(date)s. No es oficial: "
            "no la siga ni le dé sus datos."
        ) % {"date": _day(report.decided_at)}
        if result.impersonated is not None:
            message += " " + _("Suplanta a %(entity)s.") % {"entity": result.impersonated.name}
        return message
    if account is None:
        message = _(
            "Esta cuenta no está registrada como oficial de ninguna entidad pública. "
            "No la trate como oficial."
        )
        if result.similar and result.impersonated is not None:
            message += " " + _(
                "Atención: se parece a la cuenta oficial %(account)s de %(entity)s; "
                "podría ser una suplantación."
            ) % {"account": result.similar[0], "entity": result.impersonated.name}
            if result.platform and all(a.platform != result.platform for a in result.similar):
                message += " " + _(
                    "%(entity)s no tiene una cuenta oficial registrada en %(platform)s."
                ) % {
                    "entity": result.impersonated.name,
                    "platform": Platform(result.platform).label,
                }
        elif result.similar:
            message += " " + _(
                "Atención: se parece a cuentas oficiales de varias entidades (%(entities)s); "
                "podría ser una suplantación de alguna de ellas."
            ) % {"entities": ", ".join(a.entity.name for a in result.similar)}
        return message
    values = {"account": account, "entity": account.entity.name}
    if result.outcome == AccountStatus.VERIFICADA:
        values["since"] = _day(account.verified_at)
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
