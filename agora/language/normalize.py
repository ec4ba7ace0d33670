"""Normalisation of Peruvian social-media Spanish for the classifier: one lower-case,
accent-free, space-separated string of tokens.

Steps, in order: personal data, links, mentions and numbers become placeholder tokens (so the
model learns "someone gave a phone", not the number); emojis become named tokens; accents and
case are folded (as :func:`agora.core.text.fold` does, with a translate table because this runs
on every message); letters repeated three times or more collapse ("graciaaas" → "gracias",
"carrrro" → "carro"); leetspeak inside words is undone ("c0rrupt0s" → "corruptos"); and common
abbreviations are expanded ("xq" → "porque", "x fa" → "por favor").
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from itertools import pairwise

from agora.language import rules

# --- emojis -------------------------------------------------------------------------------

_EMOJI_GROUPS: dict[str, str] = {
    "emo_ironia": "🙄😒🤡🙃😏🥴",
    "emo_aplauso": "👏🙌💪👍👌✌",
    "emo_ira": "😡🤬😠👿💢😤🖕",
    "emo_violencia": "🔪💣🔫⚰💀☠🩸🪓🧨",
    # Fire is mostly hype or praise («buena chamba 🔥»), sometimes a real fire; its own code,
    # outside the threat lexicon: the words around it carry the threat.
    "emo_fuego": "🔥",
    "emo_gracias": "🙏🤝",
    "emo_risa": "😂🤣😆😹😅😁😄😃😀",
    "emo_carino": "❤💕💖💙💚💛💜🧡🤍🖤😍🥰😘♥",
    "emo_triste": "😢😭😞😔😟🥺😩😫💔",
    "emo_duda": "🤔❓❔🤷",
    "emo_alerta": "⚠🚨‼❗",
    "emo_dinero": "💰💵💸🤑💲🪙",
    "emo_senal": "👉👇👆➡⬇🔗📲📱✅✔",
    "emo_celebra": "🎉🥳🎊⭐🌟✨🏆🇵",
    "emo_asco": "🤮🤢💩🐀🐖🐷",
}
_TRANSLATE: dict[int, str] = {}
for _token, _chars in _EMOJI_GROUPS.items():
    for _char in _chars:
        _TRANSLATE[ord(_char)] = f" {_token} "
for _plain, _accented in {
    "a": "áàâäãå",
    "e": "éèêë",
    "i": "íìîï",
    "o": "óòôöõ",
    "u": "úùûü",
    "n": "ñ",
    "c": "ç",
}.items():
    for _char in _accented:
        _TRANSLATE[ord(_char)] = _plain
# Variation selectors and joiners carry no meaning here.
for _code in (0xFE0F, 0xFE0E, 0x200D, 0x20E3, 0x200B):
    _TRANSLATE[_code] = ""
for _char in "¿¡":
    _TRANSLATE[ord(_char)] = " " + {"¿": "?", "¡": "!"}[_char] + " "
for _char in "?!":
    _TRANSLATE[ord(_char)] = f" {_char} "
_OTHER_EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\U0001f1e6-\U0001f1ff]"
)

# --- placeholders ---------------------------------------------------------------------------

_URL_SHORT = re.compile(rules._SHORT_URL.pattern + r"\S*", re.IGNORECASE)
_URL = rules._URL
_MENTION = re.compile(r"(?<![\w.])@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_MONEY = re.compile(
    r"(?:s/\.?|us\$|\$)\s*\d[\d.,]*|\b\d[\d.,]*\s*(?:soles|lucas|d[oó]lares)\b", re.I
)
_PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s?%")
_NUMBER = re.compile(r"\b\d{8}\b|\b\d+(?:[.,:/]\d+)*\b")

# --- words ----------------------------------------------------------------------------------

# Only words mixing letters with 0 1 3 4 5 @ $ (a plain word or number is never de-leeted).
_LEET_TOKEN = re.compile(r"(?<![\w@$])(?:[a-z]+[01345@$]|[01345@$]+[a-z])[a-z0-9@$]*(?![\w@$])")
_LEET_TABLE = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s"})
_LEET_CHARS = frozenset("01345@$")
_ORDINAL = re.compile(r"^\d+(?:ro|ra|do|da|to|ta|vo|va|mo|ma|no|na|er|era|os|as)$")
_TRAILING_DIGITS = re.compile(r"^[a-z]+\d{2,}$")
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_DIGIT = re.compile(r"\d")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Necessary conditions of the link and money patterns, on the lower-case text (no
# IGNORECASE: the search can then jump to the few characters a match can start with).
_URL_HINT = re.compile(r"https?:|www\.|\.[a-z]{2,7}\b")
_MONEY_HINTS = ("$", "s/", "soles", "lucas", "dolares", "dólares")
_KEEP_DOUBLE = frozenset("lrc")


ABBREVIATIONS: dict[str, str] = {
    "xq": "porque",
    "xk": "porque",
    "pq": "porque",
    "pk": "porque",
    "porq": "porque",
    "porke": "porque",
    "q": "que",
    "k": "que",
    "ke": "que",
    "qe": "que",
    "tb": "tambien",
    "tmb": "tambien",
    "tbn": "tambien",
    "tmbn": "tambien",
    "tambn": "tambien",
    "dnd": "donde",
    "dd": "donde",
    "xfa": "por favor",
    "xfavor": "por favor",
    "xfavo": "por favor",
    "xfabor": "por favor",
    "porfavor": "por favor",
    "porfavo": "por favor",
    "porfabor": "por favor",
    "fa": "favor",
    "favo": "favor",
    "fabor": "favor",
    "qtal": "que tal",
    "porfa": "por favor",
    "porfis": "por favor",
    "plis": "por favor",
    "pls": "por favor",
    "pe": "pues",
    "ps": "pues",
    "pes": "pues",
    "pue": "pues",
    "d": "de",
    "x": "por",
    "xa": "para",
    "pa": "para",
    "pal": "para el",
    "toy": "estoy",
    "tas": "estas",
    "ta": "esta",
    "tamos": "estamos",
    "nomas": "no mas",
    "nomá": "no mas",
    "bn": "bien",
    "mñn": "manana",
    "mñna": "manana",
    "msj": "mensaje",
    "msje": "mensaje",
    "cel": "celular",
    "nro": "numero",
    "num": "numero",
    "info": "informacion",
    "grax": "gracias",
    "grcs": "gracias",
    "grasias": "gracias",
    "gracia": "gracias",
    "tqm": "te quiero mucho",
    "aki": "aqui",
    "aca": "aqui",
    "ahi": "ahi",
    "uds": "ustedes",
    "ud": "usted",
    "vdd": "verdad",
    "hno": "hermano",
    "hna": "hermana",
    "sr": "senor",
    "sra": "senora",
    "srta": "senorita",
    "dr": "doctor",
    "dra": "doctora",
    "min": "minuto",
    "mins": "minutos",
    "hrs": "horas",
    "hr": "hora",
    "h": "hora",
    "kiero": "quiero",
    "kieren": "quieren",
    "aver": "a ver",
    "haber": "a ver",
    "salu2": "saludos",
    "wsp": "whatsapp",
    "wasap": "whatsapp",
    "whatsap": "whatsapp",
    "dm": "mensaje directo",
    "mdp": "madre",
    "tmr": "tu madre",
    "ctm": "ctm",
    "csm": "ctm",
    "ptm": "ptm",
    "conchatumare": "ctm",
    "conchasumare": "ctm",
    "conchatumadre": "ctm",
    "conchasumadre": "ctm",
    "hdp": "hdp",
    "hdtp": "hdp",
    "mrd": "mierda",
    "mrda": "mierda",
    "mierd": "mierda",
    "pta": "puta",
    "ptmr": "ptm",
    "ql": "culo",
}


_EMOJI_CODES = {code for code, value in _TRANSLATE.items() if value.startswith(" emo_")}

# The text of a batch is cut into raw tokens once (one regex pass); each distinct raw token is
# normalised once and remembered (see _WordCache), so the per-message cost is a dict look-up per
# token. Raw tokens: runs of word characters (with the leetspeak '@' and '$'), '?', '!', the
# batch separator, and each non-ASCII symbol (emojis, '¿', '¡', typographic marks).
_RAW_TOKEN = re.compile(r"[\w@$]+|[?!\x00]|[^\x00-\x7f\w\s]")
_LAUGH_TOKEN = re.compile(r"(?:j+[aeiou]+){2,}j*|(?:h+a+){2,}h*|x+d+|lo+l+")
_LEET_STRIP = re.compile(r"[@$]+")
_WORD_CACHE_LIMIT = 300_000


def _symbol(char: str) -> str:
    """An emoji or symbol: its group token, '?' / '!' for '¿' / '¡', nothing otherwise."""
    replacement = _TRANSLATE.get(ord(char))
    if replacement is not None:
        return replacement.strip()
    return "emo" if _OTHER_EMOJI.match(char) else ""


def _deleet_word(token: str) -> str:
    if (
        not _LEET_TOKEN.fullmatch(token)
        or _ORDINAL.match(token)
        or _TRAILING_DIGITS.match(token)
        or sum(ch.isalpha() for ch in token) < 2
    ):
        return token
    return token.translate(_LEET_TABLE)


def normalize_word(raw: str) -> str:
    """The normalised form of one raw token (already lower case): folded, de-elongated,
    de-leeted, laughs unified and abbreviations expanded. Zero, one or several words."""
    if raw in ("\x00", "?", "!"):
        return raw
    token = raw
    if not token.isascii():
        if len(token) == 1 and not token.isalnum():
            return _symbol(token)
        token = _COMBINING.sub("", unicodedata.normalize("NFKD", token))
        if not token.isascii():  # other scripts: only their ASCII letters are kept
            token = token.encode("ascii", "ignore").decode("ascii")
    if len(token) > 2:
        # «aaaa», «mmmm»: a sound, not the word «a» (but «www» begins a link written with
        # spaces, and «xxx» is not a scream).
        if _ELONGATED.fullmatch(token) and token[0] not in "wx":
            return "emo_grito"
        token = _ELONGATED.sub(_elongation, token)
    if not _LEET_CHARS.isdisjoint(token):
        token = _deleet_word(token)
        if "@" in token or "$" in token:
            token = _LEET_STRIP.sub(" ", token)
            return " ".join(normalize_word(part) for part in token.split())
    if _LAUGH_TOKEN.fullmatch(token):
        return "jaja"
    return ABBREVIATIONS.get(token, token)


class _WordCache(dict[str, str]):
    """Raw token → normalised words, filled on first sight."""

    def __missing__(self, raw: str) -> str:
        if len(self) > _WORD_CACHE_LIMIT:
            self.clear()
        value = self[raw] = normalize_word(raw)
        return value


_WORDS = _WordCache()


def _elongation(match: re.Match[str]) -> str:
    letter = match.group(1)
    return letter * 2 if letter in _KEEP_DOUBLE else letter


_DATA_TOKENS = {
    "dni": " dni_dato ",
    "telefono": " telefono_dato ",
    "correo": " correo_dato ",
    "placa": " placa_dato ",
    "direccion": " direccion_dato ",
}


# The markers of ``rules.mask_personal_data`` (the masked copies that training keeps): they
# read as the data they hide, so that a masked text gives the model the same signals.
_MASKED = re.compile(r"@\[USUARIO\]|\[(?:DNI|TELÉFONO|CORREO|PLACA|DIRECCIÓN)\]")
_MASKED_TOKENS = {
    "@[USUARIO]": " mencion ",
    "[DNI]": " dni_dato ",
    "[TELÉFONO]": " telefono_dato ",
    "[CORREO]": " correo_dato ",
    "[PLACA]": " placa_dato ",
    "[DIRECCIÓN]": " direccion_dato ",
}


def _unmask(match: re.Match[str]) -> str:
    return _MASKED_TOKENS[match.group(0)]


def _placeholders(text: str) -> str:
    if "[" in text:
        text = _MASKED.sub(_unmask, text)
    digits = _DIGIT.search(text) is not None
    if digits or "@" in text:
        findings = rules.personal_data(text)
        if findings:
            parts: list[str] = []
            last = 0
            for finding in findings:
                parts.append(text[last : finding.start])
                parts.append(_DATA_TOKENS[finding.kind])
                last = finding.end
            parts.append(text[last:])
            text = "".join(parts)
    if "@" in text:
        text = _MENTION.sub(" mencion ", text)
    low = text.lower()
    if _URL_HINT.search(low):
        text = _URL_SHORT.sub(" url url_corto ", text)
        text = _URL.sub(_url_token, text)
    if "#" in text:
        text = _HASHTAG.sub(r" hashtag \1 ", text)
    if digits:
        if "%" in text:
            text = _PERCENT.sub(" porcentaje_cifra ", text)
        if any(hint in low for hint in _MONEY_HINTS):
            text = _MONEY.sub(" dinero_cifra ", text)
        text = _NUMBER.sub(_number_token, text)
    return text


# The State's own sites: a citizen quoting them is not advertising anything.
_OFFICIAL_HOST = re.compile(r"(?:^|\.)gob\.pe$|^gob\.pe$")


def _url_token(match: re.Match[str]) -> str:
    """ " url " for a link, " url_oficial " for a site of the State; a host with a dash (the
    shape of look-alike sites: "bono-familiar.example") adds " url_guion "."""
    link = match.group()
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", link.lower()).split("/", 1)[0]
    host = host.rstrip(".,;:!?)»\"'")
    if _OFFICIAL_HOST.search(host):
        return " url_oficial "
    return " url url_guion " if "-" in host else " url "


def _number_token(match: re.Match[str]) -> str:
    value = match.group()
    if len(value) == 8 and value.isdigit():
        return " ocho_digitos "
    if value.isdigit() and len(value) <= 2:
        return " cifra_corta "
    return " cifra "


_CAPS_RUN = re.compile(r"[A-ZÁÉÍÓÚÑ]{4}")


def _shouting(text: str) -> bool:
    """Mostly capital letters (12 letters at least). Most messages have no run of four
    capitals and are answered by one regex search."""
    sample = text[:2000]
    if _CAPS_RUN.search(sample) is None:
        return False
    capitals = len(_CAPITALS.findall(sample))
    letters = capitals + len(_SMALL_LETTERS.findall(sample))
    return letters >= 12 and capitals > 0.7 * letters


_CAPITALS = re.compile(r"[A-ZÁÉÍÓÚÑÜÀÈÌÒÙÇ]")
_SMALL_LETTERS = re.compile(r"[a-záéíóúñüàèìòùç]")


def _lexicon_markers(tokens: list[str]) -> list[str]:
    """One marker per distinct lexicon word or phrase in the message."""
    present = set(tokens)
    found = present & _LEXICON_WORDS
    markers = [LEXICON[word] for word in found] if found else []
    if not _PHRASE_STARTS.isdisjoint(present):
        phrases = _PHRASE_SET.intersection(map(" ".join, pairwise(tokens)))
        markers += [PHRASE_LEXICON[phrase] for phrase in phrases]
    # Sets iterate in an order that changes between processes: sorted, the same text always
    # gives the same tokens (and a model version always the same model).
    markers.sort()
    return markers


# Joins the texts of a batch so that every regex runs once per batch: no pattern can match
# across it (it holds a NUL between spaces, and NUL is neither a word character, a digit nor
# white space), and the tokenizer keeps it as the boundary between texts.
SEPARATOR = " \x00 "


def tokenize_many(texts: Sequence[str]) -> tuple[list[str], list[int]]:
    """The normalised tokens of a batch as one flat list, the texts separated by a "\x00"
    token, without lexicon markers; and the indexes of the texts written in capitals. What
    the classifier reads (it turns lexicon words and phrases into features itself)."""
    if not texts:
        return [], []
    big = SEPARATOR.join(texts)
    if big.count("\x00") != len(texts) - 1:
        texts = [text.replace("\x00", " ") for text in texts]
        big = SEPARATOR.join(texts)
    starts = _starts(texts)
    shouting = [i for i in _docs_matching(_CAPS_RUN, big, starts) if _shouting(texts[i])]
    # Placeholders text by text, and only where a digit, '@', '#' or a link may be: most
    # messages have none, and these patterns are the slowest of the normalisation.
    needs = _docs_matching(_NEEDS_PLACEHOLDERS, big, starts)
    if needs:
        texts = list(texts)
        for index in needs:
            texts[index] = _placeholders(texts[index])
        big = SEPARATOR.join(texts)
    flat = _RAW_TOKEN.findall(big.lower())
    return " ".join(map(_WORDS.__getitem__, flat)).split(), shouting


def normalize_many(texts: Sequence[str]) -> list[list[str]]:
    """The tokens of each text, in order, with the lexicon and shouting markers appended:
    what :func:`normalize` returns, for a batch."""
    if not texts:
        return []
    flat, shouting = tokenize_many(texts)
    docs = [doc.split() for doc in " ".join(flat).split("\x00")]
    for tokens in docs:
        if not _LEXICON_WORDS.isdisjoint(tokens) or not _PHRASE_STARTS.isdisjoint(tokens):
            tokens += _lexicon_markers(tokens)
    for index in shouting:
        docs[index].append("mayusculas")
    return docs


def normalize(text: str) -> str:
    """The normalised form the model reads: tokens separated by single spaces, followed by
    markers for shouting and for words of the insult, threat and spam lexicons."""
    return " ".join(normalize_many([text])[0])


def _starts(texts: Sequence[str]) -> list[int]:
    starts: list[int] = []
    position = 0
    for text in texts:
        starts.append(position)
        position += len(text) + len(SEPARATOR)
    return starts


def _docs_matching(pattern: re.Pattern[str], big: str, starts: list[int]) -> list[int]:
    """Indexes of the joined texts where ``pattern`` matches: one search per matching text
    (after a match the search jumps to the next text)."""
    found: list[int] = []
    search = pattern.search
    last = len(starts) - 1
    position = 0
    while True:
        match = search(big, position)
        if match is None:
            return found
        index = bisect_right(starts, match.start()) - 1
        found.append(index)
        if index >= last:
            return found
        position = starts[index + 1]


_NEEDS_PLACEHOLDERS = re.compile(r"[\d@#]|https?:|www\.|\.[a-zA-Z]{2}")


# --- lexicons (folded forms; a plural "s" is also accepted) -----------------------------------

_INSULTS = """
ratas rata ladron ladrona rateros ratero corrupto corrupta inutil inepto inepta idiota imbecil
estupido estupida payaso payasa sinverguenza sinverguenzas basura lacra escoria mamarracho
chupamedias vendepatria tarado tarada burro burra animal bestia cojudo cojuda huevon huevona
pendejo pendeja ctm hdp ptm mierdero parasito vago vaga zangano cerdo cerda chancho perro perra
hijo puta malparido malnacido cabron gil gila cachaco terruco caviar facho cucufato sonso sonsa
baboso babosa ignorante analfabeto bruto bruta asqueroso asquerosa miserable rastrero rastrera
delincuente mafioso mafiosa lagarto lagarta pituco serrano cholo indio mono macaco enano gordo
vieja viejo cochino cochina maricon cabro tonto tonta retrasado mongol lameculos sapo sapa
feo fea incompetente incompetentes mediocre malcriado malcriada amargado amargada coimero
coimera lamebotas titere inservible borracho borracha ocioso ociosa patan cobarde mentiroso
mentirosa prepotente incapaz incapaces ladrones sabandija alimana rufian canalla traidor
traidora vendido vendida tombo cerebro mongolo huevadas conchudo conchuda fresco frescos
animales cinico cinica cinicos degenerado degenerada desgraciado desgraciada granuja granujas
bribon bribones pavo pavos corruptazo corruptazos floja flojo caviares porqueria pacotilla
grosera grosero malditos maldito maldita explotador explotadora estafador estafadora
estafadores hipocrita hipocritas pandilla chupando pechos genios malnacidos conchesumare
abusivo abusiva lacras buitres buitre vividor vividores chupasangre rata
"""
# Words of violence as an act or a call to it. Violence and death as a topic («muertos por
# covid», «donación de sangre», «la bomba de agua», «el entierro de mi tío») are not here: the
# words around them decide (issue #15).
_THREATS = """
matar mato matamos mataremos quemar quemamos quemaremos queman quememos incendiar incendiamos
machete machetazo bala balas balear baleamos plomo linchar linchamos lincharemos
reventar reventamos revientan degollar ahorcar colgar colgamos ajusticiar dinamita explosivo
arrepentir arrepentiran cuidate cuidense pagaran
destrozar destrozamos golpear golpeamos chancar balazos balazo arder ardera merecido
arde quemo rompemos rompo piedras cuidadito advertidos avisados juro desaparecer
matenlo matenla matenlos matenlas fusilar fusilen fusilenlo fusilenlos paredon linchenlo
linchenlos quemenlo quemenlos cuelguenlo cuelguenlos revientenlo
emo_violencia
"""
_SPAM = """
prestamo prestamos aval garantia ganancias ganancia invierte inversion cripto criptomoneda
bitcoin usdt forex seguidores sorteo premio oferta promocion descuento
url_corto cadena reenvia suerte
ingresos tarjeta compra vendo venta remate emo_dinero dscto dcto ofrezco pedidos
encargo interno porcentaje_cifra cupos
interesados interesadas garantizado garantizada compro
tramitamos ofrecemos asesoria mensualidad siganme
visitanos sorteamos ganaste ganador ganadora iphone detox catalogo liquidacion facilitos
remato alquilo suscribanse campanita emprendedores envios baratos baratas barato
casino apuesta apuestas tarot amarres
compramos vendemos instalamos reparamos sacamos hacemos atendemos
"""
# Sharing and platform words, and "free" (issue #15: "compartan para que se enteren", "la
# vacuna es gratis?", "me cobraron el delivery"): spam uses them, and so does everyone. They
# stay features of the models but are not a spam cue of their own (model.py,
# ``_SPAM_CUE_SIGNALS``).
_SHARING = """
gratis comparte compartan compartelo compartanlo compartir pasalo pasenlo difunde difundan
likes delivery
"""
# Calls to action addressed to the reader (imperatives of contact, sharing, signing up): on
# their own they are ordinary words; next to a way of contact they are how an offer ends.
_ACTION = """
llamame llamanos llamalos llamar escribe escribeme escribenos escribanos contactame contactanos
comenta comenten comentando etiqueta etiqueten etiquetando reclamalo reclamala unete unanse
separa separe inscribete registrate suscribete pidelo pidela pidelos pidan
mandame mandanos mandenos aprovecha aprovechen cotiza cotizaciones clic click
"""
# Ways of being contacted privately or paid outside any public channel.
_CONTACT = """
whatsapp inbox yape plin telegram
"""
# Bait: words that spam uses beyond the offer itself (follow and subscribe bait, courses and
# jobs, crypto and loans, giveaways, virality, adult and gambling hooks, votes asked for). An
# ordinary word often enough: on its own it proves nothing, but a message without any of these
# cues (nor an offer, money, a way of contact or a disguised link) is never spam, whatever
# links, «!» or platform words it has (issue #15; model.py, ``_SPAM_CUE_SIGNALS``).
_BAIT = """
sigueme siguenos siganos sigan seguidme agregame agreguenme agregar
suscribirse suscriban activa activen credito creditos prestamista financiamiento
cuotas precio precios curso cursos taller talleres clases certificado certificados matricula
diplomado oportunidad negocio emprende emprendimiento importadores productos producto stock
billetera wallet binance trading trader airdrop nft token tokens inviertan invertir
rentabilidad pasivos multinivel referidos referido cashback regalo regalamos regalando
viral virales impactante hot sexy onlyfans xxx desnuda nudes tragamonedas slots bet vota voten
capsulas adelgazar kilos informes contactar contacteme contactenos garantizamos tramitador
tramitadores ganar gane gana ganan
"""
# Calls to violence addressed to the reader (issue #15: «mátenlo», «hay que colgarlos»): the
# plural imperative of a violent verb, or its infinitive, with the person as a clitic. Only
# these forms: the past and the present of the same verbs tell news («lo mataron», «la policía
# mata»), and are left to the words around them.
_VIOLENT_VERBS = (
    ("matar", "maten"),
    ("quemar", "quemen"),
    ("colgar", "cuelguen"),
    ("fusilar", "fusilen"),
    ("linchar", "linchen"),
    ("ahorcar", "ahorquen"),
    ("degollar", "deguellen"),
    ("reventar", "revienten"),
    ("balear", "baleen"),
    ("apedrear", "apedreen"),
    ("golpear", "golpeen"),
    ("desaparecer", "desaparezcan"),
    ("ejecutar", "ejecuten"),
    ("eliminar", "eliminen"),
    ("quebrar", "quiebren"),
    ("disparar", "disparen"),
    ("acuchillar", "acuchillen"),
    ("apunalar", "apunalen"),
    ("incendiar", "incendien"),
    ("torturar", "torturen"),
    ("descuartizar", "descuarticen"),
    ("chancar", "chanquen"),
    ("tumbar", "tumben"),
    ("romper", "rompan"),
    ("partir", "partan"),
    ("prender", "prendan"),
)
_CLITICS = ("lo", "la", "los", "las", "le", "les")
# A call or a wish (issue #15: «hay que…», «ojalá…», «merece…», «qué lindo sería…») and harm
# (a violent verb, a weapon, death wished): each ordinary alone, together the shape of an
# impersonal or sarcastic call to violence (model.py combines them). News of violence is told
# in the past («lo mataron», «murió»), which neither list has.
_CALL_WORDS = """
ojala hay habria deberian deberia merece merecen mereceria merecerian alguien
"""
_HARM = """
muera mueran maten mate estrelle estrellen atropellen atropelle explote exploten revienten
quemen cuelguen ahorquen linchen fusilen disparen apedreen accidente accidentito soga horca
gasolina molotov cuchillo fierro sicario sicarios tiro tiros plomo bala balas paredon sangre
palos pedradas piedras fuego matar quemar colgar fusilar linchar ahorcar degollar reventar
secuestrar enterrar cortarle romperle partirle
"""
_CALLS = " ".join(
    form + clitic for verbs in _VIOLENT_VERBS for form in verbs for clitic in _CLITICS
)
_SECONDARY_MARKERS = frozenset({"lex_dano", "lex_gancho", "lex_llamado", "lex_compartir"})
LEXICON: dict[str, str] = {}
for _words, _marker in (
    (_INSULTS, "lex_insulto"),
    (_THREATS, "lex_amenaza"),
    (_CALLS, "lex_amenaza"),
    (_HARM, "lex_dano"),
    (_SPAM, "lex_spam"),
    (_SHARING, "lex_compartir"),
    (_ACTION, "lex_accion"),
    (_CONTACT, "lex_contacto"),
    (_BAIT, "lex_gancho"),
    (_CALL_WORDS, "lex_llamado"),
):
    for _word in _words.split():
        # The lists added for issue #15 (harm, bait, calls) never take a word from another.
        _forms = (
            [_word]
            if _word.endswith("s")
            else [_word, _word + ("es" if _word[-1] in "lnrzd" else "s")]
        )
        for _form in _forms:
            if _marker in _SECONDARY_MARKERS and _form in LEXICON:
                continue
            LEXICON[_form] = _marker
PHRASE_LEXICON: dict[str, str] = {
    "la mala": "lex_amenaza_frase",
    "sale vivo": "lex_amenaza_frase",
    "su merecido": "lex_amenaza_frase",
    "donde vive": "lex_amenaza_frase",
    "sabemos donde": "lex_amenaza_frase",
    "ya saben": "lex_amenaza_frase",
    "ojo abierto": "lex_amenaza_frase",
    "se acaba": "lex_amenaza_frase",
    # Calls to violence without a threat word of their own: wishes of harm, «hay que» + a
    # violent verb, «bala/paredón/plomo para…», «muerte a…» (issue #15).
    "le caiga": "lex_amenaza_frase",
    "les caiga": "lex_amenaza_frase",
    "una bomba": "lex_amenaza_frase",
    "se muera": "lex_amenaza_frase",
    "se mueran": "lex_amenaza_frase",
    "un tiro": "lex_amenaza_frase",
    "un balazo": "lex_amenaza_frase",
    "meta bala": "lex_amenaza_frase",
    "meterle bala": "lex_amenaza_frase",
    "darle plomo": "lex_amenaza_frase",
    "darles plomo": "lex_amenaza_frase",
    "ver arder": "lex_amenaza_frase",
    "bala para": "lex_amenaza_frase",
    "plomo para": "lex_amenaza_frase",
    "paredon para": "lex_amenaza_frase",
    "muerte a": "lex_amenaza_frase",
    "muerte al": "lex_amenaza_frase",
    "que matarlo": "lex_amenaza_frase",
    "que matarla": "lex_amenaza_frase",
    "que matarlos": "lex_amenaza_frase",
    "que quemarlo": "lex_amenaza_frase",
    "que quemarlos": "lex_amenaza_frase",
    "que quemarles": "lex_amenaza_frase",
    "que quemarle": "lex_amenaza_frase",
    "que colgarlo": "lex_amenaza_frase",
    "que colgarlos": "lex_amenaza_frase",
    "que fusilarlo": "lex_amenaza_frase",
    "que fusilarlos": "lex_amenaza_frase",
    "que lincharlo": "lex_amenaza_frase",
    "que lincharlos": "lex_amenaza_frase",
    "que eliminarlos": "lex_amenaza_frase",
    "hay que": "lex_llamado",
    "habria que": "lex_llamado",
    "lindo seria": "lex_llamado",
    "rico seria": "lex_llamado",
    "bonito seria": "lex_llamado",
    "una pena": "lex_llamado",
    "a ver": "lex_llamado",
    "pase algo": "lex_amenaza_frase",
    "lo maten": "lex_amenaza_frase",
    "la maten": "lex_amenaza_frase",
    "los maten": "lex_amenaza_frase",
    "le disparen": "lex_amenaza_frase",
    "lo cuelguen": "lex_amenaza_frase",
    "los cuelguen": "lex_amenaza_frase",
    "lo fusilen": "lex_amenaza_frase",
    "los fusilen": "lex_amenaza_frase",
    "lo quemen": "lex_amenaza_frase",
    "los quemen": "lex_amenaza_frase",
    "lo linchen": "lex_amenaza_frase",
    "a pedradas": "lex_amenaza_frase",
    "a balazos": "lex_amenaza_frase",
    "a tiros": "lex_amenaza_frase",
    "a machetazos": "lex_amenaza_frase",
    "darle piso": "lex_amenaza_frase",
    "darle cuello": "lex_amenaza_frase",
    "prenderle fuego": "lex_amenaza_frase",
    "prenderles fuego": "lex_amenaza_frase",
    "con sangre": "lex_amenaza_frase",
    "que arda": "lex_amenaza_frase",
    "que ardan": "lex_amenaza_frase",
    "vas a": "lex_futuro",
    "van a": "lex_futuro",
    "vamos a": "lex_futuro",
    "se van": "lex_futuro",
    "gana dinero": "lex_spam",
    "ganar dinero": "lex_spam",
    "desde casa": "lex_spam",
    "sin aval": "lex_spam",
    "mala suerte": "lex_spam",
    "haz clic": "lex_spam",
    "cobra tu": "lex_spam",
    "al privado": "lex_spam",
    "por privado": "lex_spam",
    "mensaje directo": "lex_spam",
    "llama ya": "lex_spam",
    "llamanos ya": "lex_spam",
    "mejor precio": "lex_spam",
    "al contado": "lex_spam",
    "tu cv": "lex_spam",
    "mi pagina": "lex_spam",
    "mi tienda": "lex_spam",
    "mi negocio": "lex_spam",
    "con nosotros": "lex_spam",
    "sin experiencia": "lex_spam",
    "primera clase": "lex_spam",
    "mi canal": "lex_spam",
    "te ayudo": "lex_spam",
    "te ensenamos": "lex_spam",
    "te enseno": "lex_spam",
    "precio especial": "lex_spam",
    "a domicilio": "lex_spam",
    "entrega inmediata": "lex_spam",
    "mi perfil": "lex_spam",
    "por mayor": "lex_gancho",
    "no vas": "lex_gancho",
    "no creeras": "lex_gancho",
    "video completo": "lex_gancho",
    "mira esto": "lex_gancho",
    "mi bio": "lex_gancho",
    "mi numero": "lex_gancho",
    "su numero": "lex_gancho",
    "pregunten por": "lex_gancho",
    "bajar de": "lex_gancho",
    "trabaja desde": "lex_gancho",
    "el primero": "lex_gancho",
    "reclama tu": "lex_accion",
    "reclama aqui": "lex_accion",
    "reclamalo aqui": "lex_accion",
    "ingresa aqui": "lex_accion",
    "entra aqui": "lex_accion",
    "de mierda": "lex_insulto",
    "de porqueria": "lex_insulto",
    "de pacotilla": "lex_insulto",
    "bola de": "lex_insulto",
    "pechos frios": "lex_insulto",
    "son unos": "lex_dirigido",
    "son una": "lex_dirigido",
    "eres un": "lex_dirigido",
    "eres una": "lex_dirigido",
    "los del": "lex_dirigido",
    "este alcalde": "lex_dirigido",
    "ese alcalde": "lex_dirigido",
}
_PHRASE_STARTS = frozenset(phrase.split()[0] for phrase in PHRASE_LEXICON)
_LEXICON_WORDS = frozenset(LEXICON)
_PHRASE_SET = frozenset(PHRASE_LEXICON)
