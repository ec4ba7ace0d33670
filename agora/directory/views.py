"""Directory pages: public search, entity pages, the official-account look-up, open data,
and the staff pages for proposing and verifying accounts."""

from __future__ import annotations

import csv
import hashlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agora.core.errors import DomainError
from agora.core.fields import MAX_ID
from agora.core.permissions import user_is_entity_staff
from agora.directory import fake_reports, permissions, roles, selectors, services, visits
from agora.directory.forms import (
    AccountDecisionForm,
    AccountImportForm,
    AccountProposeForm,
    DirectorySearchForm,
    LookupForm,
)
from agora.directory.models import Entity

PAGE_SIZE = 25
VISITS_PLACEHOLDER = "[[visitas-del-directorio]]"


def _lookup_form(data: Any = None) -> LookupForm:
    """The look-up form, its examples taken from accounts verified now."""
    form = LookupForm(data)
    form.fields["q"].help_text = selectors.lookup_examples_text()
    return form


def home(request: HttpRequest) -> HttpResponse:
    examples = selectors.lookup_examples()
    return render(
        request,
        "directory/home.html",
        {"lookup_form": _lookup_form(), "lookup_placeholder": examples[-1] if examples else ""},
    )


def directory_index(request: HttpRequest) -> HttpResponse:
    """The search page. The form and results are a template fragment cached per query and
    directory revision (every write bumps it), so repeated searches cost no rendering; the
    form, the query and the page are built lazily and only run when the fragment is stale."""
    revision = selectors.revision_current()

    def build() -> dict[str, Any]:
        form = DirectorySearchForm(
            request.GET or None, departments=selectors.entity_department_choices(revision)
        )
        if form.is_bound:
            form.is_valid()
        filters = form.filters()
        paginator = Paginator(selectors.entity_search(**filters), PAGE_SIZE)
        query = request.GET.copy()
        query.pop("pagina", None)
        return {
            "form": form,
            "page": paginator.get_page(request.GET.get("pagina")),
            "query_string": query.urlencode(),
            "filtered": any(filters.values()),
        }

    visits.visit_record(request, visits.DIRECTORY_KEY)
    params = sorted(request.GET.lists())
    cache_key = f"{revision}:{hashlib.sha256(repr(params).encode()).hexdigest()}"
    count = visits.visits_total(visits.DIRECTORY_KEY)
    # Anonymous visitors without pending messages all see the same page: it is kept whole,
    # with a placeholder for the visit counter, so a repeated search renders nothing at all.
    anonymous = not (
        request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.COOKIES.get("messages")
    )
    page_key = f"directory:page:{cache_key}"
    if anonymous and (html := cache.get(page_key)) is not None:
        return HttpResponse(html.replace(VISITS_PLACEHOLDER, intcomma(count)))
    response = render(
        request,
        "directory/index.html",
        {
            "results": SimpleLazyObject(build),
            "cache_key": cache_key,
            "visits": VISITS_PLACEHOLDER if anonymous else count,
        },
    )
    if anonymous:
        html = response.content.decode()
        cache.set(page_key, html, 600)
        response.content = html.replace(VISITS_PLACEHOLDER, intcomma(count)).encode()
    return response


def entity_detail(request: HttpRequest, code: str) -> HttpResponse:
    entity = selectors.entity_get_public(code=code)
    key = visits.entity_key(entity.code)
    visits.visit_record(request, key)
    return render(
        request,
        "directory/entity.html",
        {
            "entity": entity,
            "children": selectors.entity_children(entity=entity)[:200],
            "visits": visits.visits_total(key),
        },
    )


def account_lookup(request: HttpRequest) -> HttpResponse:
    form = _lookup_form(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        result = selectors.account_lookup(query=form.cleaned_data["q"])
    message = selectors.lookup_message(result) if result else ""
    return render(
        request, "directory/lookup.html", {"form": form, "result": result, "message": message}
    )


# --- open data -------------------------------------------------------------------------------

CSV_COLUMNS = [
    "entity_code",
    "entity_name",
    "entity_acronym",
    "branch",
    "level",
    "entity_type",
    "department",
    "ubigeo",
    "platform",
    "handle",
    "url",
    "verified_at",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def opendata_index(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/opendata.html")


def opendata_csv(request: HttpRequest) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def rows() -> Any:
        yield "\ufeff" + writer.writerow(CSV_COLUMNS)
        for account in selectors.opendata_verified_accounts().iterator(chunk_size=2000):
            entity = account.entity
            yield writer.writerow(
                [
                    entity.code,
                    entity.name,
                    entity.acronym,
                    entity.branch,
                    entity.level,
                    entity.entity_type,
                    entity.department,
                    entity.ubigeo,
                    account.platform,
                    account.display_handle,
                    account.url,
                    account.verified_at.isoformat() if account.verified_at else "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="directorio-cuentas-oficiales.csv"'
    return response


def _entity_json(entity: Any) -> dict[str, Any]:
    return {
        "code": entity.code,
        "name": entity.name,
        "acronym": entity.acronym,
        "branch": entity.branch,
        "level": entity.level,
        "entity_type": entity.entity_type,
        "parent": entity.parent.code if entity.parent else None,
        "department": entity.department,
        "ubigeo": entity.ubigeo,
        "website": entity.website,
        "accounts": [
            {
                "platform": account.platform,
                "handle": account.display_handle,
                "url": account.url,
                "platform_id": account.platform_id,
                "verified_at": account.verified_at.isoformat() if account.verified_at else None,
            }
            for account in entity.verified_accounts
        ],
    }


def opendata_json(request: HttpRequest) -> JsonResponse:
    entities = [_entity_json(e) for e in selectors.opendata_entities()]
    return JsonResponse(
        {"generated_at": timezone.now().isoformat(), "count": len(entities), "entities": entities},
        json_dumps_params={"ensure_ascii": False},
    )


def opendata_popolo(request: HttpRequest) -> JsonResponse:
    organizations = [selectors.popolo_organization(e) for e in selectors.opendata_entities()]
    return JsonResponse({"organizations": organizations}, json_dumps_params={"ensure_ascii": False})


def opendata_catalog(request: HttpRequest) -> JsonResponse:
    """A DCAT-style catalogue (Project Open Data v1.1 field names) of the downloads."""
    base = request.build_absolute_uri("/").rstrip("/")
    modified = timezone.localdate().isoformat()
    distributions = [
        ("text/csv", "opendata_csv", _("Cuentas oficiales verificadas (CSV)")),
        ("application/json", "opendata_json", _("Entidades y cuentas verificadas (JSON)")),
        ("application/json", "opendata_popolo", _("Entidades en formato Popolo (JSON)")),
    ]
    catalog = {
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
        "dataset": [
            {
                "@type": "dcat:Dataset",
                "identifier": f"{base}/datos/directorio",
                "title": _("Directorio de cuentas oficiales del Estado peruano en redes sociales"),
                "description": _(
                    "Entidades públicas del Perú (gobierno nacional, gobiernos regionales y "
                    "municipalidades, según los códigos de ubigeo del INEI) y sus cuentas "
                    "oficiales verificadas en redes sociales."
                ),
                "keyword": ["gobierno abierto", "redes sociales", "entidades públicas", "Perú"],
                "modified": modified,
                "publisher": {
                    "@type": "org:Organization",
                    "name": _("Presidencia del Consejo de Ministros"),
                },
                "contactPoint": {
                    "@type": "vcard:Contact",
                    "fn": _("Secretaría de Gobierno y Transformación Digital"),
                    "hasEmail": "mailto:gobiernoabierto@pcm.gob.pe",
                },
                "accessLevel": "public",
                "license": "https://creativecommons.org/licenses/by/4.0/",
                "spatial": "Perú",
                "language": ["es-PE"],
                "distribution": [
                    {
                        "@type": "dcat:Distribution",
                        "title": title,
                        "mediaType": media_type,
                        "downloadURL": base + reverse(f"directory:{name}"),
                    }
                    for media_type, name, title in distributions
                ],
            }
        ],
    }
    return JsonResponse(catalog, json_dumps_params={"ensure_ascii": False})


# --- staff -----------------------------------------------------------------------------------


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """ "Mi trabajo": by role. Its inbox part is the inbox's ``{% staff_work %}`` tag (the
    directory does not import the inbox); a citizen gets "Mi cuenta", with no staff links."""
    user = request.user
    entities = selectors.entities_for_staff(user=user)  # type: ignore[arg-type]
    is_rector = permissions.is_rector_staff(user)
    return render(
        request,
        "directory/staff_home.html",
        {
            "entities": entities[:50] if not is_rector else [],
            "is_rector": is_rector,
            "is_staff": user_is_entity_staff(user),
            "pending_count": selectors.accounts_pending_verification().count() if is_rector else 0,
            "fake_count": fake_reports.fake_reports_open_count() if is_rector else 0,
        },
    )


def _proposable_entities(user: Any) -> list[tuple[str, str]]:
    qs: QuerySet[Entity]
    if permissions.is_rector_staff(user):
        qs = selectors.entities_for_staff(user=user).filter(level="nacional")
    else:
        qs = roles.managed_by(user)
    return [(e.code, e.name) for e in qs]


@login_required
@require_http_methods(["GET", "POST"])
def account_propose(request: HttpRequest) -> HttpResponse:
    entity_choices = _proposable_entities(request.user)
    code = request.GET.get("entidad", "")
    if code and code not in dict(entity_choices) and permissions.is_rector_staff(request.user):
        # A rector officer may propose for any entity; add it to the choices.
        entity = selectors.entity_get_for_staff(user=request.user, code=code)  # type: ignore[arg-type]
        entity_choices.insert(0, (entity.code, entity.name))
    if not entity_choices:
        raise PermissionDenied
    form = AccountProposeForm(
        request.POST or None, entities=entity_choices, initial={"entity": code}
    )
    if request.method == "POST" and form.is_valid():
        entity = selectors.entity_get_for_staff(
            user=request.user,  # type: ignore[arg-type]
            code=form.cleaned_data["entity"],
        )
        try:
            account = services.account_propose(
                actor=request.user,  # type: ignore[arg-type]
                entity=entity,
                platform=form.cleaned_data["platform"],
                handle=form.cleaned_data["handle"],
                url=form.cleaned_data["url"],
                platform_id=form.cleaned_data["platform_id"],
                evidence=form.cleaned_data["evidence"],
            )
        except DomainError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Cuenta %(account)s registrada; queda pendiente de verificación.")
                % {"account": str(account)},
            )
            return redirect("directory:staff_home")
    return render(request, "directory/account_propose.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def verification_queue(request: HttpRequest) -> HttpResponse:
    if not permissions.may_verify_accounts(request.user):
        raise PermissionDenied
    form = AccountDecisionForm(request.POST or None)
    if request.method == "POST":
        try:
            account_id = int(request.POST.get("account", ""))
        except ValueError as exc:
            raise Http404 from exc
        if not 0 < account_id <= MAX_ID:
            raise Http404
        account = selectors.account_get_for_staff(
            user=request.user,  # type: ignore[arg-type]
            account_id=account_id,
        )
        if form.is_valid():
            decision = form.cleaned_data["decision"]
            reason = form.cleaned_data["reason"]
            try:
                if decision == "verificar":
                    services.account_verify(actor=request.user, account=account, evidence=reason)  # type: ignore[arg-type]
                elif decision == "rechazar":
                    services.account_reject(actor=request.user, account=account, reason=reason)  # type: ignore[arg-type]
                elif decision == "suspender":
                    services.account_suspend(actor=request.user, account=account, reason=reason)  # type: ignore[arg-type]
                else:
                    services.account_retire(actor=request.user, account=account, reason=reason)  # type: ignore[arg-type]
            except DomainError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request, _("Decisión registrada para %(account)s.") % {"account": account}
                )
            return redirect("directory:verification_queue")
    pending = selectors.accounts_pending_verification()[:100]
    return render(
        request,
        "directory/verification_queue.html",
        {"pending": pending, "decisions": AccountDecisionForm.DECISIONS, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_import(request: HttpRequest) -> HttpResponse:
    """The same import as ``agora import_accounts``, for rector staff (also linked from admin)."""
    if not permissions.may_verify_accounts(request.user):
        raise PermissionDenied
    form = AccountImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.accounts_import(
                actor=request.user,  # type: ignore[arg-type]
                data=upload.read(services.IMPORT_MAX_BYTES + 1),
                dry_run=not form.cleaned_data["confirm"],
                source=upload.name,
            )
        except DomainError as exc:
            form.add_error("file", exc)
    return render(
        request,
        "directory/account_import.html",
        {"form": form, "report": report, "columns": ",".join(services.IMPORT_COLUMNS)},
    )
