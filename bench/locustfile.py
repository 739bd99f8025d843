"""The mixed member workload of bench/load.py, run by locust in its own virtualenv.

Each simulated member signs in with one organisation's API key (BENCH_KEYS) and, with no
think time, lists its reports (sometimes filtered), opens one, searches, or submits one.
"""

import os
import random
import uuid

from locust import HttpUser, constant, task

KEYS = os.environ["BENCH_KEYS"].split(",")
TERMS = os.environ.get("BENCH_TERMS", "live,iptv,stream").split(",")
CATEGORIES = ["iptv", "live_sports", "streaming_site", "torrent"]


class Member(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {random.choice(KEYS)}"}
        page = self.client.get("/api/v1/reports/", headers=self.headers, name="list").json()
        self.ids = [r["id"] for r in page["results"]] or [1]

    @task(5)
    def list_reports(self):
        params = {"category": random.choice(CATEGORIES)} if random.random() < 0.3 else {}
        self.client.get("/api/v1/reports/", params=params, headers=self.headers, name="list")

    @task(3)
    def detail(self):
        self.client.get(
            f"/api/v1/reports/{random.choice(self.ids)}/", headers=self.headers, name="detail"
        )

    @task(2)
    def search(self):
        self.client.get(
            "/api/v1/reports/",
            params={"q": random.choice(TERMS)},
            headers=self.headers,
            name="search",
        )

    @task(1)
    def submit(self):
        name = f"load-{uuid.uuid4().hex[:12]}.example"
        body = {
            "category": "live_sports",
            "title": f"restream on {name}",
            "tlp": "amber",
            "jurisdictions": ["PE"],
            "indicators": [
                {"kind": "domain", "value": name},
                {"kind": "url", "value": f"https://{name}/live/1"},
            ],
        }
        with self.client.post(
            "/api/v1/reports/",
            json=body,
            headers=self.headers,
            name="submit",
            catch_response=True,
        ) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code}")
