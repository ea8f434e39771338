"""One-stop services under load, on PostgreSQL: bundle submission, a clerk's queue, memory.

    python -m bench.bench_services [--sizes 10000,100000,1000000] [--drafts 1500]
                                   [--clients 6] [--parts queue,submit] [--keep | --reuse]

Runs against the PostgreSQL server of ``YIWANG_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/yiwang``), in a scratch database ``<name>_bench_services``
created afresh, migrated and loaded with the demo world (and 20,000 generated people). The web
application runs as ``yiwang serve --workers 2`` (gunicorn) on a free port of 127.0.0.1; the load
comes from threads in this process, each with its own session and connection. Every loop is
bounded in count and in time.

1. The clerk's queue (``amr.reviewer``, Market Regulation): the back-office page and its API
   (``GET /api/v1/tasks``), first page and the page after, with 10,000 / 100,000 / 1,000,000
   generated cases in the database (``yiwang.demo.cases``): p50 and p95 of each, one request at
   a time. Target: p50 <= 20 ms at 1,000,000 and flat from the smallest size to the largest. The
   plan of the queue query (EXPLAIN ANALYZE) is kept in the result.
2. Bundle submission: drafts of "Open a restaurant" (5 cases, 11 tasks) are prepared through the
   services beforehand; what is timed is ``POST /api/v1/applications/<id>/submit`` by
   ``--clients`` citizens at once. Target: >= 150 submissions/s with p95 <= 100 ms. Beside it, in
   alternating rounds with the same sessions, ``GET /api/v1/me``: the cheapest authenticated call,
   the floor for any API request on this machine. The whole flow over HTTP (start, answers,
   four uploads, submit) is timed too.
3. Memory: the resident size (VmRSS) of each gunicorn worker after all that. Target: <= 200 MB.

The load average is recorded at each measurement: the machine may be shared. Prints a markdown
table and writes bench/results/services.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the bench package importable
    sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    drop_database,
    free_port,
    http_status,
    markdown_table,
    proc_cpu_seconds,
    scratch_database,
    write_result,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yiwang"
SEED = 2026
PEOPLE = 20_000
BUNDLE = "open-a-restaurant"
CLERK = "amr.reviewer"
WORKERS = 2
# Requests per queue measurement, and the most time one may take.
QUEUE_REQUESTS = 200
QUEUE_SECONDS = 30.0
ROUNDS = 3
ME_REQUESTS_PER_ROUND = 1500
ROUND_SECONDS = 20.0
FLOWS = 60

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%" + b"x" * 400 + b"\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~"
    b"\x9bU\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`"
    b"\x82"
)


# --- Database and server --------------------------------------------------------------------
def setup_world() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from yiwang.demo import loader, services

    call_command("migrate", verbosity=0)
    actor = services.demo_actor()
    services.load_world(actor=actor, world=loader.read_world())
    services.load_catalogue(actor=actor)
    services.load_generated_people(actor=actor, seed=SEED, count=PEOPLE)


class Server:
    """``yiwang serve`` in its own process group, its log in the data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120.0) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # our own command
            [
                sys.executable,
                "-m",
                "yiwang.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(WORKERS),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
            start_new_session=True,
        )
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                break
            if http_status(f"{self.base}/healthz", 2) == 200 and len(self.workers()) == WORKERS:
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"yiwang serve did not start:\n{self.log_tail()}")

    def workers(self) -> list[int]:
        """The gunicorn worker processes: children of the master, which is our process."""
        if self.process is None:
            return []
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return sorted(found)

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# --- HTTP -----------------------------------------------------------------------------------
class Http:
    """One client: its own connection and cookies (session and CSRF token), like a browser.

    The connection stays open between requests while the server keeps it (threaded workers);
    when the server closes it (sync workers), it is opened again for the next request, as any
    client does.
    """

    def __init__(self, port: int, csrf_cookie: str) -> None:
        self.port = port
        self.csrf_cookie = csrf_cookie
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        sent = {"Host": f"127.0.0.1:{self.port}", "Accept": "*/*", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method != "GET" and self.csrf_cookie in self.cookies:
            sent["X-CSRFToken"] = self.cookies[self.csrf_cookie]
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                self.conn.close()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in header.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        if response.will_close:
            self.conn.close()
        return response.status, data

    def json(self, method: str, path: str, payload: Any = None, **headers: str) -> Any:
        body = json.dumps(payload) if payload is not None else None
        status, data = self.request(
            method, path, body, {"Content-Type": "application/json", **headers}
        )
        if status >= 400:
            raise RuntimeError(f"{method} {path} answered {status}: {data[:500]!r}")
        return json.loads(data) if data else None

    def login(self, path: str, username: str, password: str) -> None:
        status, page = self.request("GET", path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or match is None:
            raise RuntimeError(f"no log-in form at {path} ({status})")
        form = urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": match[1].decode()}
        )
        status, _ = self.request(
            "POST", path, form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302:
            raise RuntimeError(f"log-in of {username} at {path} answered {status}")

    def upload(self, path: str, name: str, content: bytes) -> None:
        boundary = uuid.uuid4().hex
        body = (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        status, data = self.request(
            "POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        if status != 201:
            raise RuntimeError(f"upload to {path} answered {status}: {data[:300]!r}")


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(latencies: Sequence[float], seconds: float, cpu: float | None = None) -> dict[str, Any]:
    """Rate and latencies; with ``cpu`` (the web workers' CPU seconds over the same time), the
    workers' CPU per request, which a busy machine changes far less than the latencies."""
    return {
        "server_cpu_ms": round(cpu / len(latencies) * 1000, 2) if cpu and latencies else None,
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "per_second": round(len(latencies) / seconds, 1) if seconds else None,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
    }


def run_clients(
    jobs: Sequence[Callable[[], Callable[[], bool]]], seconds: float
) -> tuple[list[float], float, list[str]]:
    """Run each job's steps in its own thread until it has none left or ``seconds`` pass.

    A job is a function returning the next step (a callable that makes one timed request and
    returns False when the job is done). Returns every latency, the wall time and the errors.
    """
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(jobs) + 1)
    deadline: list[float] = [0.0]

    def worker(job: Callable[[], Callable[[], bool]]) -> None:
        step = job()
        barrier.wait()
        mine: list[float] = []
        try:
            while time.perf_counter() < deadline[0]:
                started = time.perf_counter()
                more = step()
                mine.append(time.perf_counter() - started)
                if not more:
                    break
        except Exception as exc:  # a failed request ends this client; the error is reported
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, errors


# --- 1. The queue ---------------------------------------------------------------------------
def load_cases(count: int) -> dict[str, Any]:
    from yiwang.applications.models import Case
    from yiwang.demo import cases, services

    started = time.perf_counter()
    report = cases.load_generated_cases(
        actor=services.demo_actor(), seed=SEED, count=count, people=PEOPLE
    )
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "cases_written": report.cases,
        "tasks_written": report.tasks,
        "cases_in_database": Case.objects.count(),
    }


def explain_queue() -> dict[str, Any]:
    """EXPLAIN ANALYZE of the first slice the queue reads (the open tasks, soonest due)."""
    from django.db import connection

    from yiwang.applications import selectors
    from yiwang.applications.models import Task
    from yiwang.identity.models import Account

    clerk = Account.objects.get(username=CLERK)
    queryset = (
        selectors.tasks_for_queue(actor=clerk, status="open")
        .filter(due_date__isnull=False)
        .order_by("due_date", "pk")[:26]
    )
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    in_queue = (
        Task.objects.filter(department__code="market_regulation", role="reviewer")
        .filter(status__in=["open", "claimed"])
        .count()
    )
    execution = next((line for line in plan if line.startswith("Execution Time")), "")
    planning = next((line for line in plan if line.startswith("Planning Time")), "")
    return {
        "tasks_in_this_queue": in_queue,
        "execution": execution,
        "planning": planning,
        "plan": plan,
    }


def middle_cursor() -> str | None:
    """A cursor half-way down the clerk's queue: the page after it starts inside the longest runs
    of tasks due on the same day, which grow with the number of cases."""
    from yiwang.applications.models import Task

    queue = Task.objects.filter(
        department__code="market_regulation",
        role="reviewer",
        status="open",
        due_date__isnull=False,
    ).order_by("due_date", "id")
    count = queue.count()
    if count < 2:
        return None
    due, pk = queue.values_list("due_date", "id")[count // 2]
    return f"{due.isoformat()}_{pk}"


def measure_queue(server: Server, csrf_cookie: str, password: str) -> dict[str, Any]:
    client = Http(server.port, csrf_cookie)
    workers = server.workers()
    client.login("/backoffice/login/", CLERK, password)
    out: dict[str, Any] = {}
    # The pages to time: each first page, and the page after it (a keyset cursor).
    status, html = client.request("GET", "/backoffice/queue/")
    if status != 200:
        raise RuntimeError(f"the queue page answered {status}")
    match = re.search(rb'href="([^"]+)" rel="next"', html)
    next_page = match[1].decode().replace("&amp;", "&") if match else None
    first = client.json("GET", "/api/v1/tasks?limit=25")
    api_next = (
        f"/api/v1/tasks?limit=25&cursor={first['next_cursor']}" if first["next_cursor"] else None
    )
    middle = middle_cursor()
    targets = {
        "html_first": "/backoffice/queue/",
        "html_next": next_page,
        "html_middle": f"/backoffice/queue/?after={middle}" if middle else None,
        "api_first": "/api/v1/tasks?limit=25",
        "api_next": api_next,
        "api_middle": f"/api/v1/tasks?limit=25&cursor={middle}" if middle else None,
    }
    for label, path in targets.items():
        if path is None:
            continue
        for _ in range(10):  # warm up: templates, caches, the connection to the database
            client.request("GET", path)
        latencies: list[float] = []
        cpu = proc_cpu_seconds(*workers)
        started = time.perf_counter()
        while len(latencies) < QUEUE_REQUESTS and time.perf_counter() - started < QUEUE_SECONDS:
            t0 = time.perf_counter()
            status, _ = client.request("GET", path)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
        took = time.perf_counter() - started
        out[label] = summary(latencies, took, proc_cpu_seconds(*workers) - cpu)
    out["rows_on_first_page"] = len(first["items"])
    return out


# --- 2. Submission --------------------------------------------------------------------------
def restaurant_answers(national_id: str, n: int) -> dict[str, Any]:
    """Answers that make the bundle's five services and eleven steps apply."""
    return {
        "business_name": f"演示市第{n}号餐饮有限公司",
        "business_form": "limited_company",
        "premises_address": f"演示市云湖区湖滨路{n % 900 + 1}号",
        "business_scope": "餐饮服务；预包装食品销售",
        "registered_capital": 50,
        "legal_rep_name": "王芳",
        "legal_rep_id": national_id,
        "floor_area": 420.0,
        "hires_staff": True,
        "employee_count": 12,
        "food_category": "hot_meals",
        "seats": 80,
        "food_safety_manager": "李伟",
        "fire_commitment": True,
        "finance_contact_phone": "13800138000",
        "needs_invoices": True,
        "payroll_contact_phone": "13900139000",
    }


def _file_for(material: Any) -> tuple[str, bytes]:
    extensions = [t["extension"] for t in material.file_types]
    return ("plan.pdf", PDF) if ".pdf" in extensions else ("plan.png", PNG)


def citizens() -> list[Any]:
    from yiwang.identity.constants import AccountKind
    from yiwang.identity.models import Account

    return list(
        Account.objects.filter(kind=AccountKind.CITIZEN, person__national_id__gt="")
        .select_related("person")
        .order_by("username")
    )


def prepare_drafts(count: int, accounts: Sequence[Any]) -> dict[str, list[int]]:
    """``count`` complete drafts of the bundle, made through the services, by account."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.applications import selectors, services

    drafts: dict[str, list[int]] = {a.username: [] for a in accounts}
    for n in range(count):
        account = accounts[n % len(accounts)]
        app = services.start_application(actor=account, bundle_code=BUNDLE)
        saved = services.save_draft(
            actor=account,
            application=app,
            data=restaurant_answers(account.person.national_id, n),
        )
        if not saved.valid:
            raise RuntimeError(f"the bench's answers are not valid: {saved.errors}")
        for material in selectors.materials_required(application=saved.application):
            if material.optional:
                continue
            name, content = _file_for(material)
            services.add_upload(
                actor=account,
                application=saved.application,
                material_code=material.code,
                uploaded_file=SimpleUploadedFile(name, content),
            )
        drafts[account.username].append(app.pk)
    return drafts


def submission_shape(application_id: int) -> tuple[int, int]:
    from yiwang.applications.models import Case, Task

    return (
        Case.objects.filter(application_id=application_id).count(),
        Task.objects.filter(case__application_id=application_id).count(),
    )


def measure_submission(
    server: Server, csrf_cookie: str, password: str, drafts: dict[str, list[int]], clients: int
) -> dict[str, Any]:
    accounts = list(drafts)
    workers = server.workers()
    sessions = []
    for k in range(clients):
        client = Http(server.port, csrf_cookie)
        client.login("/login/", accounts[k % len(accounts)], password)
        sessions.append(client)
    # Each client submits drafts of its own account; drafts are split between clients of the
    # same account so that no two clients ever submit the same one.
    queues: list[list[int]] = [[] for _ in range(clients)]
    for username, ids in drafts.items():
        mine = [k for k in range(clients) if accounts[k % len(accounts)] == username]
        for i, pk in enumerate(ids):
            queues[mine[i % len(mine)]].append(pk)
    per_round = [max(1, len(q) // ROUNDS) for q in queues]

    def me_job(client: Http) -> Callable[[], Callable[[], bool]]:
        def make() -> Callable[[], bool]:
            left = [ME_REQUESTS_PER_ROUND // clients]

            def step() -> bool:
                status, _ = client.request("GET", "/api/v1/me")
                if status != 200:
                    raise RuntimeError(f"/api/v1/me answered {status}")
                left[0] -= 1
                return left[0] > 0

            return step

        return make

    def submit_job(client: Http, todo: list[int], n: int) -> Callable[[], Callable[[], bool]]:
        def make() -> Callable[[], bool]:
            mine = [todo.pop() for _ in range(min(n, len(todo)))]

            def step() -> bool:
                if not mine:
                    return False
                pk = mine.pop()
                body = client.json(
                    "POST",
                    f"/api/v1/applications/{pk}/submit",
                    None,
                    **{"Idempotency-Key": f"bench-{pk}"},
                )
                if body["status"] != "submitted":
                    raise RuntimeError(f"draft {pk} is {body['status']} after submission")
                submitted.append(pk)
                return bool(mine)

            return step

        return make

    submitted: list[int] = []
    results: dict[str, Any] = {"me": [], "submit": [], "load": []}
    me_latencies: list[float] = []
    submit_latencies: list[float] = []
    me_seconds = submit_seconds = me_cpu = submit_cpu = 0.0
    errors: list[str] = []
    for _ in range(ROUNDS):
        results["load"].append(os.getloadavg()[0])
        cpu = proc_cpu_seconds(*workers)
        lat, took, errs = run_clients([me_job(c) for c in sessions], ROUND_SECONDS)
        cpu = proc_cpu_seconds(*workers) - cpu
        me_latencies += lat
        me_seconds += took
        me_cpu += cpu
        errors += errs
        results["me"].append(summary(lat, took, cpu))
        jobs = [submit_job(c, q, n) for c, q, n in zip(sessions, queues, per_round, strict=True)]
        cpu = proc_cpu_seconds(*workers)
        lat, took, errs = run_clients(jobs, ROUND_SECONDS)
        cpu = proc_cpu_seconds(*workers) - cpu
        submit_latencies += lat
        submit_seconds += took
        submit_cpu += cpu
        errors += errs
        results["submit"].append(summary(lat, took, cpu))
    return {
        "clients": clients,
        "me": summary(me_latencies, me_seconds, me_cpu),
        "submit": summary(submit_latencies, submit_seconds, submit_cpu),
        "rounds": results,
        "errors": errors[:10],
        "submitted": submitted,
    }


def measure_flow(server: Server, csrf_cookie: str, password: str, clients: int) -> dict[str, Any]:
    """The whole application over HTTP: start, answers, uploads, submit."""
    accounts = citizens()
    workers = server.workers()
    ids = {a.username: a.person.national_id for a in accounts}
    sessions = []
    for k in range(clients):
        client = Http(server.port, csrf_cookie)
        username = accounts[k % len(accounts)].username
        client.login("/login/", username, password)
        sessions.append((client, ids[username]))
    per_client = max(1, FLOWS // clients)

    def job(client: Http, national_id: str) -> Callable[[], Callable[[], bool]]:
        def make() -> Callable[[], bool]:
            left = [per_client]

            def step() -> bool:
                app = client.json("POST", "/api/v1/applications", {"bundle": BUNDLE})
                path = f"/api/v1/applications/{app['id']}"
                draft = client.json(
                    "PATCH", f"{path}/draft", {"data": restaurant_answers(national_id, app["id"])}
                )
                for material in draft["materials"]:
                    if material["optional"] or material["upload"]:
                        continue
                    extensions = [t["extension"] for t in material["file_types"]]
                    name, content = ("a.pdf", PDF) if ".pdf" in extensions else ("a.png", PNG)
                    client.upload(f"{path}/materials/{material['code']}", name, content)
                done = client.json(
                    "POST", f"{path}/submit", None, **{"Idempotency-Key": f"flow-{app['id']}"}
                )
                if done["status"] != "submitted":
                    raise RuntimeError(f"application {app['id']} is {done['status']}")
                left[0] -= 1
                return left[0] > 0

            return step

        return make

    load = os.getloadavg()[0]
    cpu = proc_cpu_seconds(*workers)
    latencies, took, errors = run_clients([job(c, n) for c, n in sessions], 60.0)
    cpu = proc_cpu_seconds(*workers) - cpu
    return {
        "clients": clients,
        "load": load,
        **summary(latencies, took, cpu),
        "errors": errors[:10],
    }


# --- Main -----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        help="comma-separated numbers of generated cases to measure the queue at",
    )
    parser.add_argument("--drafts", type=int, default=600, help="drafts to submit")
    parser.add_argument("--clients", type=int, default=6, help="concurrent citizens")
    parser.add_argument(
        "--parts", default="queue,submit", help="which parts to run: queue, submit or both"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database a --keep run left: only missing generated cases are added",
    )
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    parts = {p.strip() for p in args.parts.split(",")}

    url = os.environ.get("YIWANG_DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"bench_services needs PostgreSQL; YIWANG_DATABASE_URL is {url!r}", file=sys.stderr)
        return 2
    scratch, admin = scratch_database(url, "bench_services", reuse=args.reuse)
    data_dir = Path(tempfile.mkdtemp(prefix="yiwang-bench-services-"))
    os.environ.update(
        {
            "YIWANG_DATABASE_URL": scratch,
            "YIWANG_DATA_DIR": str(data_dir),
            "YIWANG_PRODUCTION": "0",
            "DJANGO_SETTINGS_MODULE": "yiwang.conf.settings",
        }
    )
    print(f"scratch database: {scratch.rpartition('@')[2]}; data: {data_dir}", flush=True)
    server = Server(data_dir)
    began = time.monotonic()
    try:
        print("migrating and loading the demo world…", flush=True)
        setup_world()
        results = run(args, sizes, parts, server)
    finally:
        server.stop()
        from django.db import connections

        connections.close_all()
        if not (args.keep or args.reuse):
            drop_database(admin, scratch)
    results["total_seconds"] = round(time.monotonic() - began, 1)
    print()
    print(
        markdown_table(
            ["metric", "measured", "baseline (same run)", "target", "met"],
            [
                (m["metric"], m["measured"], m["baseline"], m["target"], m["met"])
                for m in results["metrics"]
            ],
        )
    )
    path = write_result("services", results)
    print(f"\nwritten to {path.relative_to(ROOT)} (took {results['total_seconds']:.0f} s)")
    return 0


def run(
    args: argparse.Namespace, sizes: list[int], parts: set[str], server: Server
) -> dict[str, Any]:
    from django.conf import settings

    from yiwang.demo import loader

    password = loader.read_world().password
    csrf_cookie = settings.CSRF_COOKIE_NAME
    raw: dict[str, Any] = {"workers": WORKERS, "seed": SEED, "people": PEOPLE}
    metrics: list[dict[str, Any]] = []
    server.start()
    print(f"serving on {server.base} with {WORKERS} workers", flush=True)

    if "queue" in parts:
        raw["queue"] = {}
        for size in sizes:
            print(f"loading {size:,} generated cases…", flush=True)
            loaded = load_cases(size)
            print(f"  {loaded}", flush=True)
            load = os.getloadavg()[0]
            measured = measure_queue(server, csrf_cookie, password)
            raw["queue"][size] = {
                "load_average": load,
                "loading": loaded,
                **measured,
                "explain": explain_queue(),
            }
            print(
                f"  queue at {size:,}: html p50 {measured['html_first']['p50_ms']} ms, "
                f"api p50 {measured['api_first']['p50_ms']} ms (load {load:.1f})",
                flush=True,
            )
        smallest, largest = raw["queue"][sizes[0]], raw["queue"][sizes[-1]]
        for label, name in (("html_first", "queue page (HTML)"), ("api_first", "queue API")):
            for size in sizes:
                q = raw["queue"][size]
                metrics.append(
                    {
                        "metric": f"{name}, {size:,} cases: p50 / p95",
                        "measured": f"{q[label]['p50_ms']} / {q[label]['p95_ms']} ms "
                        f"({q[label]['server_cpu_ms']} ms worker CPU)",
                        "baseline": f"{q['explain']['tasks_in_this_queue']:,} tasks in the queue; "
                        f"load {q['load_average']:.1f}",
                        "target": "p50 <= 20 ms" if size == sizes[-1] else "-",
                        "met": ("yes" if q[label]["p50_ms"] <= 20 else "no")
                        if size == sizes[-1]
                        else "",
                    }
                )
            middle = label.replace("first", "middle")
            if all(middle in raw["queue"][size] for size in sizes):
                metrics.append(
                    {
                        "metric": f"{name}, a page half-way down the queue: p50 by size",
                        "measured": " / ".join(
                            f"{raw['queue'][size][middle]['p50_ms']} ms" for size in sizes
                        ),
                        "baseline": "sizes " + " / ".join(f"{size:,}" for size in sizes),
                        "target": "flat (<= 1.5x)",
                        "met": "yes"
                        if largest[middle]["p50_ms"] <= 1.5 * smallest[middle]["p50_ms"]
                        else "no",
                    }
                )
            ratio = largest[label]["p50_ms"] / smallest[label]["p50_ms"]
            following = largest.get(label.replace("first", "next"))
            next_p50 = following["p50_ms"] if following else "-"
            metrics.append(
                {
                    "metric": f"{name}: p50 at {sizes[-1]:,} / p50 at {sizes[0]:,}",
                    "measured": f"{ratio:.2f}x",
                    "baseline": f"next page p50 at {sizes[-1]:,}: {next_p50} ms",
                    "target": "flat (<= 1.5x)",
                    "met": "yes" if ratio <= 1.5 else "no",
                }
            )

    if "submit" in parts:
        # One account per client at most: every account that has drafts has a client.
        accounts = citizens()[: args.clients]
        print(f"preparing {args.drafts:,} drafts of {BUNDLE}…", flush=True)
        started = time.perf_counter()
        drafts = prepare_drafts(args.drafts, accounts)
        raw["drafts_seconds"] = round(time.perf_counter() - started, 1)
        print(f"  {raw['drafts_seconds']} s; submitting…", flush=True)
        submission = measure_submission(server, csrf_cookie, password, drafts, args.clients)
        cases_made, tasks_made = submission_shape(submission.pop("submitted")[0])
        submission["cases_per_submission"] = cases_made
        submission["tasks_per_submission"] = tasks_made
        raw["submission"] = submission
        print("  the whole flow over HTTP…", flush=True)
        raw["flow"] = measure_flow(server, csrf_cookie, password, args.clients)
        s, me, flow = submission["submit"], submission["me"], raw["flow"]
        loads = ", ".join(f"{x:.1f}" for x in submission["rounds"]["load"])
        metrics += [
            {
                "metric": f"bundle submission ({cases_made} cases, {tasks_made} tasks), "
                f"{args.clients} clients: submissions/s",
                "measured": f"{s['per_second']}/s ({s['server_cpu_ms']} ms worker CPU each)",
                "baseline": f"GET /api/v1/me: {me['per_second']} req/s "
                f"({me['server_cpu_ms']} ms worker CPU each); load {loads}",
                "target": ">= 150/s",
                "met": "yes" if (s["per_second"] or 0) >= 150 else "no",
            },
            {
                "metric": "bundle submission: p50 / p95",
                "measured": f"{s['p50_ms']} / {s['p95_ms']} ms",
                "baseline": f"GET /api/v1/me: {me['p50_ms']} / {me['p95_ms']} ms",
                "target": "p95 <= 100 ms",
                "met": "yes" if s["p95_ms"] <= 100 else "no",
            },
            {
                "metric": "whole flow over HTTP (start, answers, uploads, submit): flows/s, p50",
                "measured": f"{flow['per_second']}/s, {flow['p50_ms']} ms",
                "baseline": f"{flow['requests']} flows; load {flow['load']:.1f}",
                "target": "-",
                "met": "",
            },
        ]
        if submission["errors"] or flow["errors"]:
            print("errors:", submission["errors"], flow["errors"], flush=True)

    workers = server.workers()
    sizes_mb = {pid: rss_mb(pid) for pid in workers}
    raw["worker_rss_mb"] = sizes_mb
    largest_rss = max((v for v in sizes_mb.values() if v is not None), default=float("nan"))
    metrics.append(
        {
            "metric": f"RSS of each gunicorn worker after the run ({len(workers)} workers)",
            "measured": ", ".join(f"{v:.0f} MB" for v in sizes_mb.values() if v is not None),
            "baseline": "-",
            "target": "<= 200 MB",
            "met": "yes" if largest_rss <= 200 else "no",
        }
    )
    return {"benchmark": "services", "metrics": metrics, "raw": raw}


if __name__ == "__main__":
    sys.exit(main())
