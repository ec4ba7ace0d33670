"""Gives the Spanish catalogue a proper header (not fuzzy, UTF-8, Spanish plural rule)."""

import re
import sys
from pathlib import Path

HEADER = (
    'msgid ""\n'
    'msgstr ""\n'
    '"Project-Id-Version: agora\\n"\n'
    '"Report-Msgid-Bugs-To: gobiernoabierto@pcm.gob.pe\\n"\n'
    '"Language-Team: Ágora <gobiernoabierto@pcm.gob.pe>\\n"\n'
    '"Language: es\\n"\n'
    '"MIME-Version: 1.0\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Content-Transfer-Encoding: 8bit\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
)

path = Path(sys.argv[1])
text = path.read_text(encoding="utf-8")
body = text.split("\n\n", 1)[1]
# msgen copies the plural msgid into every form; keep the two forms Spanish needs.
body = re.sub(r'\nmsgstr\[2\] (?:".*"\n?)+', "\n", body)
path.write_text(
    "# Catálogo español de Ágora (los textos fuente ya están en español).\n" + HEADER + "\n" + body,
    encoding="utf-8",
)
