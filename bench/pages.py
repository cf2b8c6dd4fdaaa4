"""Benchmark: every page and the main API list, as each persona, on the national dataset.

    .venv/bin/python bench/national.py              # once: the dataset (bench/README.md)
    .venv/bin/python bench/pages.py                 # 30 requests a page, prints a table
    .venv/bin/python bench/pages.py --requests 10 --only home --explain
    .venv/bin/python bench/pages.py --requests 10 --only "child record" --profile 25
    .venv/bin/python bench/pages.py --collections   # and the garbage collector's pauses

Reads the database bench/national.py wrote (NATIONAL_DATABASE_URL, default
`homeward_scale_national`), signed in as its personas (bench.national.PERSONAS: people of
its first authority). Each page is requested in-process through Django's test Client
(sessions, middleware, the view, the template: everything but the socket), after one
warm-up request. For each page it prints the number of SQL statements, p50 and p95 of
the server time (from the request to the complete response, Django's `request_finished`;
not the garbage collection a worker does after it, decision 0025, which `--collections`
shows), the page's main query (its slowest statement) run again on its own
with the same parameters (p50 of the same number of runs), and the ratio of the page's
p50 to it. Nothing is written but sessions, access log rows, API keys, an authenticator
per persona, and once the few rows of bench/page_data.py (a strategy meeting, a panel
meeting, a place) that pages need and the generator does not write.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get(
    "NATIONAL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/homeward_scale_national"
)
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("CACHE_KEY_PREFIX", "homeward_bench_pages")
os.environ["DEBUG"] = "false"
os.environ["API_THROTTLE_RATE"] = "100000000/min"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missing.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


_WRITES = re.compile(r"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s", re.I)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def pages() -> list[tuple[str, str, str, dict]]:
    """(label, persona, url, client headers) for every page measured."""
    from django.db.models import Count

    from agencies.models import User
    from bench.national import DEFAULT_NOW, PERSONAS
    from bench.page_data import API_LISTS, page_records
    from children.models import Child
    from core.clock import add_months
    from episodes.models import Episode

    records = page_records()  # a strategy meeting, a panel meeting, a place (made once)
    worker = User.objects.get(username=PERSONAS["social_worker"])
    mine = Child.objects.filter(allocations__worker=worker, allocations__ended_at__isnull=True)
    busiest = records.busiest
    typical = mine.annotate(n=Count("episodes")).filter(n__lte=3).order_by("pk").first()
    family = busiest.family_name.split("-")[0]
    reference = (
        Episode.objects.filter(child__in=mine)
        .exclude(police_reference="")
        .values_list("police_reference", flat=True)
        .first()
    ) or "none"
    # The committee report over the 13 whole months before the dataset's "now".
    first = DEFAULT_NOW.date().replace(day=1)
    months = f"from_date={add_months(first, -13):%Y-%m-%d}"
    months += f"&to_date={first - dt.timedelta(days=1):%Y-%m-%d}"
    rows = []
    for persona in PERSONAS:
        rows.append((f"home, {persona.replace('_', ' ')}", persona, "/", {}))
    for persona in ("team_manager", "missing_coordinator"):
        rows.append(
            (f"escalation queue, {persona.replace('_', ' ')}", persona, "/escalations/", {})
        )
    for persona in ("social_worker", "missing_coordinator", "police_liaison"):
        rows.append(
            (
                f"search by family name, {persona.replace('_', ' ')}",
                persona,
                f"/children/?q={family}",
                {},
            )
        )
    rows.append(
        (
            "search by police reference, social worker",
            "social_worker",
            f"/children/?q={reference}",
            {},
        )
    )
    rows.append(("MASH triage queue", "mash_triage", "/mash/", {}))
    rows.append(
        ("unallocated children, team manager", "team_manager", "/children/unallocated/", {})
    )
    rows.append(
        ("return interviews, return officer", "return_interview_officer", "/return-interviews/", {})
    )
    rows.append(("notifications, social worker", "social_worker", "/notifications/", {}))
    n = Episode.objects.filter(child=busiest).count()
    rows.append((f"child record, {n} episodes", "social_worker", f"/children/{busiest.pk}/", {}))
    rows.append(
        (f"change history, {n} episodes", "social_worker", f"/children/{busiest.pk}/history/", {})
    )
    rows.append(("access log", "social_worker", f"/children/{busiest.pk}/access-log/", {}))
    if typical:
        n = Episode.objects.filter(child=typical).count()
        rows.append(
            (f"child record, {n} episodes", "social_worker", f"/children/{typical.pk}/", {})
        )
    rows += [
        ("episode, social worker", "social_worker", f"/episodes/{records.episode.pk}/", {}),
        (
            "return interview, return officer",
            "return_interview_officer",
            f"/return-interviews/interviews/{records.interview_id}/",
            {},
        ),
        (
            "return interview record of a child, return officer",
            "return_interview_officer",
            f"/return-interviews/children/{busiest.pk}/record/",
            {},
        ),
        (
            "strategy meeting, social worker",
            "social_worker",
            f"/meetings/strategy/{records.meeting_id}/",
            {},
        ),
        ("panels and meetings, panel member", "panel_member", "/meetings/", {}),
        (
            "panel meeting, Missing Co-ordinator",
            "missing_coordinator",
            f"/meetings/panels/{records.panel_meeting_id}/",
            {},
        ),
        (
            "reports, Missing Co-ordinator, 13 months",
            "missing_coordinator",
            f"/reports/?{months}",
            {},
        ),
        ("statutory returns, Missing Co-ordinator", "missing_coordinator", "/reports/returns/", {}),
        ("oversight lists, Missing Co-ordinator", "missing_coordinator", "/reports/oversight/", {}),
        ("place, social worker", "social_worker", f"/context/places/{records.place_id}/", {}),
        ("hotspots, Missing Co-ordinator", "missing_coordinator", "/context/hotspots/", {}),
        ("alerts, Missing Co-ordinator", "missing_coordinator", "/alerts/", {}),
        ("alerts, police liaison", "police_liaison", "/alerts/", {}),
        (
            "checks asked of us, Missing Co-ordinator",
            "missing_coordinator",
            "/episodes/safeguarding-checks/",
            {},
        ),
    ]
    for persona in ("police_liaison", "missing_coordinator"):
        rows.append(
            (
                f"API GET /api/v1/episodes/, {persona.replace('_', ' ')}",
                persona,
                "/api/v1/episodes/",
                {"api": True},
            )
        )
    # The other API lists over the large tables, as a reader of a police force's
    # children (a few thousand, across four authorities) and of a whole authority.
    for path in API_LISTS:
        for persona in ("police_liaison", "missing_coordinator"):
            rows.append(
                (
                    f"API GET /api/v1/{path}/, {persona.replace('_', ' ')}",
                    persona,
                    f"/api/v1/{path}/",
                    {"api": True},
                )
            )
    return rows


def sign_in(client, user) -> None:
    """Signed in as a person is after their code (decision 0015): a confirmed authenticator
    (made once, if the persona has none) verified in the session, as django_otp.login does."""
    from django_otp import login as verify_session
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench/pages.py", confirmed=True)
    request = type("Request", (), {"session": client.session, "user": user})()
    verify_session(request, device)
    request.session.save()


def measure(
    label: str,
    persona: str,
    url: str,
    options: dict,
    requests: int,
    explain: bool,
    profile: int = 0,
    pauses: Pauses | None = None,
    *,
    clock: ResponseClock,
) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agencies.models import User
    from api.services import create_api_key
    from bench.national import PERSONAS
    from bench.page_data import HISTORY_CONTEXT
    from core.actors import ENGINE

    user = User.objects.get(username=PERSONAS[persona])
    if options.get("api"):
        _key, secret = create_api_key(acting_user=ENGINE, user=user, name="bench/pages.py")
        client = Client(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    else:
        client = Client()
        sign_in(client, user)
    response = client.get(url)  # warm-up (and a check)
    assert response.status_code == 200, (label, url, response.status_code)
    samples = []
    queries = None
    if pauses is not None:
        pauses.clear()
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            client.get(url)
            assert clock.finished > started, (label, "no request_finished")
            samples.append((clock.finished - started) * 1000)
        queries = captured
    collected = pauses.summary(requests) if pauses is not None else {}
    assert queries is not None
    statements = [
        q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    # Queries as tests/test_scale.py counts them: every statement but BEGIN and COMMIT.
    queries_only = [q for q in statements if q["sql"].strip().upper() not in ("BEGIN", "COMMIT")]
    # Reads only, without the context pghistory puts before any statement not beginning
    # with SELECT (`SELECT set_config(...); WITH ...`, `...; INSERT ...`): a write is not
    # run again.
    reads = []
    for q in statements:
        sql = HISTORY_CONTEXT.sub("", q["sql"])
        if sql.lstrip().upper().startswith(("SELECT", "WITH")) and not _WRITES.search(sql):
            reads.append({**q, "sql": sql})
    with connection.cursor() as cursor:
        # The page's main query: the slowest of its reads, each timed again on its own
        # (the captured times are rounded to the millisecond, too coarse to choose by).
        def timed(sql: str, times: int) -> list[float]:
            taken = []
            for _ in range(times):
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                taken.append((time.perf_counter() - started) * 1000)
            return taken

        main = max(reads, key=lambda q: statistics.median(timed(q["sql"], 3)))
        raw = timed(main["sql"], requests)
        if explain:
            print(f"\n## {label}: every statement of the last request (ms)")
            for q in statements:
                print(f"{float(q['time']) * 1000:8.1f}  {q['sql'][:160]}")
            # The plans of the main query and of the other slow reads (never a write:
            # EXPLAIN ANALYZE runs the statement).
            slow = [q for q in reads if float(q["time"]) >= 0.005 and q["sql"] != main["sql"]]
            for query in [main, *slow]:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print(f"\n## {label}\n" + "\n".join(row[0] for row in cursor.fetchall()))
    if profile:
        # Where the server time goes, outside SQL: the same requests again under cProfile
        # (slower than the timed ones; compare functions with each other, not with p50).
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            client.get(url)
        profiler.disable()
        print(f"\n## {label}: cProfile of {requests} requests, by own time then cumulative")
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(profile)
        stats.sort_stats("cumulative").print_stats(profile)
    p50 = statistics.median(samples)
    raw50 = statistics.median(raw)
    return {
        "label": label,
        "statements": len(statements),
        "queries": len(queries_only),
        "p50": p50,
        "p95": percentile(samples, 0.95),
        "raw": raw50,
        "ratio": p50 / raw50 if raw50 else 0.0,
        **collected,
    }


class ResponseClock:
    """When each response was complete: Django's `request_finished`, which a WSGI server
    fires once it has written the response's last byte (the test Client, once the
    response is made), and before the work a process does after it (core.collector's
    collections, decision 0025), which the person waiting does not wait for."""

    def __init__(self) -> None:
        from django.core.signals import request_finished

        self.finished = 0.0
        # First of the receivers: the collector's is connected again after it.
        collector = request_finished.disconnect(dispatch_uid="core.collector")
        request_finished.connect(self._stamp, dispatch_uid="bench.pages.clock")
        if collector:
            from core.collector import collect_after_response

            request_finished.connect(collect_after_response, dispatch_uid="core.collector")

    def _stamp(self, **_kwargs: object) -> None:
        self.finished = time.perf_counter()


class Pauses:
    """The garbage collector's pauses over a page's timed requests (`--collections`): those
    in the middle of a request, and those after its response (core.collector), which the
    test Client's timing includes but a server's client does not wait for."""

    def __init__(self) -> None:
        import gc

        from django.core.signals import request_finished

        self.during: list[float] = []
        self.after: list[float] = []
        self._started = 0.0
        self._after_response = False
        gc.callbacks.append(self._callback)
        # The collector's receiver, wrapped to say which collections it makes.
        if request_finished.disconnect(dispatch_uid="core.collector"):
            request_finished.connect(self._collect, dispatch_uid="bench.pages.collections")

    def _collect(self, **kwargs: object) -> None:
        from core import collector

        self._after_response = True
        try:
            collector.collect_after_response(**kwargs)
        finally:
            self._after_response = False

    def _callback(self, phase: str, _info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = (time.perf_counter() - self._started) * 1000
        (self.after if self._after_response else self.during).append(pause)

    def clear(self) -> None:
        self.during.clear()
        self.after.clear()

    def summary(self, requests: int) -> dict:
        return {
            "during": (
                len(self.during),
                sum(self.during) / requests,
                max(self.during, default=0.0),
            ),
            "after": (len(self.after), sum(self.after) / requests, max(self.after, default=0.0)),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--only", default="", help="only pages whose label contains this")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each main query")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="cProfile: print the top N functions"
    )
    parser.add_argument(
        "--collections",
        action="store_true",
        help="also the garbage collector's pauses: in the middle of requests, after responses",
    )
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # As missing/wsgi.py does in each gunicorn worker once the app is loaded.
    from core.collector import tune_for_requests

    tune_for_requests()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM episodes_episode")
        episodes = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM protocol_deadline")
        deadlines = cursor.fetchone()[0]
    load = os.getloadavg()
    print(
        f"{episodes:,} episodes, {deadlines:,} deadlines; {args.requests} requests a page; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n"
    )
    # The clock first, so it stamps before the collector's receiver runs (and the
    # collections wrapper, if asked, after it).
    clock = ResponseClock()
    pauses = Pauses() if args.collections else None
    header = (
        "| page | queries (statements with BEGIN and COMMIT) | p50 | p95 "
        "| main query (raw SQL p50) | ratio |"
    )
    rule = "|---|---|---|---|---|---|"
    if pauses is not None:
        header += " collections in requests: count, ms a request, longest | after responses |"
        rule += "---|---|"
    print(header)
    print(rule)
    for label, persona, url, options in pages():
        if args.only and args.only not in label:
            continue
        row = measure(
            label,
            persona,
            url,
            options,
            args.requests,
            args.explain,
            args.profile,
            pauses,
            clock=clock,
        )
        line = (
            f"| {row['label']} | {row['queries']} ({row['statements']}) | {row['p50']:.1f} ms "
            f"| {row['p95']:.1f} ms | "
            f"{row['raw']:.1f} ms | {row['ratio']:.1f}x |"
        )
        if pauses is not None:
            for count, mean, longest in (row["during"], row["after"]):
                line += f" {count}, {mean:.1f} ms, {longest:.1f} ms |"
        print(line, flush=True)
    load = os.getloadavg()
    print(f"\nload average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
