#!/usr/bin/env python3
"""Django's LocMemCache and Python's sqlite3, measured like `locmem bench` measures LocMem.

    python3 Benchmarks/django_bench.py            # table
    python3 Benchmarks/django_bench.py --json     # what `locmem bench --with-django` reads
    python3 Benchmarks/django_bench.py --quick    # seconds-long smoke run

On first use it creates Benchmarks/.venv and installs django==5.2.19 into it (from PyPI), then
re-runs itself with that environment's interpreter. Progress and pip's output go to stderr, so
stdout holds only the table or the JSON.

Cases (one thread: Django's cache is used from one thread per process, and the GIL would
serialize more):
  cache       get hit, get miss, set, getOrSet hit  on Django's LocMemCache configured as the
              Swift side configures LocMem (TIMEOUT 300, MAX_ENTRIES 10,000, CULL_FREQUENCY 3),
              1,024 keys read round-robin, a small tuple (int, float) as the value
  repository  book(id:), books(byAuthor:), topRatedBooks(limit: 10) with Python's sqlite3 on the
              same fixture rows (Fixtures/*.sql in an in-memory database), the same SQL as
              Sources/Bookstore/UncachedBookRepository.swift, rows decoded into small classes;
              and the same reads through Django's cache (cache.get_or_set) as a read-through
              repository would do them

Timing is the Swift side's: batches of operations (the batch doubles during the warm-up until
one lasts the target time), one sample = batch time / batch size, median and p99 over samples
by linear interpolation between closest ranks.
"""

import argparse
import glob
import json
import os
import platform
import subprocess
import sys
import time
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENV = os.path.join(HERE, ".venv")
DJANGO_REQUIREMENT = "django==5.2.19"
DJANGO_VERSION = "5.2.19"

KEY_COUNT = 1024
TOP_RATED_LIMIT = 10

# The same SQL as Sources/Bookstore/UncachedBookRepository.swift (enum SQL): keep them in step.
SQL_BOOK = "SELECT id, title, author_id, price_cents, published_year FROM books WHERE id = ?"
SQL_BOOKS_BY_AUTHOR = (
    "SELECT id, title, author_id, price_cents, published_year FROM books WHERE author_id = ? ORDER BY id"
)
SQL_TOP_RATED = """SELECT b.id, b.title, b.author_id, b.price_cents, b.published_year, r.average, r.review_count
FROM (SELECT book_id, AVG(rating) AS average, COUNT(*) AS review_count FROM reviews GROUP BY book_id) AS r
JOIN books AS b ON b.id = r.book_id
ORDER BY r.average DESC, r.review_count DESC, b.id ASC
LIMIT ?"""

# The Swift side's presets (Sources/LocMemBenchmarks/BenchmarkOptions.swift).
FULL = dict(warm_up=0.15, sample=0.5, min_samples=200, max_samples=20_000, target_ns=50_000, max_batch=1_000)
QUICK = dict(warm_up=0.005, sample=0.02, min_samples=5, max_samples=2_000, target_ns=20_000, max_batch=200)


def log(line):
    print("django_bench: " + line, file=sys.stderr, flush=True)


# MARK: - Virtual environment


def venv_python():
    return os.path.join(VENV, "bin", "python")


def in_venv():
    return os.path.realpath(sys.prefix) == os.path.realpath(VENV)


def ensure_venv_and_reexec():
    """Creates Benchmarks/.venv with Django if needed, then runs this script with its Python."""
    if in_venv():
        return
    python = venv_python()
    if not os.path.exists(python):
        log("creating " + VENV)
        venv.create(VENV, with_pip=True)
    check = subprocess.run(
        [python, "-c", "import django; print(django.get_version())"], capture_output=True, text=True
    )
    if check.returncode != 0 or check.stdout.strip() != DJANGO_VERSION:
        log("installing %s into %s" % (DJANGO_REQUIREMENT, VENV))
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", DJANGO_REQUIREMENT],
            check=True, stdout=sys.stderr,
        )
    os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])


# MARK: - Statistics (as LatencyStatistics.swift)


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    rank = min(max(p, 0.0), 100.0) / 100.0 * (len(sorted_values) - 1)
    lower = int(rank)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (rank - lower)


def statistics(samples):
    values = sorted(samples)
    return {
        "samples": len(values),
        "median": percentile(values, 50),
        "p99": percentile(values, 99),
        "mean": sum(values) / len(values) if values else 0.0,
        "min": values[0] if values else 0.0,
        "max": values[-1] if values else 0.0,
    }


# MARK: - Sampling (as Sampler.swift)


def measure(options, body):
    """body(n) runs the operation n times and returns a checksum."""
    clock = time.perf_counter_ns
    checksum = 0
    batch = 1
    end = clock() + int(options["warm_up"] * 1e9)
    while True:
        start = clock()
        checksum += body(batch)
        now = clock()
        if now - start < options["target_ns"] and batch < options["max_batch"]:
            batch = min(batch * 2, options["max_batch"])
        if now >= end:
            break
    samples = []
    duration = int(options["sample"] * 1e9)
    start = clock()
    last = start
    while len(samples) < options["max_samples"]:
        checksum += body(batch)
        now = clock()
        samples.append((now - last) / batch)
        last = now
        if len(samples) >= options["min_samples"] and now - start >= duration:
            break
    operations = len(samples) * batch
    seconds = (last - start) / 1e9
    return samples, operations, batch, seconds, checksum


def result(group, operation, implementation, measured):
    samples, operations, batch, seconds, _ = measured
    return {
        "group": group,
        "operation": operation,
        "implementation": implementation,
        "threads": 1,
        "batchSize": batch,
        "latency": statistics(samples),
        "operationsPerSecond": operations / seconds if seconds > 0 else 0.0,
        "operations": operations,
    }


# MARK: - Cases


class Book:
    __slots__ = ("id", "title", "author_id", "price_cents", "published_year")

    def __init__(self, row):
        self.id, self.title, self.author_id, self.price_cents, self.published_year = row[:5]


class BookRating:
    __slots__ = ("book", "average_rating", "review_count")

    def __init__(self, row):
        self.book = Book(row)
        self.average_rating = row[5]
        self.review_count = row[6]


def cache_cases(options, cache):
    keys = ["key:%d" % i for i in range(KEY_COUNT)]
    absent = ["absent:%d" % i for i in range(KEY_COUNT)]
    mask = KEY_COUNT - 1
    for i, key in enumerate(keys):
        cache.set(key, (i, 1.0))
    assert cache.get(keys[1]) == (1, 1.0) and cache.get(absent[1]) is None
    position = [0]

    def get_hit(n):
        get, p, total = cache.get, position[0], 0
        for _ in range(n):
            total += get(keys[p & mask])[0]
            p += 1
        position[0] = p
        return total

    def get_miss(n):
        get, p, total = cache.get, position[0], 0
        for _ in range(n):
            if get(absent[p & mask]) is None:
                total += 1
            p += 1
        position[0] = p
        return total

    def set_(n):
        set_value, p = cache.set, position[0]
        for _ in range(n):
            set_value(keys[p & mask], (p & mask, 2.0))
            p += 1
        position[0] = p
        return p

    def load():
        raise AssertionError("get_or_set hit ran its default")

    def get_or_set_hit(n):
        get_or_set, p, total = cache.get_or_set, position[0], 0
        for _ in range(n):
            total += get_or_set(keys[p & mask], load)[0]
            p += 1
        position[0] = p
        return total

    implementation = "Django LocMemCache"
    results = []
    for operation, body in [("get hit", get_hit), ("get miss", get_miss), ("set", set_),
                            ("getOrSet hit", get_or_set_hit)]:
        log("cache: %s, %s" % (operation, implementation))
        results.append(result("cache", operation, implementation, measure(options, body)))
    return results


def load_fixtures():
    import sqlite3
    connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    files = sorted(glob.glob(os.path.join(ROOT, "Fixtures", "*.sql")))
    if not files:
        raise SystemExit("django_bench: no Fixtures/*.sql under " + ROOT)
    script = "".join(open(path, encoding="utf-8").read() + "\n" for path in files)
    connection.executescript("BEGIN;\n" + script + "\nCOMMIT;")
    return connection


def repository_cases(options, cache):
    connection = load_fixtures()
    book_ids = list(range(1, 1025))
    author_ids = list(range(1, 129))

    # Python's sqlite3 keeps prepared statements in a per-connection cache, so each read reuses
    # its statement, as SQLiteStore's statement cache does on the Swift side.
    def book(book_id):
        row = connection.execute(SQL_BOOK, (book_id,)).fetchone()
        return Book(row) if row is not None else None

    def books_by_author(author_id):
        return [Book(row) for row in connection.execute(SQL_BOOKS_BY_AUTHOR, (author_id,))]

    def top_rated(limit):
        return [BookRating(row) for row in connection.execute(SQL_TOP_RATED, (limit,))]

    # A read-through repository on Django's cache, as BookRepository is on LocMem.
    def cached_book(book_id):
        return cache.get_or_set("book:%d" % book_id, lambda: book(book_id), 300)

    def cached_books_by_author(author_id):
        return cache.get_or_set("books-by-author:%d" % author_id, lambda: books_by_author(author_id), 300)

    def cached_top_rated(limit):
        return cache.get_or_set("top-rated:%d" % limit, lambda: top_rated(limit), 300)

    assert book(1) is not None and len(top_rated(TOP_RATED_LIMIT)) == TOP_RATED_LIMIT
    position = [0]

    def over(read, ids):
        mask = len(ids) - 1

        def body(n):
            p, total = position[0], 0
            for _ in range(n):
                value = read(ids[p & mask])
                total += 1 if value is not None else 0
                p += 1
            position[0] = p
            return total

        return body

    def repeat(read):
        def body(n):
            total = 0
            for _ in range(n):
                total += len(read(TOP_RATED_LIMIT))
            return total

        return body

    cases = [
        ("book(id:)", over(book, book_ids), over(cached_book, book_ids)),
        ("books(byAuthor:)", over(books_by_author, author_ids), over(cached_books_by_author, author_ids)),
        ("topRatedBooks(limit: %d)" % TOP_RATED_LIMIT, repeat(top_rated), repeat(cached_top_rated)),
    ]
    results = []
    for operation, uncached, cached in cases:
        log("repository: %s, Python sqlite3" % operation)
        results.append(result("repository", operation, "Python sqlite3", measure(options, uncached)))
        log("repository: %s, Django LocMemCache (cached)" % operation)
        cached(KEY_COUNT)  # fill the cache first: every timed read is a hit
        results.append(result("repository", operation, "Django LocMemCache (cached)", measure(options, cached)))
    return results


# MARK: - Output


def format_latency(ns):
    for limit, divisor, unit in [(1e3, 1, "ns"), (1e6, 1e3, "µs"), (1e9, 1e6, "ms")]:
        if ns < limit:
            value = ns / divisor
            break
    else:
        value, unit = ns / 1e9, "s"
    digits = 0 if value >= 100 else 1 if value >= 10 else 2 if value >= 1 else 3
    return "%.*f %s" % (digits, value, unit)


def format_ratio(value):
    if value >= 100:
        return "{:,}x".format(int(round(value)))
    digits = 0 if value >= 100 else 1 if value >= 10 else 2 if value >= 1 else 3
    return "%.*fx" % (digits, value)


def table(report):
    columns = [(26, "<"), (28, "<"), (7, ">"), (10, ">"), (10, ">"), (14, ">"), (16, ">")]

    def row(cells):
        padded = (("{:%s%d}" % (align, width)).format(cell) for cell, (width, align) in zip(cells, columns))
        return " ".join(padded).rstrip()

    lines = [
        "Django benchmark" + (" (--quick smoke run: too few samples to compare)" if report["quick"] else ""),
        "  machine  %s, %d cores" % (report["cpu"], os.cpu_count() or 0),
        "  python   %s, Django %s, SQLite %s" % (report["python"], report["django"], report["sqlite"]),
        "  load     %s (1, 5, 15 min averages at start)" % report["load"],
    ]
    results = report["results"]
    for group, title in [("repository", "Repository reads"), ("cache", "Cache operations")]:
        lines.append("")
        lines.append(row([title, "implementation", "threads", "median", "p99", "ops/s", "speed-up"]))
        for r in results:
            if r["group"] != group:
                continue
            speed_up = ""
            if r["implementation"].endswith("(cached)"):
                for base in results:
                    if base["operation"] == r["operation"] and base["implementation"] == "Python sqlite3":
                        speed_up = format_ratio(base["latency"]["median"] / r["latency"]["median"])
            lines.append(row([
                r["operation"], r["implementation"], str(r["threads"]), format_latency(r["latency"]["median"]),
                format_latency(r["latency"]["p99"]), "{:,}".format(int(round(r["operationsPerSecond"]))), speed_up,
            ]))
    lines.append("")
    lines.append("speed-up: Python sqlite3 median / Django-cached median. Samples are batch means (see the "
                 "module docstring).")
    return "\n".join(lines)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    parser = argparse.ArgumentParser(description="Django's LocMemCache and Python's sqlite3, as locmem bench.")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run")
    arguments = parser.parse_args()
    ensure_venv_and_reexec()

    import sqlite3

    import django
    from django.conf import settings

    settings.configure(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "locmem-bench",
                "TIMEOUT": 300,
                "OPTIONS": {"MAX_ENTRIES": 10_000, "CULL_FREQUENCY": 3},
            }
        },
        USE_TZ=True,
    )
    django.setup()
    from django.core.cache import caches

    options = QUICK if arguments.quick else FULL
    try:
        load = " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        load = "unknown"
    cache = caches["default"]
    cache.clear()
    results = repository_cases(options, cache)
    cache.clear()
    results += cache_cases(options, cache)
    cache.clear()
    report = {
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpu": cpu_model(),
        "load": load,
        "quick": arguments.quick,
        "results": results,
    }
    print(json.dumps(report, indent=2) if arguments.json else table(report))


if __name__ == "__main__":
    main()
