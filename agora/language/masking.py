"""Personal data masked in what training keeps (issue #15, point 3): the labelling queue's copy
of a message, the examples built from staff corrections, and every text the model learns from.

``mask_for_training`` hides DNIs, phones, e-mails, plates, home addresses and handles
(``rules.mask_personal_data``, as reports and titles do) and the names of people:

* the names it is given (the author's own name, as the platform sent it), wherever they appear;
* names written in the text: after a title or a role («el doctor Juan Pérez», «la sra. maría
  quispe», «el ing. Ramos»), after «me llamo», «mi nombre es», «soy»; and runs of capitalised
  words that begin with a common first name («María Quispe Mamani», «Juan Pérez»).

Public institutions (MINSA, Ministerio de Salud, Banco de la Nación) and places (Lima, av.
Javier Prado, San Juan de Lurigancho, Jesús María) are left as they are: an institution has no
first name, a place is recognised by the word before it («av.», «hospital», «distrito de»,
«San») or is one of the places named after people. Masking errs on the side of hiding: a word
wrongly taken for a name costs the model one word; a name kept costs a person's privacy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from agora.language.rules import mask_personal_data

NAME_MARKER = "[NOMBRE]"


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Common first names of the Spanish-speaking countries (folded). A capitalised one begins a
# name («Juan Pérez»); a lower-case one is a name only after a title («el doctor juan»).
FIRST_NAMES = _word_set(
    """
    aaron abel abigail adolfo adrian adriana agustin alan alba alberto alejandra alejandro
    alex alexander alfonso alfredo alicia alonso alvaro amanda ana analia andrea andres
    angel angela angelica anibal antonia antonio armando arturo augusto aurora beatriz
    benjamin bernardo brayan brenda camila carla carlos carmen carolina catalina cecilia
    cesar claudia cristian cristina daniel daniela david diana diego dora edgar edith
    eduardo elena elias elizabeth elsa emilio enrique erick ernesto esteban estefania
    eugenia eva evelyn fabian fabiola felipe fernanda fernando flor francisco gabriel
    gabriela gerardo german gilberto gladys gonzalo graciela gregorio guadalupe guillermo
    gustavo hector hilda hugo ignacio ines irene isabel ismael ivan jaime javier jenny
    jessica joaquin jorge jose josefina juan juana julia julian julio karen karina katherine
    kevin laura leonardo leticia liliana lorena lucia luciana luis luisa lupe manuel manuela
    marcela marco marcos margarita maria mariana maribel maricela mario marisol marta martha
    martin mateo mauricio maximo melissa miguel milagros miriam monica nancy natalia nelly
    nestor nicolas norma oscar pablo pamela paola patricia pedro percy rafael ramiro ramon
    raul rebeca renato ricardo roberto rocio rodolfo rodrigo rolando ronald rosa rosario
    ruben ruth samuel sandra santiago sara sebastian sergio silvia sofia sonia susana teresa
    tomas valentina valeria vanessa veronica vicente victor victoria walter wilfredo william
    wilmer ximena yesenia yolanda zoila
    """
)
# First names that are also ordinary words or parts of institutions' names: a name only when a
# capitalised surname follows («Rosa Quispe»), never alone («Luz del Sur», «mi flor»).
_AMBIGUOUS = _word_set(
    """
    angel carmen cruz flor guadalupe luz milagros paz pilar rosa rosario sol victoria
    """
)
# Titles and roles written before a person's name (folded, without the final dot).
_TITLES = _word_set(
    """
    abogada abogado alcalde alcaldesa capitan comandante congresista coronel director
    directora doc doctor doctora don dona dr dra enfermera enfermero fiscal general gerente
    hermana hermano ing ingeniera ingeniero juez jueza lic licenciada licenciado ministra
    ministro obstetra padre prof profe profesor profesora regidor regidora sargento senor
    senora senorita sor sr sra srta suboficial tecnica tecnico teniente vecina vecino
    """
)
# Words written before a place, a street or an institution named after a person.
_PLACE_BEFORE = _word_set(
    """
    aahh asentamiento auditorio av avenida barrio biblioteca ca calle carretera caserio
    centro clinica colegio coliseo colonia comisaria cuadra departamento distrito escuela
    esquina estadio fundacion hospital ie iep instituto jiron jr liceo malecon mercado museo
    ovalo pabellon parque pasaje paseo plaza posta prol prolongacion provincia psje pueblo
    puente region sala san santa santo teatro universidad urb urbanizacion via villa
    """
)
# Places and institutions named after people (folded): kept.
_NAMED_PLACES = (
    "jesus maria",
    "villa maria",
    "san juan",
    "santa rosa",
    "ricardo palma",
    "javier prado",
    "jose galvez",
    "jose leonardo ortiz",
    "cesar vallejo",
    "francisco bolognesi",
    "miguel grau",
    "simon bolivar",
    "jose olaya",
    "tupac amaru",
    "ramon castilla",
    "alfonso ugarte",
    "jose de san martin",
    "daniel alcides carrion",
    "hipolito unanue",
    "cayetano heredia",
    "guillermo almenara",
    "edgardo rebagliati",
    "maria auxiliadora",
    "arzobispo loayza",
    "carlos monge",
)
# Words that end a name written in lower case («el dr juan perez me atendio»).
_STOP = _word_set(
    """
    a al ante atendio atiende ayer con contra de del desde dijo el ella ellos en entre era
    es esta este fue ha hace hasta hoy la las le les lo los mas me mi muy ni no nos nunca o
    para pero por que quien se si siempre sin solo su sus tambien tan te tu un una y ya
    """
)
# After these the next words are a name, whatever their case; after «soy», as after a title.
_INTRODUCERS = (("me", "llamo"), ("mi", "nombre", "es"), ("mis", "nombres", "son"))
_WEAK_INTRODUCERS = (("soy",),)
_WORD = re.compile(r"[^\W\d_]+\.?|\S", re.UNICODE)
_NAME_WORD = re.compile(r"[^\W\d_]{3,}")
_PARTICLES = frozenset({"de", "del", "la", "los", "las"})


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper() and word[1:2].islower() if len(word) > 1 else False


def _named_place_at(folded: list[str], start: int) -> int:
    """How many words of a place named after a person begin at ``start`` (0: none)."""
    for place in _NAMED_PLACES:
        parts = place.split()
        if folded[start : start + len(parts)] == parts:
            return len(parts)
    return 0


def _name_end(
    words: list[str], folded: list[str], start: int, *, after_title: bool, introduced: bool = False
) -> int:
    """Where the name beginning at ``start`` ends (``start`` when none begins there)."""
    word = words[start]
    lower_first = not _is_capitalised(word)
    if introduced:
        end = start
        while end < min(len(words), start + 3) and words[end].isalpha():
            if folded[end] in _STOP:
                break
            end += 1
        return end
    if lower_first and not (after_title and folded[start] in FIRST_NAMES):
        return start
    end = start + 1
    if lower_first:
        # «el doctor juan perez»: one more lower-case word, unless it ends the name.
        if end < len(words) and words[end].isalpha() and folded[end] not in _STOP:
            end += 1
        return end
    while end < len(words):
        if folded[end] in _TITLES:  # «Juan, Alcalde de…»: a role, not a surname
            break
        if _is_capitalised(words[end]) and folded[end].isalpha():
            end += 1
            continue
        # «María de los Ángeles», «Ana de la Cruz»: particles between capitalised words.
        look = end
        while look < len(words) and folded[look] in _PARTICLES:
            look += 1
        if (
            look > end
            and look < len(words)
            and _is_capitalised(words[look])
            and folded[look] not in _TITLES
        ):
            end = look + 1
            continue
        break
    return end


def _follows(folded: list[str], index: int, phrases: tuple[tuple[str, ...], ...]) -> bool:
    return any(
        index >= len(phrase) and tuple(folded[index - len(phrase) : index]) == phrase
        for phrase in phrases
    )


def _name_spans(text: str) -> list[tuple[int, int]]:
    matches = list(_WORD.finditer(text))
    words = [m.group().rstrip(".") or m.group() for m in matches]
    folded = [_fold(w) for w in words]
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(words):
        place = _named_place_at(folded, index)
        if place:
            index += place
            continue
        previous = folded[index - 1] if index else ""
        if folded[index] in _TITLES:  # «Señor Alcalde», «Sra. Ministra»: roles, kept
            index += 1
            continue
        after_title = previous in _TITLES
        introduced = _follows(folded, index, _INTRODUCERS)
        end = index
        if introduced:
            end = _name_end(words, folded, index, after_title=True, introduced=True)
        elif after_title or _follows(folded, index, _WEAK_INTRODUCERS):
            end = _name_end(words, folded, index, after_title=True)
        elif (
            _is_capitalised(words[index])
            and folded[index] in FIRST_NAMES
            and previous not in _PLACE_BEFORE
        ):
            end = _name_end(words, folded, index, after_title=False)
            if end == index + 1 and folded[index] in _AMBIGUOUS:
                end = index  # «Rosa» alone may be a colour, «Luz» the power company
        if end > index:
            spans.append((matches[index].start(), matches[end - 1].end()))
            index = end
        else:
            index += 1
    return spans


def mask_names(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with the words of ``names`` and the names of people it mentions replaced by
    «[NOMBRE]» (one marker per name)."""
    words = {w for name in names for w in _NAME_WORD.findall(name or "")}
    if words:
        pattern = re.compile(
            r"(?<!\w)(?:%s)(?!\w)" % "|".join(re.escape(w) for w in sorted(words, key=len)[::-1]),
            re.IGNORECASE,
        )
        text = pattern.sub(NAME_MARKER, text)
    spans = _name_spans(text)
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append(NAME_MARKER)
        last = end
    parts.append(text[last:])
    return "".join(parts)


def mask_for_training(text: str, names: Iterable[str] = ()) -> str:
    """The text as the labelling queue shows it and training keeps it: personal data
    (``rules.mask_personal_data``) and the names of people (``mask_names``; ``names``: the
    author's) masked. Masking a masked text changes nothing."""
    return mask_names(mask_personal_data(text), names)
