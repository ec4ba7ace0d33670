"""High-precision detectors: personal data (DNI, phones, e-mails, plates, home addresses),
links and typical spam cues. They decide ``datos_personales`` on their own, feed the model as
features, and mask personal data for reports.

Decisions worth knowing:

* A DNI is 8 digits standing alone as a word. An 8-digit figure is *not* a DNI when it is an
  amount (after ``S/``, ``s/.``, ``$`` or ``US$``, or before ``soles``/``dólares``) or when it
  is introduced as another identifier (expediente, trámite, ticket, RUC, código, suministro,
  boleta, factura, pedido, resolución, partida, oficio, carta, registro, socio, cliente,
  tarjeta, puntos, millas, cuenta, operación, orden, guía, seguimiento, lote, serie, póliza,
  contrato, recibo, reserva, vuelo, «número de …» other than DNI) or followed by a unit
  (soles, dólares, puntos, millas); an explicit "DNI" before it always wins.
* Phones: a Peruvian mobile (9 digits starting with 9, groups separated by spaces, dots or
  dashes, optional +51) or a Lima landline (01 followed by 7 digits).
* Plates: ``ABC-123`` or ``A1B-234`` (three digits) with the dash in any case; without the
  dash only in upper case right after the word "placa"; motorcycle plates (``1234-AB``,
  ``4567-1A``) only right after "placa". A code of that shape right after a
  model, flight, product or document word («el avión CRJ-900», «modelo ABB-250», «pedido
  XYZ-123») is not a plate, unless the word "placa" is just before.
* Addresses: Av./Jr./Calle/Psje./Mz. + a name + a street number (``Av. Los Ejemplos 123``,
  ``Jr. Ayacucho N° 456``); "cuadra 5" is a place, not a home address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NOT_DNI_BEFORE = re.compile(
    r"(?:s/\.?|\$|us\$|usd|€|expediente|exp\.?|tr[aá]mite|ticket|ruc|c[oó]digo|cod\.?|suministro|"
    r"boleta|factura|pedido|resoluci[oó]n|partida|oficio|carta|registro|reclamo|solicitud|"
    r"socio|cliente|afiliad[oa]|afiliaci[oó]n|membres[ií]a|tarjeta|puntos|millas|"
    r"viajero frecuente|pasajero frecuente|cuenta|operaci[oó]n|transacci[oó]n|orden|gu[ií]a|"
    r"seguimiento|tracking|env[ií]o|lote|serie|modelo|p[oó]liza|contrato|recibo|cup[oó]n|folio|"
    r"referencia|ref\.?|reserva|localizador|vuelo|medidor|cliente|pago|voucher|boleto|"
    r"n[°º]|nro\.?|#|n[uú]mero de (?!dni\b|documento\b|identidad\b|d\.n\.i)[a-záéíóúñ]+"
    r"(?: de [a-záéíóúñ]+)?)(?: de [a-záéíóúñ]+)?"
    r"\s*:?\s*(?:es\s*)?(?:el\s*)?(?:n[°º]|nro\.?|#)?\s*:?\s*$",
    re.IGNORECASE,
)
_DNI_BEFORE = re.compile(r"\bdni\b[\s.:#n°º]*$", re.IGNORECASE)
_NOT_DNI_AFTER = re.compile(
    r"^\s*(?:soles|d[oó]lares|lucas|mil|millones|nuevos soles|euros|pesos|puntos|millas)\b", re.I
)
_EIGHT_DIGITS = re.compile(r"(?<![\w/-])(?<!\d[.,])(\d{8})(?![\w/-]|[.,]\d)")
_MOBILE = re.compile(
    r"(?<![\w+])(?:\+?51[\s.-]?)?9\d{2}[\s.-]?\d{3}[\s.-]?\d{3}(?![\w-])|(?<!\w)\+51[\s.-]?9\d{8}(?!\w)"
)
_LANDLINE = re.compile(r"(?<![\w+])\(?01\)?[\s.-]?\d{3}[\s.-]?\d{4}(?![\w-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PLATE = re.compile(
    r"(?<![\w-])(?:[a-z]{3}|[a-z]\d[a-z]|[a-z]{2}\d)-\d{3}(?![\w-])"
    r"|(?<=placa )[A-Z]{3}\d{3}(?!\w)|(?<=placa: )[A-Z]{3}\d{3}(?!\w)"
    r"|(?<=placa )\d{4}-(?:[a-z]{2}|\d[a-z])(?![\w-])",
    re.IGNORECASE,
)
# A code with the shape of a plate that names a model, a flight, a product or a document
# («el avión CRJ-900», «modelo ABB-250», «vuelo LAX-123», «la norma ISO-900»).
_NOT_PLATE_BEFORE = re.compile(
    r"(?:modelo|mod\.|avi[oó]n|aeronave|aerol[ií]nea|vuelo|equipo|serie|c[oó]digo|cod\.?|"
    r"ref\.?|referencia|sku|art[ií]culo|producto|versi[oó]n|motor|pedido|orden|gu[ií]a|ticket|"
    r"reclamo|expediente|lote|norma|formulario|bombardier|embraer|airbus|boeing|interruptor|"
    r"repuesto|pieza|impresora|router|celular|tel[eé]fono|televisor|tv|laptop|compresor|"
    r"generador|transformador|tarjeta|cup[oó]n|c[oó]digo de [a-záéíóú]+)"
    r"\s*(?:n[°º]|nro\.?|#|:)?\s*(?:[\w-]+\s+){0,1}$",
    re.IGNORECASE,
)
# Aircraft and models: anywhere in the few words before («vuelo cancelado, el CRJ-900»).
_MODEL_WORDS_BEFORE = re.compile(
    r"\b(?:modelo|avi[oó]n|aeronave|aerol[ií]nea|vuelo|bombardier|embraer|airbus|boeing)\b",
    re.IGNORECASE,
)
_PLATE_WORD_BEFORE = re.compile(r"\bplacas?\b[^.\n]{0,20}$", re.IGNORECASE)
_ADDRESS = re.compile(
    r"\b(?:av(?:enida)?\.?|jr\.?|jir[oó]n|calle|ca\.|psje\.?|pasaje|prolongaci[oó]n|prol\.)"
    r"\s+(?:[a-záéíóúñü.']+\s+){1,4}?(?:n[°º]\.?\s*|nro\.?\s*|#\s*)?\d{1,5}(?![\d:/.,]\d|\w)"
    r"|\bmz\.?\s*[a-z0-9]{1,3}\s*,?\s*(?:lt|lote)\.?\s*\d{1,3}\b",
    re.IGNORECASE,
)
# Words that look like a street name followed by a count, not a house number.
_ADDRESS_FALSE = re.compile(
    r"\b(?:cuadra|cdra|hace|desde|hasta|por|de|del|mas|más|son|hay|como|con|para|a|en|las|los|"
    r"y|que|km|horas?|d[ií]as?|a[ñn]os?|meses|semanas|minutos|soles|personas|veces|metros)\s+"
    r"(?:n[°º]\.?\s*|nro\.?\s*|#\s*)?\d{1,5}$",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_HANDLE = re.compile(r"(?<![\w@.])@\w{2,}")
_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|pe|net|org|ly|me|io|co|info|xyz|site|online|link|shop|example|gob\.pe)(?:/\S*)?",
    re.IGNORECASE,
)
# Shorteners (Google Maps' own maps.app.goo.gl links are places people point to, not
# disguised ones).
_SHORT_URL = re.compile(
    r"\b(?:bit\.ly|tinyurl\.com|wa\.me|t\.me|cutt\.ly|(?<![\w.])goo\.gl|ow\.ly|is\.gd|shorturl\.at|"
    r"linktr\.ee|rebrand\.ly|chat\.whatsapp\.com)\b",
    re.IGNORECASE,
)
_SPAM_CUES = re.compile(
    r"pr[e3]st[a4]m[o0]s?|sin aval|sin garant|gana(?:r)? dinero|desde (?:tu |la )?casa|"
    r"ingresos? extra|seguidores|likes|criptomoneda|cripto|bitcoin|usdt|forex|inversi[oó]n "
    r"segura|ganancias? diarias?|multiplica|comparte (?:este|esto|o)|mala suerte|reenv[ií]a|"
    r"inbox|escr[ií]beme al|m[aá]ndame (?:un )?(?:dm|mensaje|wsp)|haz clic|click aqu[ií]|"
    r"reg[ií]strate (?:aqu[ií]|ya|en)|cobra tu bono|oferta|promoci[oó]n|descuento|"
    r"whatsapp|wsp|gratis|premio|sorteo|100% (?:real|garantizado)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    """One detection: what it is and where it is in the text."""

    kind: str  # dni, telefono, correo, placa, direccion
    start: int
    end: int


# Necessary conditions, checked before the patterns above (which begin with look-behinds and
# so are tried at every position of the text): a cheap search that starts with a literal or a
# substring test. Each one matches every text that the full pattern can match.
_MOBILE_GATE = re.compile(r"9\d{2}[\s.-]?\d{3}[\s.-]?\d{3}")
_EIGHT_GATE = re.compile(r"[0-9]{8}")
_ADDRESS_WORDS = ("av", "jr", "jir", "calle", "ca.", "psje", "pasaje", "prol", "mz")


def _may_have_plate(text: str) -> bool:
    return "-" in text or "laca" in text.lower()


def _may_have_address(text: str) -> bool:
    low = text.lower()
    return any(word in low for word in _ADDRESS_WORDS)


def _dni_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if _EIGHT_GATE.search(text) is None:
        return spans
    for match in _EIGHT_DIGITS.finditer(text):
        # A batch of texts may be joined by NUL (see normalize.SEPARATOR): never look past it.
        before = text[max(0, match.start() - 40) : match.start()].rsplit("\x00", 1)[-1]
        after = text[match.end() : match.end() + 20].split("\x00", 1)[0]
        if not _DNI_BEFORE.search(before) and (
            _NOT_DNI_BEFORE.search(before) or _NOT_DNI_AFTER.search(after)
        ):
            continue
        spans.append(match.span(1))
    return spans


def _address_spans(text: str) -> list[tuple[int, int]]:
    if not _may_have_address(text):
        return []
    return [m.span() for m in _ADDRESS.finditer(text) if not _ADDRESS_FALSE.search(m.group())]


def _mobiles(text: str) -> list[tuple[int, int]]:
    if _MOBILE_GATE.search(text) is None:
        return []
    return [m.span() for m in _MOBILE.finditer(text)]


def _landlines(text: str) -> list[tuple[int, int]]:
    if "01" not in text:
        return []
    return [m.span() for m in _LANDLINE.finditer(text)]


def _plates(text: str) -> list[tuple[int, int]]:
    if not _may_have_plate(text):
        return []
    spans = []
    for match in _PLATE.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()].rsplit("\x00", 1)[-1]
        if _PLATE_WORD_BEFORE.search(before):
            spans.append(match.span())
            continue
        if _NOT_PLATE_BEFORE.search(before) or _MODEL_WORDS_BEFORE.search(before):
            continue
        spans.append(match.span())
    return spans


def personal_data(text: str) -> list[Finding]:
    """Every piece of personal data found, in text order; overlaps resolved by first match."""
    found: list[Finding] = []
    if "@" in text:
        found += [Finding("correo", *m.span()) for m in _EMAIL.finditer(text)]
    if _DIGIT.search(text) is None:
        return found
    found += [Finding("telefono", *span) for span in _mobiles(text)]
    found += [Finding("telefono", *span) for span in _landlines(text)]
    found += [Finding("dni", *span) for span in _dni_spans(text)]
    found += [Finding("placa", *span) for span in _plates(text)]
    found += [Finding("direccion", *span) for span in _address_spans(text)]
    if len(found) < 2:
        return found
    found.sort(key=lambda f: (f.start, -f.end))
    kept: list[Finding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept


def has_personal_data(text: str) -> bool:
    """The ``datos_personales`` rule. Cheap checks first: nearly every message has no digit
    and no '@', and then only the address pattern can match."""
    if "@" in text and _EMAIL.search(text):
        return True
    if _DIGIT.search(text) is not None:
        return bool(
            _mobiles(text)
            or _landlines(text)
            or _dni_spans(text)
            or _plates(text)
            or _address_spans(text)
        )
    return False


@dataclass(frozen=True)
class RuleFeatures:
    dni: bool
    telefono: bool
    correo: bool
    placa: bool
    direccion: bool
    enlace: bool
    enlace_corto: bool
    spam_pistas: int

    @property
    def personal(self) -> bool:
        return self.dni or self.telefono or self.correo or self.placa or self.direccion


RULE_FEATURE_NAMES = (
    "dni",
    "telefono",
    "correo",
    "placa",
    "direccion",
    "enlace",
    "enlace_corto",
    "spam_pistas",
)


def rule_features(text: str) -> RuleFeatures:
    digits = _DIGIT.search(text) is not None
    return RuleFeatures(
        dni=digits and bool(_dni_spans(text)),
        telefono=digits and bool(_mobiles(text) or _landlines(text)),
        correo="@" in text and bool(_EMAIL.search(text)),
        placa=digits and bool(_plates(text)),
        direccion=digits and bool(_address_spans(text)),
        enlace=bool(_URL.search(text)),
        enlace_corto=bool(_SHORT_URL.search(text)),
        spam_pistas=min(3, len(_SPAM_CUES.findall(text))),
    )


_MASKS = {
    "dni": "[DNI]",
    "telefono": "[TELÉFONO]",
    "correo": "[CORREO]",
    "placa": "[PLACA]",
    "direccion": "[DIRECCIÓN]",
}


def mask_personal_data(text: str) -> str:
    """The text with DNIs, phones, e-mails, plates and home addresses replaced by a marker,
    and handles by "@[USUARIO]": what reports may quote."""
    parts: list[str] = []
    last = 0
    for finding in personal_data(text):
        parts.append(text[last : finding.start])
        parts.append(_MASKS[finding.kind])
        last = finding.end
    parts.append(text[last:])
    return _HANDLE.sub("@[USUARIO]", "".join(parts))
