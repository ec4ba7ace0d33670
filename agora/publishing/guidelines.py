"""The guideline check of a planned post (seed 003): what it finds is shown, it never blocks.

Run when the author saves or sends a post for review, and on demand ("Revisar lineamientos").
Each finding carries the guideline's number (seed 003's numbering), a Spanish explanation and
the words that triggered it. Detection is deliberately simple and readable:

* **15 · primera persona plural**: a text of five words or more with no first-person plural
  word (``nosotros``, ``nuestro/a/os/as``, ``nos``, a verb ending in -amos/-emos/-imos such
  as «informamos», «tenemos», «seguimos»). The words that speak of the entity in the third
  person («el Ministerio informa», its acronym) are quoted when present.
* **6 · autopromoción de la autoridad**: the post names one of the entity's authority names
  (``PublishingSettings.authority_names``, one per line) and, counting this post, the share
  of the plan's posts (not rejected) that name them is above
  ``self_promotion_max_percent``.
* **26 · bromas, memes y retos**: «jaja», «jeje», «xd», «lol», «meme», «chiste», «broma»,
  «challenge», «harlem shake», laughing emojis, and hashtags that carry a challenge, a meme
  or a laugh (#…challenge, #reto…, #…meme…, #…jaja…, #…trend…). Campaign hashtags are fine.
* **14 · redacción ofensiva o ambigua**: the language app's text checker (its classifier,
  registered in ``agora.core.registries.text_flags``: publishing sits below language in the
  layers and never imports it) flags the text ``insulto`` or ``amenaza``; and hedges that
  leave the message ambiguous («al parecer», «se dice que», «supuestamente», «tal vez»…).
  Without a trained model the checker gives no flags (only the hedges are found).
* **18 · nota copyleft**: the post is marked as the institution's own infographic and neither
  its texts nor the image description carry a free-licence note («copyleft», «Creative
  Commons», «CC BY», «licencia libre», «reproducción libre citando la fuente»).
* **19 · enlaces a fuentes no verificadas**: a link whose domain is not a ``gob.pe`` site,
  the entity's own website, Ágora itself, a verified account of the directory, or one of
  ``TRUSTED_DOMAINS`` (international bodies and the State's news agency).
* **personal data (14)**: a DNI, phone, e-mail, plate or home address, found by the language
  app's detectors through the masking it registers in core
  (``agora.core.registries.mask_personal_data``); the entity's own addresses (e-mails on
  ``gob.pe`` or its website) are not citizens' data.
* **13 · propaganda sin contenido verificable**: the post announces an achievement
  («logramos», «inauguramos», «entregamos», «récord», a percentage or a figure in thousands
  or millions) but cites no commitment, milestone or evidence and has no link at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agora.core import registries
from agora.core.text import fold
from agora.directory.models import AccountStatus, SocialAccount
from agora.publishing.models import (
    GuidelineFinding,
    PlannedPost,
    PostStatus,
    PublishingSettings,
)

# Domains whose content is taken as verified, besides gob.pe, the entity's site and Ágora.
TRUSTED_DOMAINS = (
    "gob.pe",
    "elperuano.pe",
    "andina.pe",
    "opengovpartnership.org",
    "un.org",
    "who.int",
    "paho.org",
    "unicef.org",
    "worldbank.org",
    "oecd.org",
    "iadb.org",
)

_WORD = re.compile(r"[\wáéíóúñü]+", re.IGNORECASE)
_FIRST_PLURAL = re.compile(
    r"\b(nosotr[oa]s|nuestr[oa]s?|nos|\w{2,}(?:amos|emos|imos))\b", re.IGNORECASE
)
_THIRD_PERSON = re.compile(
    r"\b(?:el|la|los|las)\s+(?:ministerio|municipalidad|gobierno regional|entidad|"
    r"instituci[oó]n|superintendencia|direcci[oó]n|oficina|programa)\b"
    r"|\b(?:informa|comunica|anuncia|invita|realiz[oó]|entreg[oó]|inaugur[oó]|logr[oó])\b",
    re.IGNORECASE,
)
_JOKE_WORDS = re.compile(
    r"\b(ja(?:ja)+j?|je(?:je)+j?|ji(?:ji)+|xd+|lol|memes?|chistes?|bromas?|challenge|"
    r"harlem\s+shake|trending)\b|[😂🤣😆😹😜🤪]",
    re.IGNORECASE,
)
_HASHTAG = re.compile(r"#([\wáéíóúñü]+)", re.IGNORECASE)
_JOKE_HASHTAG = re.compile(r"challenge|^reto|meme|jaja|jeje|trend|humor|xd|lol", re.IGNORECASE)
_HEDGES = re.compile(
    r"\b(al parecer|se dice que|dicen que|supuestamente|tal vez|quiz[aá]s?|podr[ií]a ser|"
    r"m[aá]s o menos|no se descarta|seg[uú]n rumores)\b",
    re.IGNORECASE,
)
_COPYLEFT = re.compile(
    r"copy\s*left|creative\s+commons|\bcc[\s-]by\b|licencia\s+libre|"
    r"reproducci[oó]n\s+libre|puede\s+(?:ser\s+)?reproducid[ao]|"
    r"libre\s+reproducci[oó]n",
    re.IGNORECASE,
)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']+", re.IGNORECASE)
_ACHIEVEMENT = re.compile(
    r"\b(logramos|logr[oó]|inauguramos|inaugur[oó]|entregamos|entreg[oó]|cumplimos|"
    r"alcanzamos|superamos|r[eé]cord|hist[oó]ric[oa])\b"
    r"|\d+(?:[.,]\d+)?\s?%|\b\d+(?:[.,]\d+)?\s+(?:mil|millones)\b",
    re.IGNORECASE,
)
# The markers of the language app's personal-data masking (registered in core), and what
# each one is called in a finding.
_PERSONAL_KINDS = {
    "[DNI]": gettext_lazy("DNI"),
    "[TELÉFONO]": gettext_lazy("teléfono"),
    "[CORREO]": gettext_lazy("correo"),
    "[PLACA]": gettext_lazy("placa"),
    "[DIRECCIÓN]": gettext_lazy("dirección"),
}
_MASK_MARKER = re.compile(r"\[(?:DNI|TELÉFONO|CORREO|PLACA|DIRECCIÓN|USUARIO)\]")
# The text checker's flags (registered in core by the language app) that make a post
# offensive, and how a finding names them.
_OFFENSIVE_FLAGS = {
    "insulto": gettext_lazy("insulto"),
    "amenaza": gettext_lazy("amenaza"),
}


@dataclass(frozen=True)
class Found:
    """One finding before it is stored: guideline number, rule slug, explanation, words."""

    guideline: int
    rule: str
    detail: str
    evidence: str = ""
    account: SocialAccount | None = None


def _quote(words: list[str]) -> str:
    seen: list[str] = []
    for word in words:
        if word.lower() not in (w.lower() for w in seen):
            seen.append(word)
    return ", ".join(f"«{w}»" for w in seen)[:300]


def _domain(url: str) -> str:
    if not url.lower().startswith(("http://", "https://")):
        url = "https://" + url
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _on(host: str, domain: str) -> bool:
    domain = domain.lower().removeprefix("www.")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def authority_names(entity_settings: PublishingSettings | None) -> list[str]:
    if entity_settings is None:
        return []
    return [n.strip() for n in entity_settings.authority_names.splitlines() if n.strip()]


def names_authority(text: str, names: list[str]) -> list[str]:
    """The authority names found in ``text`` (accents and case folded)."""
    folded = fold(text)
    return [n for n in names if re.search(r"\b" + re.escape(fold(n)) + r"\b", folded)]


# --- checks on one text -----------------------------------------------------------------------


def check_first_person(text: str) -> Found | None:
    if len(_WORD.findall(text)) < 5 or _FIRST_PLURAL.search(text):
        return None
    third = [m.group(0) for m in _THIRD_PERSON.finditer(text)]
    return Found(
        15,
        "primera_persona",
        _(
            "El texto no habla en primera persona plural («informamos», «nuestro equipo», "
            "«te invitamos»): el lineamiento 15 pide escribir como «nosotros», de manera "
            "cercana."
        ),
        _quote(third),
    )


def check_jokes(text: str) -> Found | None:
    words = [m.group(0) for m in _JOKE_WORDS.finditer(text)]
    words += ["#" + tag for tag in _HASHTAG.findall(text) if _JOKE_HASHTAG.search(tag)]
    if not words:
        return None
    return Found(
        26,
        "bromas_memes",
        _(
            "El texto tiene bromas, memes, risas o etiquetas de retos de moda: el lineamiento "
            "26 pide no incluir a la institución en situaciones jocosas."
        ),
        _quote(words),
    )


def check_offensive(text: str) -> list[Found]:
    found: list[Found] = []
    flags = registries.text_flags([text])[0]
    offensive = [str(_OFFENSIVE_FLAGS[f]) for f in flags if f in _OFFENSIVE_FLAGS]
    if offensive:
        found.append(
            Found(
                14,
                "ofensivo",
                _(
                    "El clasificador de Ágora lee este texto como ofensivo: puede dañar la "
                    "reputación de personas o de la institución (lineamiento 14)."
                ),
                _quote(offensive),
            )
        )
    hedges = [m.group(0) for m in _HEDGES.finditer(text)]
    if hedges:
        found.append(
            Found(
                14,
                "ambiguo",
                _(
                    "El texto tiene expresiones que lo vuelven ambiguo o poco seguro: el "
                    "lineamiento 14 pide mensajes claros, sin doble sentido; confirme el dato o "
                    "quite la expresión."
                ),
                _quote(hedges),
            )
        )
    return found


def personal_data_found(text: str) -> list[tuple[str, str]]:
    """(marker, original words) of each piece of personal data in ``text``, as the language
    app's masking (registered in core) replaces them; handles are not counted."""
    masked = registries.mask_personal_data(text)
    if masked == text:
        return []
    markers = _MASK_MARKER.findall(masked)
    pieces = _MASK_MARKER.split(masked)
    pattern = "".join(
        re.escape(piece) + ("(.+?)" if index < len(markers) else "")
        for index, piece in enumerate(pieces)
    )
    match = re.fullmatch(pattern, text, re.S)
    values = list(match.groups()) if match else ["" for _marker in markers]
    return [(m, v) for m, v in zip(markers, values, strict=True) if m != "[USUARIO]"]


def check_personal_data(text: str, own_domains: list[str]) -> Found | None:
    words: list[str] = []
    for marker, value in personal_data_found(text):
        if marker == "[CORREO]":
            host = value.rsplit("@", 1)[-1].lower()
            if any(_on(host, d) for d in own_domains):
                continue
        label = str(_PERSONAL_KINDS.get(marker, marker))
        words.append(f"{label}: {value}" if value else label)
    if not words:
        return None
    return Found(
        14,
        "datos_personales",
        _(
            "El texto tiene datos personales (DNI, teléfono, correo, placa o dirección): una "
            "publicación de la entidad no expone datos de la ciudadanía (Ley 29733). Si el "
            "dato es de la propia entidad, puede ignorar esta observación."
        ),
        _quote(words),
    )


def check_links(text: str, allowed: list[str], account_urls: list[str]) -> Found | None:
    bad: list[str] = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        host = _domain(url)
        if not host or any(_on(host, d) for d in allowed):
            continue
        plain = url.lower().split("://", 1)[-1].removeprefix("www.").rstrip("/")
        if any(plain.startswith(a) for a in account_urls):
            continue
        bad.append(url)
    if not bad:
        return None
    return Found(
        19,
        "enlace_no_verificado",
        _(
            "El texto enlaza a fuentes que Ágora no reconoce como verificadas (no son un sitio "
            "gob.pe, el sitio de la entidad ni una cuenta verificada del directorio): el "
            "lineamiento 19 permite citar a otros solo si se verificó que la información es "
            "fidedigna."
        ),
        _quote(bad),
    )


def check_propaganda(text: str, *, cites: bool) -> Found | None:
    if cites or _URL.search(text):
        return None
    words = [m.group(0) for m in _ACHIEVEMENT.finditer(text)]
    if not words:
        return None
    return Found(
        13,
        "propaganda",
        _(
            "El texto anuncia un logro o una cifra sin nada que la ciudadanía pueda verificar: "
            "cite el compromiso, hito o evidencia en Ágora, o enlace la fuente oficial."
        ),
        _quote(words),
    )


# --- the whole post ---------------------------------------------------------------------------


def _allowed_domains(post: PlannedPost) -> list[str]:
    domains = list(TRUSTED_DOMAINS)
    own = _domain(post.entity.website) if post.entity.website else ""
    if own:
        domains.append(own)
    agora = _domain(str(settings.AGORA_BASE_URL))
    if agora:
        domains.append(agora)
    return domains


def _verified_account_urls() -> list[str]:
    urls = SocialAccount.objects.filter(status=AccountStatus.VERIFICADA).values_list(
        "url", flat=True
    )
    return [u.lower().split("://", 1)[-1].removeprefix("www.").rstrip("/") for u in urls if u]


def _self_promotion(post: PlannedPost, texts: list[str]) -> Found | None:
    entity_settings = PublishingSettings.objects.filter(entity=post.entity_id).first()
    names = authority_names(entity_settings)
    if not names or entity_settings is None:
        return None
    here = sorted({n for text in texts for n in names_authority(text, names)})
    if not here:
        return None
    others = (
        PlannedPost.objects.filter(plan=post.plan_id)
        .exclude(pk=post.pk)
        .exclude(status=PostStatus.RECHAZADO)
        .prefetch_related("variants")
    )
    total, naming = 1, 1
    for other in others:
        total += 1
        if any(names_authority(v.text, names) for v in other.variants.all()):
            naming += 1
    share = round(100 * naming / total)
    limit = entity_settings.self_promotion_max_percent
    if share <= limit:
        return None
    return Found(
        6,
        "autopromocion",
        _(
            "Esta publicación nombra a la autoridad y, con ella, %(naming)s de %(total)s "
            "publicaciones del plan (%(share)s %%) la nombran, más que el %(limit)s %% que fijó "
            "la entidad: el lineamiento 6 pide evitar el proselitismo de la máxima autoridad."
        )
        % {"naming": naming, "total": total, "share": share, "limit": limit},
        _quote(here),
    )


def findings_for(post: PlannedPost) -> list[Found]:
    """Every finding for ``post`` as it is now (variants saved), in guideline order."""
    variants = list(post.variants.select_related("account"))
    texts = [v.text for v in variants]
    allowed = _allowed_domains(post)
    accounts = _verified_account_urls()
    cites = bool(post.commitment_id or post.milestone_id or post.evidence_id)
    found: list[Found] = []
    # Checks per text: when every variant gives the same finding it is said once for the post.
    per_text: dict[str, list[tuple[Found, SocialAccount]]] = {}
    for variant in variants:
        text = variant.text
        results: list[Found | None] = [
            check_first_person(text),
            check_jokes(text),
            *check_offensive(text),
            check_personal_data(text, allowed),
            check_links(text, allowed, accounts),
            check_propaganda(text, cites=cites),
        ]
        for result in results:
            if result is not None:
                per_text.setdefault(result.rule, []).append((result, variant.account))
    for items in per_text.values():
        if len(items) == len(variants) and len({f.evidence for f, _a in items}) == 1:
            found.append(items[0][0])
        else:
            found += [
                Found(f.guideline, f.rule, f.detail, f.evidence, account) for f, account in items
            ]
    promotion = _self_promotion(post, texts)
    if promotion is not None:
        found.append(promotion)
    if post.own_infographic and not any(_COPYLEFT.search(t) for t in [*texts, post.media_alt]):
        found.append(
            Found(
                18,
                "copyleft",
                _(
                    "La publicación lleva una infografía propia de la institución sin nota de "
                    "licencia libre: el lineamiento 18 pide el Copy Left (por ejemplo «Licencia "
                    "CC BY 4.0: puede reproducirse citando la fuente»)."
                ),
            )
        )
    found.sort(key=lambda f: f.guideline)
    return found


@transaction.atomic
def post_check(post: PlannedPost) -> list[GuidelineFinding]:
    """Replace the post's findings with a fresh check and stamp ``checked_at``."""
    found = findings_for(post)
    GuidelineFinding.objects.filter(post=post).delete()
    rows = GuidelineFinding.objects.bulk_create(
        GuidelineFinding(
            post=post,
            entity_id=post.entity_id,
            guideline=f.guideline,
            rule=f.rule,
            account=f.account,
            detail=f.detail,
            evidence=f.evidence[:300],
        )
        for f in found
    )
    post.checked_at = timezone.now()
    PlannedPost.objects.filter(pk=post.pk).update(checked_at=post.checked_at)
    return rows
