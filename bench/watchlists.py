"""Benchmark of watch-list matching: messages/s matched against 50 lists of 20 terms each.

The messages are the texts of the shipped corpus (``agora/language/corpus/*.jsonl``) repeated
until there are 50,000; the 1,000 terms are words and two-word phrases drawn (with a fixed seed)
from the corpus vocabulary, with some AND / NOT queries, so that lists really match. Measured:
``Matcher.match_texts`` (normalisation included: accents, case, elongations, leetspeak), in
batches of 1,000 as ingestion does. Baseline, same run, same texts and terms: plain substring
search (``term in text.lower()`` for the 1,000 terms), which ignores accents, phrases and
operators.

    .venv/bin/python bench/watchlists.py [--messages 50000] [--lists 50] [--terms 20]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

BATCH = 1_000


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = common.argument_parser(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--messages", type=int, default=50_000, help="por defecto %(default)s")
    parser.add_argument("--lists", type=int, default=50, help="por defecto %(default)s")
    parser.add_argument("--terms", type=int, default=20, help="por defecto %(default)s")
    return parser.parse_args(argv)


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def _vocabulary(texts: list[str]) -> tuple[list[str], list[str]]:
    words: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for text in texts:
        tokens = re.findall(r"[a-záéíóúñü]{4,}", text.lower())
        words.update(tokens)
        pairs.update(f"{a} {b}" for a, b in pairwise(tokens))
    # Skip the commonest words (they would match everything), keep a long tail.
    common_words = [w for w, _n in words.most_common()][40:3000]
    common_pairs = [p for p, n in pairs.most_common(2000) if n > 1]
    return common_words, common_pairs


def _lists(words: list[str], pairs: list[str], lists: int, terms: int) -> list[list[str]]:
    rng = random.Random(7)
    result: list[list[str]] = []
    for _index in range(lists):
        queries: list[str] = []
        for slot in range(terms):
            if slot % 10 == 3 and pairs:
                queries.append('"' + rng.choice(pairs) + '"')
            elif slot % 10 == 7:
                queries.append(
                    f"{rng.choice(words)} AND ({rng.choice(words)} OR {rng.choice(words)})"
                )
            elif slot % 10 == 9:
                queries.append(f"{rng.choice(words)} NOT {rng.choice(words)}")
            else:
                queries.append(rng.choice(words))
        result.append(queries)
    return result


def _plain_terms(queries: list[str]) -> list[str]:
    """The bare words and phrases of the queries, for the substring baseline."""
    terms: list[str] = []
    for query in queries:
        for part in re.findall(r'"([^"]+)"|(\S+)', query):
            term = part[0] or part[1]
            if term not in ("AND", "OR", "NOT") and term.strip("()"):
                terms.append(term.strip("()").lower())
    return terms


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    print("== lenguaje: listas de vigilancia ==", flush=True)
    print(common.machine_line(), flush=True)
    common.BENCH_VAR.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="watchlists-", dir=common.BENCH_VAR))
    previous_var = os.environ.get("AGORA_VAR_DIR")
    os.environ["AGORA_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings")
    try:
        import django

        django.setup()
        from agora.language import model as classifier
        from agora.language.watchlists import CompiledList, Matcher

        texts = [e.text for path in classifier.corpus_paths() for e in classifier.read_corpus(path)]
        if not texts:
            print("ERROR: no hay corpus en agora/language/corpus/")
            return 1
        words, pairs = _vocabulary(texts)
        lists = _lists(words, pairs, args.lists, args.terms)
        sample = (texts * (args.messages // len(texts) + 1))[: args.messages]
        entity_ids = [1 + n % 7 for n in range(len(sample))]

        started = time.perf_counter()
        compiled = [
            CompiledList.build(
                id=n + 1,
                entity_id=None if n % 5 == 0 else 1 + n % 7,
                name=f"l{n}",
                text="\n".join(q),
            )
            for n, q in enumerate(lists)
        ]
        matcher = Matcher(compiled)
        compile_ms = (time.perf_counter() - started) * 1000
        print(
            f"datos: {_number(len(sample))} mensajes ({len(texts)} textos del corpus repetidos), "
            f"{args.lists} listas × {args.terms} consultas (palabras, frases, AND/OR/NOT); "
            f"compilación {compile_ms:.1f} ms",
            flush=True,
        )
        matcher.match_texts(sample[:BATCH], entity_ids[:BATCH])  # warm-up

        started = time.perf_counter()
        matches = 0
        for start in range(0, len(sample), BATCH):
            found = matcher.match_texts(
                sample[start : start + BATCH], entity_ids[start : start + BATCH]
            )
            matches += sum(len(f) for f in found)
        seconds = time.perf_counter() - started

        plain = [_plain_terms(q) for q in lists]
        flat = [t for terms in plain for t in terms]
        started = time.perf_counter()
        baseline_hits = 0
        for text in sample:
            lowered = text.lower()
            for term in flat:
                if term in lowered:
                    baseline_hits += 1
        baseline_seconds = time.perf_counter() - started

        rate = len(sample) / seconds
        baseline_rate = len(sample) / baseline_seconds
        print(
            f"listas de vigilancia: {seconds:.2f} s = {_number(rate)} msg/s "
            f"({_number(matches)} coincidencias lista-mensaje)"
        )
        print(
            f"referencia: búsqueda simple de subcadenas ({len(flat)} términos, sin tildes ni "
            f"frases ni operadores) {baseline_seconds:.2f} s = {_number(baseline_rate)} msg/s "
            f"({_number(baseline_hits)} apariciones); proporción {rate / baseline_rate:.2f}"
        )
        return 0
    finally:
        if previous_var is None:
            os.environ.pop("AGORA_VAR_DIR", None)
        else:
            os.environ["AGORA_VAR_DIR"] = previous_var
        if args.keep:
            print(f"directorio conservado en {var_dir}", file=sys.stderr)
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
