"""Pages of the language module: the public help page (taxonomy, moderation, model in use),
staff watch-lists with their matches over time, and the allies of an entity."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from agora.core.errors import DomainError
from agora.core.models import User
from agora.core.permissions import staff_required
from agora.directory import roles
from agora.language import allies as allies_module
from agora.language import views_labelling, watchlists
from agora.language.forms import AlliesFilterForm, MatchFilterForm, WatchListForm
from agora.language.models import ModelVersion, WatchList
from agora.language.taxonomy import Definition, taxonomy_definitions

EXAMPLES_PER_ENTRY = 3
EXAMPLE_MAX_CHARS = 160


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# --- help ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HelpEntry:
    value: str
    label: str
    definition: str
    examples: list[str]


@functools.cache
def _corpus_examples() -> dict[str, tuple[str, ...]]:
    """A few labelled messages of the project's corpus per kind (without flags) and per flag,
    spread over the corpus, personal data masked. Read once per process."""
    from agora.language import model as classifier
    from agora.language.rules import mask_personal_data

    try:
        examples = [e for path in classifier.corpus_paths() for e in classifier.read_corpus(path)]
    except (OSError, ValueError):
        return {}
    short = sorted((e for e in examples if len(e.text) <= EXAMPLE_MAX_CHARS), key=lambda e: e.id)
    groups: dict[str, list[str]] = {}
    for e in short:
        if not e.flags:
            groups.setdefault(e.kind, []).append(e.text)
        for flag in e.flags:
            groups.setdefault(flag, []).append(e.text)
    picked: dict[str, tuple[str, ...]] = {}
    for label, texts in groups.items():
        step = max(len(texts) // EXAMPLES_PER_ENTRY, 1)
        chosen = texts[::step][:EXAMPLES_PER_ENTRY]
        picked[label] = tuple(mask_personal_data(text) for text in chosen)
    return picked


def _entries(definitions: list[Definition]) -> list[HelpEntry]:
    """Definitions from taxonomy.py; examples from the labelled corpus."""
    examples = _corpus_examples()
    return [
        HelpEntry(d.value, d.label, d.definition, list(examples.get(d.value, ())))
        for d in definitions
    ]


def _figures(version: ModelVersion | None) -> list[dict[str, Any]]:
    """Precision, recall and F1 per kind and flag on the held-out part of the corpus."""
    if version is None:
        return []
    held_out = (version.metrics or {}).get("reservado") or {}
    rows: list[dict[str, Any]] = []
    labels = {d.value: d.label for group in taxonomy_definitions().values() for d in group}
    for group, title in (("kinds", _("Tipo")), ("flags", _("Alerta"))):
        for value, figures in (held_out.get(group) or {}).items():
            if isinstance(figures, dict):
                rows.append(
                    {
                        "group": title,
                        "label": labels.get(value, value),
                        "precision": figures.get("precision"),
                        "recall": figures.get("recall"),
                        "f1": figures.get("f1"),
                    }
                )
    return rows


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    definitions = taxonomy_definitions()
    version = ModelVersion.objects.filter(is_current=True).first()
    held_out = ((version.metrics or {}).get("reservado") or {}) if version else {}
    return render(
        request,
        "language/help.html",
        {
            "kinds": _entries(definitions["kinds"]),
            "flags": _entries(definitions["flags"]),
            "version": version,
            "figures": _figures(version),
            "macro_f1": held_out.get("macro_f1"),
            "held_out_size": held_out.get("size"),
            **views_labelling.help_model_context(version),
        },
    )


# --- watch-lists -----------------------------------------------------------------------------


@staff_required
@require_GET
def watchlist_index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    lists = list(watchlists.watchlists_for_staff(user=user).order_by("entity__name", "name"))
    counts = watchlists.watchlist_match_counts(lists, user=user)
    edits_global, edits_entities = watchlists.watchlist_editable(user=user)
    rows = [
        {
            "list": w,
            "matches": counts.get(w.pk, 0),
            "can_edit": edits_global if w.entity_id is None else w.entity_id in edits_entities,
            "queries": w.queries.splitlines(),
        }
        for w in lists
    ]
    return render(
        request,
        "language/watchlist_index.html",
        {
            "rows": rows,
            "can_create": bool(watchlists.watchlist_owner_choices(user=user)),
            "can_see_allies": bool(allies_module.allies_entities(user=user)),
        },
    )


def _form_error(form: WatchListForm, exc: DomainError) -> None:
    field = "queries" if isinstance(exc, watchlists.QueryError) else None
    for message in exc.messages:
        form.add_error(field, message)


@login_required
@require_http_methods(["GET", "POST"])
def watchlist_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    choices = watchlists.watchlist_owner_choices(user=user)
    if not choices:
        raise PermissionDenied(
            _("Solo el ente rector y los responsables de comunicaciones crean listas.")
        )
    form = WatchListForm(request.POST or None, owner_choices=choices)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data.get("owner") or ""
        entity = roles.entity_by_code(code)
        try:
            created = watchlists.watchlist_create(
                actor=user,
                entity=entity,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                queries=form.cleaned_data["queries"],
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Lista «%(name)s» creada.") % {"name": created.name})
            return redirect("language:watchlists")
    return render(request, "language/watchlist_form.html", {"form": form, "watch_list": None})


def _get_list(request: HttpRequest, pk: int) -> WatchList:
    try:
        return watchlists.watchlist_get_for_staff(user=_user(request), pk=pk)
    except WatchList.DoesNotExist as exc:
        raise Http404(_("Lista de vigilancia no encontrada.")) from exc


@login_required
@require_http_methods(["GET", "POST"])
def watchlist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    watch_list = _get_list(request, pk)
    if not watchlists.watchlist_can_edit(user=user, entity=watch_list.entity):
        raise PermissionDenied(_("No puede modificar esta lista de vigilancia."))
    initial = {
        "name": watch_list.name,
        "description": watch_list.description,
        "queries": watch_list.queries,
        "is_active": watch_list.is_active,
    }
    form = WatchListForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            watchlists.watchlist_update(
                actor=user,
                watch_list=watch_list,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                queries=form.cleaned_data["queries"],
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Lista «%(name)s» guardada.") % {"name": watch_list.name})
            return redirect("language:watchlists")
    return render(request, "language/watchlist_form.html", {"form": form, "watch_list": watch_list})


CHART_HEIGHT = 120
CHART_BAR = 12


def _chart(days: list[watchlists.DayCount]) -> dict[str, Any]:
    """Bar geometry for the server-rendered SVG (no script, no inline style)."""
    peak = max((d.count for d in days), default=0)
    bars = []
    for index, day in enumerate(days):
        height = round(CHART_HEIGHT * day.count / peak) if peak else 0
        bars.append(
            {
                "day": day.day,
                "count": day.count,
                "x": index * CHART_BAR,
                "y": CHART_HEIGHT - height,
                "height": height,
            }
        )
    return {
        "bars": bars,
        "peak": peak,
        "width": max(len(days) * CHART_BAR, CHART_BAR),
        "height": CHART_HEIGHT,
        "bar_width": CHART_BAR - 2,
        "total": sum(d.count for d in days),
    }


@staff_required
@require_GET
def watch_matches(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    lists = watchlists.watchlists_for_staff(user=user).order_by("name")
    form = MatchFilterForm(request.GET or None, lists=lists)
    start, end = form.period()
    chosen = form.cleaned_data.get("lista") if form.is_bound and form.is_valid() else None
    qs = watchlists.watch_matches_for_staff(user=user, watch_list=chosen, start=start, end=end)
    days = watchlists.watch_matches_per_day(qs, start=start, end=end)
    return render(
        request,
        "language/watch_matches.html",
        {
            "form": form,
            "chosen": chosen,
            "start": start,
            "end": end,
            "days": days,
            "chart": _chart(days),
            "latest": watchlists.watch_matches_latest(qs),
        },
    )


# --- allies ----------------------------------------------------------------------------------


@login_required
@require_GET
def allies(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    entities = allies_module.allies_entities(user=user)
    if not entities:
        raise PermissionDenied(str(allies_module.DENIED))
    data = request.GET.copy()
    if not data.get("entidad"):
        data["entidad"] = entities[0].code
    form = AlliesFilterForm(data, entities=[(e.code, e.name) for e in entities])
    start, end = form.period()
    entity = None
    rows: list[allies_module.Ally] = []
    if form.is_valid():
        entity = next(e for e in entities if e.code == form.cleaned_data["entidad"])
        rows = allies_module.allies_for(user=user, entity=entity, start=start, end=end)
    return render(
        request,
        "language/allies.html",
        {"form": form, "entity": entity, "allies": rows, "start": start, "end": end},
    )
