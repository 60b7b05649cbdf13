"""Mixed roles of the demo network against one portal, plus a cross-tenant checker.

Run through ``python -m tests.bench.load`` (``make bench-load``), which seeds the database, serves the
app under gunicorn and passes the checker's targets in ``RETE_LOAD_TARGETS``. Antenna operators of
Novara and CISA 24 refer people; the node's coordinators take referrals in charge; providers log
deliveries; an antenna admin and the budget officer look at their dashboards. The checker is logged in
at a third antenna (Arona), which nobody else uses during the run, and asks for other tenants' objects
by id: any 200 on an object that is not Arona's is a finding.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
from datetime import date

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("RETE_LOAD_PASSWORD", "Rete-demo-2026!")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY_RE = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')
DETAIL_RE = re.compile(r'href="/segnalazioni/(\d+)"')
ORDER_RE = re.compile(r'href="/budget/ordini/(\d+)"')
TARGETS = json.loads(os.environ.get("RETE_LOAD_TARGETS", "{}") or "{}")

RESULTS = {"server_errors": 0, "cross_tenant": [], "probes": 0, "canary": None}


@events.request.add_listener
def _count_server_errors(response=None, **_):
    if response is not None and getattr(response, "status_code", 0) >= 500:
        RESULTS["server_errors"] += 1


@events.quitting.add_listener
def _write_summary(environment, **_):
    path = os.environ.get("RETE_LOAD_SUMMARY")
    if not path:
        return
    total = environment.stats.total
    slowest = sorted(environment.stats.entries.values(), key=lambda e: -e.get_response_time_percentile(0.95))[:8]
    # Logging in (argon2, on purpose slow) happens once per user at the start: the work's p95 leaves it out.
    work = {}
    for entry in environment.stats.entries.values():
        if not entry.name.startswith("/accesso"):
            for ms, count in entry.response_times.items():
                work[ms] = work.get(ms, 0) + count
    summary = {
        "work_p95_ms": _percentile(work, 0.95),
        "requests": total.num_requests, "failures": total.num_failures, "rps": total.total_rps,
        "p50_ms": total.get_response_time_percentile(0.5), "p95_ms": total.get_response_time_percentile(0.95),
        "p99_ms": total.get_response_time_percentile(0.99), "server_errors": RESULTS["server_errors"],
        "cross_tenant_probes": RESULTS["probes"], "checker_sees_own": RESULTS["canary"], "cross_tenant_findings": RESULTS["cross_tenant"],
        "slowest": [(f"{e.method} {e.name}", e.num_requests, e.get_response_time_percentile(0.95)) for e in slowest],
    }
    with open(path, "w") as f:
        json.dump(summary, f, indent=2)


def _percentile(histogram: dict, fraction: float) -> float:
    wanted, seen = fraction * sum(histogram.values()), 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen >= wanted:
            return ms
    return 0


class Portal(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    accounts: list[str] = []
    _next = None

    def on_start(self):
        cls = type(self)
        if cls._next is None:
            cls._next = itertools.cycle(cls.accounts)
        self.email = next(cls._next)
        page = self.client.get("/accesso", name="/accesso")
        response = self.client.post("/accesso", name="/accesso [POST]", allow_redirects=False, data={
            "email": self.email, "password": PASSWORD, "csrf_token": CSRF_RE.search(page.text).group(1)})
        if response.status_code != 302:
            raise RuntimeError(f"login of {self.email} failed: {response.status_code}")

    def post_form(self, path: str, data: dict, name: str, page_text: str):
        token = CSRF_RE.search(page_text)
        if token is None:
            return None
        return self.client.post(path, data={**data, "csrf_token": token.group(1)}, name=name, allow_redirects=False)


class AntennaOperator(Portal):
    weight = 6
    accounts = ["operatore@comune-novara.example", "operatore@cisa24.example"]

    def on_start(self):
        super().on_start()
        self.mine: list[int] = []

    @task(3)
    def refer(self):
        page = self.client.get("/segnalazioni/nuova", name="/segnalazioni/nuova")
        key = KEY_RE.search(page.text)
        if key is None:
            return
        n = random.randrange(10**6)
        data = {
            "first_name": f"Carico{n}", "last_name": "Prova", "tax_code": "", "birth_year": "1990",
            "contact": "333 0000000", "gender": "female", "citizenship_group": "non_eu", "disability": "no",
            "labour_status": "unemployed", "education_level": "isced_3_4", "grounds": ["ethnicity"],
            "context": "housing", "urgency": "normal", "situation": "Situazione di prova del test di carico.",
            "needs": "Orientamento.", "availability": "Mattine", "consent": "y", "consent_notice_version": "2026-01",
            "consent_date": date.today().isoformat(), "action": "submit", "submission_key": key.group(1),
        }
        response = self.post_form("/segnalazioni/nuova", data, "/segnalazioni/nuova [POST]", page.text)
        if response is not None and response.status_code == 302:
            found = re.search(r"/segnalazioni/(\d+)$", response.headers.get("Location", ""))
            if found:
                self.mine.append(int(found.group(1)))

    @task(2)
    def referrals(self):
        self.client.get("/segnalazioni/", name="/segnalazioni/")

    @task(1)
    def one_of_mine(self):
        if self.mine:
            self.client.get(f"/segnalazioni/{random.choice(self.mine)}", name="/segnalazioni/[id]")

    @task(1)
    def home(self):
        self.client.get("/", name="/")


class NodeCoordinator(Portal):
    weight = 2
    accounts = ["coordinatrice@nodo.novara.example", "casemanager@nodo.novara.example"]

    @task(3)
    def decide(self):
        inbox = self.client.get("/segnalazioni/?stato=submitted", name="/segnalazioni/?stato=submitted")
        ids = DETAIL_RE.findall(inbox.text)
        if not ids:
            return
        referral_id = random.choice(ids)
        page = self.client.get(f"/segnalazioni/{referral_id}", name="/segnalazioni/[id]")
        form = re.search(rf'action="/segnalazioni/{referral_id}/stato/accept(?:#[^"]*)?".*?</form>', page.text, re.S)
        if form is None:  # a case worker may not decide, or someone else just did
            return
        version = re.search(r'name="version"[^>]*value="(\d+)"', form.group(0))
        worker = re.search(r'<option[^>]*value="(\d+)"', form.group(0))
        if version and worker:
            with self.client.post(f"/segnalazioni/{referral_id}/stato/accept", name="/segnalazioni/[id]/stato/accept",
                                  data={"csrf_token": CSRF_RE.search(form.group(0)).group(1), "version": version.group(1),
                                        "case_worker_id": worker.group(1)},
                                  allow_redirects=False, catch_response=True) as response:
                if response.status_code in (200, 302, 409):  # 409: another coordinator decided first
                    response.success()

    @task(1)
    def dashboard(self):
        self.client.get("/monitoraggio/", name="/monitoraggio/")

    @task(1)
    def cases(self):
        self.client.get("/casi/", name="/casi/")


class Provider(Portal):
    weight = 2
    accounts = ["operatrice@coop-esempio.example"]

    @task(2)
    def log_delivery(self):
        orders = self.client.get("/budget/ordini", name="/budget/ordini")
        ids = ORDER_RE.findall(orders.text)
        if not ids:
            return
        order_id = random.choice(ids)
        page = self.client.get(f"/budget/ordini/{order_id}", name="/budget/ordini/[id]")
        if 'name="delivered_on"' not in page.text:
            return  # closed order, or nothing left to deliver
        data = {"delivered_on": date.today().isoformat(), "units": "1", "attended": "y", "note": "Carico"}
        with self.client.post(f"/budget/ordini/{order_id}", data={**data, "csrf_token": CSRF_RE.search(page.text).group(1)},
                              name="/budget/ordini/[id] [POST]", allow_redirects=False, catch_response=True) as response:
            if response.status_code in (200, 302):  # 200: refused with a message (e.g. the order is used up)
                response.success()

    @task(1)
    def orders(self):
        self.client.get("/budget/ordini", name="/budget/ordini")


class Dashboards(Portal):
    weight = 1
    accounts = ["admin@comune-novara.example", "budget@nodo.novara.example"]

    @task
    def dashboards(self):
        if self.email.startswith("admin@"):
            self.client.get("/monitoraggio/antenna", name="/monitoraggio/antenna")
        else:
            self.client.get("/budget/", name="/budget/")
            self.client.get("/budget/ordini", name="/budget/ordini")


class CrossTenantChecker(Portal):
    """Arona's operator asks for everybody else's objects; a 200 on one of them is a finding."""

    fixed_count = 1
    wait_time = between(0.2, 0.5)
    accounts = [TARGETS.get("checker", "operatrice@comune-arona.example")]

    def on_start(self):
        super().on_start()
        # The checker must see its own data, or every "no finding" would only mean it was logged out.
        own = TARGETS.get("own", {}).get("referrals") or []
        if own:
            response = self.client.get(f"/segnalazioni/{own[0]}", name="cross-tenant own referral", allow_redirects=False)
            RESULTS["canary"] = response.status_code == 200

    @task
    def probe(self):
        kind, template = random.choice(list(TARGETS.get("templates", {}).items()) or [("referrals", "/segnalazioni/{id}")])
        own = set(TARGETS.get("own", {}).get(kind, []))
        # Up to the highest id seeded, and beyond it: objects the other roles create during the run.
        object_id = random.randint(1, TARGETS.get("max_ids", {}).get(kind, 50) + 200)
        if object_id in own:
            return
        path = template.format(id=object_id)
        RESULTS["probes"] += 1
        with self.client.get(path, name=f"cross-tenant {template}", allow_redirects=False, catch_response=True) as response:
            if response.status_code == 200:
                RESULTS["cross_tenant"].append(path)
                response.failure(f"cross-tenant: 200 on {path}")
            elif response.status_code < 500:
                response.success()  # 403 and 404 are the right answers
