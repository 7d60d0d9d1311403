#!/usr/bin/env python3
"""Django 5.2's RedisCache (redis-py) on a Redis server, measured like `locmem bench --redis` measures RedisCache.

    python3 Benchmarks/django_redis_bench.py --url redis://127.0.0.1:6379/0           # table
    python3 Benchmarks/django_redis_bench.py --url redis://127.0.0.1:6379/0 --json    # what locmem bench reads

Uses Benchmarks/.venv (as django_bench.py does) and installs django==5.2.19 and redis==5.2.1 into it
(from PyPI) on first use. Keys are written under the prefix `django-redis-bench` only.

Cases, one operation in flight (one connection, as `redis-benchmark -c 1 -P 1`):
  get hit      cache.get of one of 1,024 keys holding a small str
  set          cache.set of a small str, timeout 300
  incr         cache.incr of an int key
  getMany 100  cache.get_many of 100 keys (one MGET)
Timing, statistics and the JSON rows are django_bench.py's.
"""

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import django_bench as base  # noqa: E402  (sampling, statistics, the virtual environment's place)

REQUIREMENTS = [base.DJANGO_REQUIREMENT, "redis==5.2.1"]
PREFIX = "django-redis-bench"


def log(line):
    print("django_redis_bench: " + line, file=sys.stderr, flush=True)


def ensure_venv_and_reexec():
    """Creates Benchmarks/.venv with Django and redis-py if needed, then runs this script with its Python."""
    if base.in_venv():
        return
    python = base.venv_python()
    if not os.path.exists(python):
        log("creating " + base.VENV)
        base.venv.create(base.VENV, with_pip=True)
    check = subprocess.run(
        [python, "-c", "import django, redis; print(django.get_version(), redis.__version__)"],
        capture_output=True, text=True,
    )
    if check.returncode != 0 or check.stdout.split() != [base.DJANGO_VERSION, "5.2.1"]:
        log("installing %s into %s" % (" ".join(REQUIREMENTS), base.VENV))
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + REQUIREMENTS,
            check=True, stdout=sys.stderr,
        )
    os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])


def cases(options, cache):
    count = base.KEY_COUNT
    keys = ["key:%d" % i for i in range(count)]
    mask = count - 1
    for key in keys:
        cache.set(key, "value")
    cache.set("counter", 0, timeout=None)
    many = keys[:100]
    assert cache.get(keys[1]) == "value" and len(cache.get_many(many)) == 100
    position = [0]

    def get_hit(n):
        get, p, total = cache.get, position[0], 0
        for _ in range(n):
            total += len(get(keys[p & mask]))
            p += 1
        position[0] = p
        return total

    def set_(n):
        set_value, p = cache.set, position[0]
        for _ in range(n):
            set_value(keys[p & mask], "value")
            p += 1
        position[0] = p
        return n

    def incr(n):
        increment, total = cache.incr, 0
        for _ in range(n):
            total += increment("counter")
        return total

    def get_many(n):
        get_many_, total = cache.get_many, 0
        for _ in range(n):
            total += len(get_many_(many))
        return total

    rows = []
    for name, body in [("get hit", get_hit), ("set", set_), ("incr", incr), ("getMany 100", get_many)]:
        log("redis/%s" % name)
        rows.append(base.result("redis", name, "Django RedisCache", base.measure(options, body)))
    return rows


def main():
    parser = argparse.ArgumentParser(description="Django's RedisCache, as locmem bench --redis measures RedisCache.")
    parser.add_argument("--url", required=True, help="the Redis server, redis://host:port/db")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run")
    arguments = parser.parse_args()
    ensure_venv_and_reexec()

    import django
    import redis
    from django.conf import settings

    settings.configure(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": arguments.url,
                "KEY_PREFIX": PREFIX,
                "TIMEOUT": 300,
            }
        }
    )
    django.setup()
    from django.core.cache import cache

    options = base.QUICK if arguments.quick else base.FULL
    rows = cases(options, cache)
    client = redis.Redis.from_url(arguments.url)
    for key in client.scan_iter(match=PREFIX + ":*", count=1000):
        client.unlink(key)
    output = {"python": base.platform.python_version(), "django": django.get_version(), "redis": redis.__version__,
              "results": rows}
    if arguments.json:
        print(json.dumps(output, indent=1, sort_keys=True))
    else:
        for row in rows:
            print("%-12s %10.1f µs" % (row["operation"], row["latency"]["median"] / 1000))


if __name__ == "__main__":
    main()
