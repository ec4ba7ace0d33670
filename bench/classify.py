"""Benchmark of the classify path: ``classify_texts`` on 100,000 messages in one process.

The texts are those of the shipped corpus (``agora/language/corpus/*.jsonl``) repeated until
there are 100,000, classified in batches of 5,000 by the model trained on the corpus (trained
in this run, in a temporary var directory, so the user's models are untouched). The baseline, in
the same run and over the same texts: the normalisation alone, and a plain ``str.lower()``
pass. Target: ≥ 20,000 messages/s.

Repeated texts repeat their words, and the classifier remembers the score of each word it has
seen; a second figure adds to every message one word never seen before (the worst case for
that memory: real traffic brings a few new words per thousand).

    .venv/bin/python bench/classify.py [--messages 100000] [--batch 5000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

TARGET_RATE = 20_000


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = common.argument_parser(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--messages", type=int, default=100_000, help="por defecto %(default)s")
    parser.add_argument("--batch", type=int, default=5_000, help="por defecto %(default)s")
    return parser.parse_args(argv)


def _rate(count: int, seconds: float) -> str:
    return common_number(count / seconds if seconds else 0.0)


def _letters(number: int) -> str:
    """A made-up word for ``number``, letters only (a digit would turn it into a figure)."""
    word = ""
    while True:
        number, rest = divmod(number, 26)
        word += "abcdefghijklmnopqrstuvwxyz"[rest]
        if not number:
            return word + "q"


def common_number(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    print("== lenguaje: clasificación de mensajes ==", flush=True)
    print(common.machine_line(), flush=True)
    common.BENCH_VAR.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="classify-", dir=common.BENCH_VAR))
    previous_var = os.environ.get("AGORA_VAR_DIR")
    os.environ["AGORA_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings")
    try:
        import django

        django.setup()
        from django.conf import settings

        from agora.language import model as classifier
        from agora.language.normalize import normalize

        settings.VAR_DIR = var_dir
        paths = classifier.corpus_paths()
        texts = [e.text for path in paths for e in classifier.read_corpus(path)]
        if not texts:
            print("ERROR: no hay corpus en agora/language/corpus/")
            return 1
        started = time.perf_counter()
        trained = classifier.train(paths)
        train_seconds = time.perf_counter() - started
        sample = (texts * (args.messages // len(texts) + 1))[: args.messages]
        mean = sum(map(len, sample)) / len(sample)
        print(
            f"datos: {common_number(len(sample))} mensajes ({len(texts)} textos del corpus "
            f"repetidos, {mean:.0f} caracteres de media), lotes de {common_number(args.batch)}; "
            f"modelo {trained.version} entrenado en {train_seconds:.1f} s",
            flush=True,
        )
        trained.classify_texts(sample[:1000])  # warm-up: caches of the vectoriser

        started, cpu = time.perf_counter(), time.process_time()
        results = trained.classify_texts(sample, batch=args.batch)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if len(results) != len(sample):
            print(f"ERROR: {len(results)} resultados para {len(sample)} mensajes")
            return 1

        started = time.perf_counter()
        for text in sample:
            normalize(text[: classifier.MAX_MODEL_CHARS])
        normalize_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for text in sample:
            text.lower()
        lower_seconds = time.perf_counter() - started

        unseen = [f"{text} palabra{_letters(index)}" for index, text in enumerate(sample)]
        started_unseen = time.perf_counter()
        unseen_results = trained.classify_texts(unseen, batch=args.batch)
        unseen_seconds = time.perf_counter() - started_unseen
        if len(unseen_results) != len(unseen):
            print(f"ERROR: {len(unseen_results)} resultados para {len(unseen)} mensajes")
            return 1

        rate = len(sample) / seconds
        print(
            f"clasificación: {seconds:.2f} s = {_rate(len(sample), seconds)} msg/s "
            f"(CPU del proceso {cpu:.2f} s = {_rate(len(sample), cpu)} msg/s)"
        )
        print(
            f"referencias: solo normalización {normalize_seconds:.2f} s = "
            f"{_rate(len(sample), normalize_seconds)} msg/s (proporción "
            f"{(len(sample) / seconds) / (len(sample) / normalize_seconds):.2f}); "
            f"str.lower() {lower_seconds:.3f} s = {_rate(len(sample), lower_seconds)} msg/s "
            f"(proporción {lower_seconds / seconds:.4f})"
        )
        print(
            f"con una palabra nueva en cada mensaje: {unseen_seconds:.2f} s = "
            f"{_rate(len(unseen), unseen_seconds)} msg/s"
        )
        ok = rate >= TARGET_RATE
        print(
            f"objetivo: ≥ {common_number(TARGET_RATE)} msg/s en un proceso → "
            + ("cumple" if ok else "NO cumple")
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
