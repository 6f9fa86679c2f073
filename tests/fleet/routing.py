# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The routing phase of the fleet test (tests/fleet/run.py, issue 13): the gateway knows where every model lives.

On the heterogeneous lab (tests/lab/layouts/heterogeneous.yml: model A on both servers, model B on server2 only,
a custom model created on server1 only), as a client sees it through the gateway:
 1. every request for B and for the custom model succeeds, on /api/generate, /api/chat, /api/embed,
    /v1/chat/completions and /v1/embeddings (REQUESTS of each, all 200 with a well-formed answer);
 2. /api/tags and /v1/models list the union (A, B, custom; each once) on every one of LISTINGS calls;
 3. an unknown model gets 404 in Ollama's JSON error shape on /api/* and OpenAI's (code model_not_found) on /v1/*,
    and no backend sees those requests (their access logs have no 404 for them);
 4. a model pulled by hand on server1 (`ollama pull` in the container) becomes routable within the gateway's
    refresh interval (the seconds are printed), and leaves the listings again after `ollama rm`;
 5. a stopped backend drops out (B, which only it has, leaves the listings within seconds) while requests for A
    keep succeeding, and comes back by itself when it is started again;
 6. the operator copies B to server1 by hand, so that B stays available while server2 is upgraded (run.py's
    rolling upgrade and SIGKILL stages then load A and B).
Every check runs and the failures are reported together (so one run against `gateway_routing: least_conn`
shows all that routing by model changes). Standalone on a converged lab: python tests/fleet/routing.py --name NAME
(after `tests/fleet/run.py --keep`, or `scripts/lab.py up NAME --layout heterogeneous` and site.yml).
"""

from __future__ import annotations

import concurrent.futures
import os
import sys
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleetclient  # noqa: E402  pylint: disable=wrong-import-position

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REQUESTS = 20          # per model and endpoint
LISTINGS = 10          # calls of each listing endpoint
UNKNOWN = "r2-no-such-model"
PULLED = "library/nomic-embed:latest"   # the model pulled by hand (tests/standin/README.md, fixture models)


def lab_models(lab):
    """{'a', 'b', 'custom'}: the model names the layout gave the servers (tests/lab/layouts/heterogeneous.yml),
    with the lab's registry address filled in."""
    with open(lab.inventory, encoding="utf-8") as handle:
        inventory = yaml.safe_load(handle)["all"]
    registry = inventory["vars"]["lab_registry"]
    hosts = inventory["children"]["ollama_servers"]["hosts"]
    found = {}
    for key in ("a", "b", "custom"):
        values = {h.get("lab_model_%s" % key) for h in hosts.values()} - {None}
        if len(values) != 1:
            raise SystemExit("FAIL: the lab inventory has no single lab_model_%s (layout heterogeneous?): %s"
                             % (key, sorted(values)))
        found[key] = values.pop().replace("{{ lab_registry }}", registry)
        if "{{" in found[key]:
            raise SystemExit("FAIL: lab_model_%s %r: only {{ lab_registry }} is filled in here" % (key, found[key]))
    found["pulled"] = "%s/%s" % (registry, PULLED)
    return found


def refresh_interval():
    """gateway_routing_refresh_interval as the lab's gateways get it (tests/lab/group_vars, else the role's
    default); None when the role has no such variable (routing by model is not there)."""
    for path in (os.path.join(REPO, "tests", "lab", "group_vars", "ollama_gateways.yml"),
                 os.path.join(REPO, "roles", "gateway", "defaults", "main.yml")):
        with open(path, encoding="utf-8") as handle:
            values = yaml.safe_load(handle) or {}
        if "gateway_routing_refresh_interval" in values:
            return float(values["gateway_routing_refresh_interval"])
    return None


def short(name):
    """The name as /api/tags shows it: with a tag (`x` -> `x:latest`)."""
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else name + ":latest"


class Phase:
    def __init__(self, lab, servers, gateway, url, cafile):
        self.lab = lab
        self.s1, self.s2 = servers[0], servers[1]
        self.gateway = gateway
        self.url = url
        self.cafile = cafile
        self.key = lab.api_key()
        self.models = lab_models(lab)
        self.interval = refresh_interval()
        self.failures = []
        self.checks = 0

    def call(self, method, path, body=None):
        return fleetclient.call(self.url, self.key, method, path, body, cafile=self.cafile)

    def check(self, ok, message):
        self.checks += 1
        if ok:
            print("ok: %s" % message)
        else:
            print("FAILED: %s" % message)
            self.failures.append(message)
        return ok

    # ---- 1. every request for a model that only some servers have ----
    ENDPOINTS = (
        ("/api/generate", lambda m: {"model": m, "prompt": "Say hi.", "stream": False, "options": {"num_predict": 2}},
         lambda j: j.get("done") is True and "response" in j),
        ("/api/chat", lambda m: {"model": m, "messages": [{"role": "user", "content": "hi"}], "stream": False,
                                 "options": {"num_predict": 2}},
         lambda j: j.get("done") is True and j.get("message", {}).get("role") == "assistant"),
        ("/api/embed", lambda m: {"model": m, "input": "hi"},
         lambda j: len(j.get("embeddings") or []) == 1),
        ("/v1/chat/completions", lambda m: {"model": m, "messages": [{"role": "user", "content": "hi"}],
                                            "max_tokens": 2},
         lambda j: j.get("object") == "chat.completion" and len(j.get("choices") or []) == 1),
        ("/v1/embeddings", lambda m: {"model": m, "input": "hi"},
         lambda j: j.get("object") == "list" and len((j.get("data") or [{}])[0].get("embedding") or []) > 0),
    )

    def burst(self, model, endpoints=None, count=REQUESTS):
        """`count` requests of each endpoint for `model`, 8 at a time; returns {path: (succeeded, [failures])}."""
        jobs = [(path, make, good) for path, make, good in self.ENDPOINTS if endpoints is None or path in endpoints]
        out = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            for path, make, good in jobs:
                replies = list(pool.map(lambda _i, p=path, b=make(model): self.call("POST", p, b), range(count)))
                bad = [r for r in replies if r.status != 200 or not isinstance(r.json, dict) or not good(r.json)]
                out[path] = (count - len(bad), bad)
        return out

    def every_request(self, label, model):
        for path, (succeeded, bad) in self.burst(model).items():
            self.check(not bad, "%s (%s) through %-21s %d/%d answered 200%s" % (
                label, model, path, succeeded, REQUESTS, ("; first failure: %r" % bad[0]) if bad else ""))

    # ---- 2. listings ----
    def listed(self):
        """One call of each listing: ({name: count} from /api/tags, {id: count} from /v1/models, problems)."""
        tags, ids, problems = {}, {}, []
        reply = self.call("GET", "/api/tags")
        if reply.status == 200 and isinstance(reply.json, dict) and isinstance(reply.json.get("models"), list):
            for item in reply.json["models"]:
                tags[item.get("name")] = tags.get(item.get("name"), 0) + 1
        else:
            problems.append("/api/tags: %r" % reply)
        reply = self.call("GET", "/v1/models")
        if reply.status == 200 and isinstance(reply.json, dict) and reply.json.get("object") == "list":
            for item in reply.json.get("data") or []:
                ids[item.get("id")] = ids.get(item.get("id"), 0) + 1
        else:
            problems.append("/v1/models: %r" % reply)
        return tags, ids, problems

    def listings(self):
        want = sorted(short(self.models[k]) for k in ("a", "b", "custom"))
        complete = 0
        problems = []
        for _index in range(LISTINGS):
            tags, ids, found = self.listed()
            for where, names in (("/api/tags", tags), ("/v1/models", ids)):
                missing = [n for n in want if n not in names]
                twice = [n for n, count in names.items() if count > 1]
                if missing or twice:
                    found.append("%s lacks %s, lists twice %s (has %s)" % (where, missing, twice, sorted(names)))
            complete += not found
            problems += found
        self.check(not problems, "/api/tags and /v1/models through the gateway list %s, each once, on %d of %d "
                   "calls%s" % (", ".join(want), complete, LISTINGS, ("; first problem: %s" % problems[0])
                                if problems else ""))

    # ---- 3. unknown model ----
    def journal_cursors(self):
        """Each server's current position in Ollama's journal (its [GIN] access lines)."""
        cursors = {}
        for server in (self.s1, self.s2):
            out = self.lab.exec(server, "journalctl", "-u", "ollama", "-n", "0", "--show-cursor", "-o", "cat")
            cursors[server] = out.rsplit("-- cursor: ", 1)[-1].strip()
        return cursors

    def backend_404s(self, cursors):
        """How many 404 answers the servers' access logs show after `cursors`."""
        total = 0
        for server, cursor in cursors.items():
            out = self.lab.exec(server, "sh", "-c", "journalctl -u ollama -o cat --after-cursor '%s' | "
                                "grep -c '| 404 |' || true" % cursor)
            total += int(out or 0)
        return total

    def unknown_model(self):
        name = UNKNOWN
        cursors = self.journal_cursors()
        ollama = (
            ("/api/generate", {"model": name, "prompt": "hi"}, "model '%s' not found" % name),
            ("/api/chat", {"model": name, "messages": [{"role": "user", "content": "hi"}]},
             "model '%s' not found" % name),
            ("/api/show", {"model": name}, "model '%s:latest' not found" % name),
            ("/api/embed", {"model": name, "input": "hi"}, 'model "%s" not found, try pulling it first' % name),
        )
        for path, body, message in ollama:
            reply = self.call("POST", path, body)
            self.check(reply.status == 404 and reply.json == {"error": message}
                       and reply.headers.get("content-type", "").startswith("application/json"),
                       "unknown model on %-21s 404 %s (got %r, %s)" % (
                           path, {"error": message}, reply, reply.headers.get("content-type")))
        openai = (
            ("POST", "/v1/chat/completions", {"model": name, "messages": [{"role": "user", "content": "hi"}]}),
            ("POST", "/v1/embeddings", {"model": name, "input": "hi"}),
            ("GET", "/v1/models/%s" % name, None),
        )
        for method, path, body in openai:
            reply = self.call(method, path, body)
            error = reply.json.get("error") if isinstance(reply.json, dict) else None
            self.check(reply.status == 404 and isinstance(error, dict) and error.get("code") == "model_not_found"
                       and name in str(error.get("message")) and isinstance(error.get("type"), str)
                       and reply.headers.get("content-type") == "application/json",
                       "unknown model on %-21s 404 {error: {message, type, code: model_not_found}} "
                       "(got %r, %s)" % (path, reply, reply.headers.get("content-type")))
        time.sleep(0.5)  # journald takes the servers' last lines
        seen = self.backend_404s(cursors)
        self.check(seen == 0, "the unknown-model requests never reached a backend (%d 404s in the servers' access "
                   "logs)" % seen)

    # ---- 4. a model pulled by hand ----
    def wait_until(self, predicate, limit):
        """Seconds until predicate() is true (polled every 0.2 s), or None after `limit` seconds."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            if predicate():
                return time.monotonic() - start
            time.sleep(0.2)
        return None

    def routable(self, model):
        reply = self.call("POST", "/api/embed", {"model": model, "input": "hi"})
        return reply.status == 200 and short(model) in self.listed()[0]

    def gone(self, model):
        reply = self.call("POST", "/api/embed", {"model": model, "input": "hi"})
        return reply.status == 404 and all(short(model) not in self.listed()[0] for _i in range(3))

    def allowed(self):
        """The seconds within which the gateway must notice a change (its refresh interval, plus a request)."""
        return (self.interval or 2.0) + 1.5

    def hand_pull(self, timings):
        model = self.models["pulled"]
        before = self.call("POST", "/api/embed", {"model": model, "input": "hi"})
        self.check(before.status == 404, "before the pull, %s is unknown to the fleet (got %r)" % (model, before))
        self.lab.exec(self.s1, "ollama", "pull", "--insecure", model)
        seconds = self.wait_until(lambda: self.routable(model), 30)
        timings.append(("hand pull routable", seconds or 30))
        self.check(seconds is not None and seconds <= self.allowed(),
                   "a model pulled by hand on %s is routable and listed through the gateway after %s s (refresh "
                   "interval %s s, allowed %.1f s)" % (self.s1, "%.1f" % seconds if seconds is not None else "never",
                                                       self.interval, self.allowed()))
        succeeded, bad = self.burst(model, ["/api/embed"])["/api/embed"]
        self.check(not bad, "then %d/%d /api/embed requests for it answered 200%s" % (
            succeeded, REQUESTS, ("; first failure: %r" % bad[0]) if bad else ""))
        self.lab.exec(self.s1, "ollama", "rm", model)
        seconds = self.wait_until(lambda: self.gone(model), 30)
        self.check(seconds is not None and seconds <= self.allowed() + 1,
                   "after `ollama rm` it leaves the listings and gets 404 after %s s" % (
                       "%.1f" % seconds if seconds is not None else "never"))

    # ---- 5. a stopped backend ----
    def b_listed(self, times):
        return all(short(self.models["b"]) in self.listed()[0] for _i in range(times))

    def b_routable(self):
        reply = self.call("POST", "/api/generate", {"model": self.models["b"], "prompt": "hi", "stream": False,
                                                    "options": {"num_predict": 1}})
        return reply.status == 200 and self.b_listed(5)

    def b_refused(self, seen):
        """True when a request for B gets a JSON error from the gateway itself (B has no running holder) and the
        listings lack B; every answer is added to `seen` ({'HTTP 502 text/html': count})."""
        reply = fleetclient.call(self.url, self.key, "POST", "/api/generate",
                                 {"model": self.models["b"], "prompt": "hi", "stream": False}, cafile=self.cafile,
                                 timeout=10)
        kind = "HTTP %d %s" % (reply.status, (reply.headers.get("content-type") or "-").split(";")[0])
        seen[kind] = seen.get(kind, 0) + 1
        return (reply.status in (404, 503) and isinstance(reply.json, dict) and "error" in reply.json
                and not any(short(self.models["b"]) in self.listed()[0] for _i in range(3)))

    def stopped_backend(self, timings):
        load = fleetclient.Load(self.url, self.key, self.models["a"], workers=3, num_predict=5,
                                cafile=self.cafile).start()
        time.sleep(1)
        self.lab.exec(self.s2, "systemctl", "stop", "ollama")
        stopped_at = load.elapsed()
        seen = {}
        dropped = self.wait_until(lambda: self.b_refused(seen), 30)
        time.sleep(2)
        self.lab.exec(self.s2, "systemctl", "start", "ollama")
        back = self.wait_until(self.b_routable, 30)
        time.sleep(1)
        load.stop()
        after = [r for r in load.results if r.started > stopped_at]
        failed = [r for r in after if not r.ok]
        cut = [r for r in load.results if r.started <= stopped_at and not r.ok]
        timings.append(("stopped backend", (dropped or 30) + (back or 30)))
        self.check(dropped is not None and dropped <= self.allowed() + 1,
                   "%s stopped: it dropped out of routing after %s s: a request for B (no running server has it) "
                   "gets the gateway's JSON 404/503 and the listings lack B (answers for B until then: %s)" % (
                       self.s2, "%.1f" % dropped if dropped is not None else "never", seen))
        self.check(not failed and len(after) >= 5,
                   "meanwhile requests for A kept succeeding: %d started after the stop, %d failed%s (%d streams "
                   "cut by the stop itself)" % (len(after), len(failed),
                                                ("; first: %s" % failed[0].reason) if failed else "", len(cut)))
        self.check(back is not None and back <= self.allowed() + 3,
                   "%s started again: B routable and listed on 5 calls in a row after %s s" % (
                       self.s2, "%.1f" % back if back is not None else "never"))

    # ---- 6. B on both servers for the rolling upgrade ----
    def copy_b(self):
        self.lab.exec(self.s1, "ollama", "pull", "--insecure", self.models["b"])
        succeeded, bad = self.burst(self.models["b"], ["/api/generate"])["/api/generate"]
        self.check(not bad, "B pulled by hand on %s too (it stays available while %s is upgraded): %d/%d requests "
                   "for B answered 200" % (self.s1, self.s2, succeeded, REQUESTS))

    def reset(self):
        """A re-run on a kept lab starts from the layout: B only on server2, the hand-pulled model nowhere."""
        listed = self.lab.exec(self.s1, "ollama", "list")
        for model in (self.models["b"], self.models["pulled"]):
            if short(model) in listed.split():
                self.lab.exec(self.s1, "ollama", "rm", model)
                print("(removed %s from %s, left by an earlier run)" % (model, self.s1))
        if any(short(model) in listed.split() for model in (self.models["b"], self.models["pulled"])):
            time.sleep(self.allowed())

    def run(self):
        timings = []
        t0 = time.monotonic()
        self.reset()
        print("routing: model A %(a)s on both servers, B %(b)s on server2, custom %(custom)s on server1" %
              self.models)
        self.every_request("B", self.models["b"])
        self.every_request("custom", self.models["custom"])
        self.listings()
        timings.append(("routing: requests, listings", time.monotonic() - t0))
        self.unknown_model()
        self.hand_pull(timings)
        self.stopped_backend(timings)
        self.copy_b()
        timings.append(("routing phase total", time.monotonic() - t0))
        print("routing phase: %d checks, %d failed, %.0f s" % (self.checks, len(self.failures), timings[-1][1]))
        if self.failures:
            raise SystemExit("FAIL: routing by model: %d check(s) failed:\n  %s" % (
                len(self.failures), "\n  ".join(self.failures)))
        return timings


def run(lab, servers, gateway, url, cafile):
    """Entry point for tests/fleet/run.py; returns [(label, seconds)]."""
    return Phase(lab, servers, gateway, url, cafile).run()


def main(argv):
    import argparse
    import run as fleet  # pylint: disable=import-outside-toplevel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="fleet")
    args = parser.parse_args(argv)
    lab = fleet.Lab(args.name)
    gateway = "%s-gw1" % args.name
    timings = run(lab, ["%s-server1" % args.name, "%s-server2" % args.name], gateway, "https://%s" % lab.ip(gateway),
                  lab.gateway_ca(gateway))
    for label, seconds in timings:
        print("  %-28s %6.1f s" % (label, seconds))


if __name__ == "__main__":
    main(sys.argv[1:])
