"""Answers measured on a real Ollama 0.32.15 (issue 13, "Stand-in fidelity"; ollama-server.md, "Checked against a real
Ollama 0.32.15"): headers, not-found texts and /api/ps, which a model-aware gateway routes on."""
from __future__ import annotations

import datetime
import json
import time

import pytest

from standin_helpers import http_req

PLAIN = "application/json"
GIN = "application/json; charset=utf-8"
PS_FIELDS = {"name", "model", "size", "digest", "details", "expires_at", "size_vram", "context_length"}


def ctype(headers):
    return dict(headers).get("Content-Type")


def allow(headers):
    return [v for k, v in headers if k.lower() == "allow"]


@pytest.fixture
def tiny(shared_server, registry):
    return registry.prefix + "/library/tinyllama:latest"


@pytest.fixture
def embed(shared_server, registry):
    return registry.prefix + "/library/nomic-embed:latest"


def test_v1_answers_are_application_json_without_charset(shared_server, tiny, embed):
    s = shared_server
    chat = {"model": tiny, "messages": [{"role": "user", "content": "x"}]}
    assert s.req("POST", "/api/copy", {"source": tiny, "destination": "fidelity-tiny"})[0] == 200  # /v1/models/:model is one segment
    try:
        got, headers, _ignored = s.req("GET", "/v1/models/fidelity-tiny")
    finally:
        assert s.req("DELETE", "/api/delete", {"model": "fidelity-tiny"})[0] == 200
    assert (got, ctype(headers)) == (200, PLAIN)
    for method, path, body, status in [
            ("GET", "/v1/models", None, 200),
            ("GET", "/v1/models/nope", None, 404),
            ("POST", "/v1/chat/completions", chat, 200),
            ("POST", "/v1/chat/completions", dict(chat, model="nope"), 404),
            ("POST", "/v1/completions", {"model": tiny, "prompt": "x"}, 200),
            ("POST", "/v1/embeddings", {"model": embed, "input": "x"}, 200),
            ("POST", "/v1/embeddings", {"model": "nope", "input": "x"}, 404)]:
        got, headers, _ignored = s.req(method, path, body)
        assert (got, ctype(headers)) == (status, PLAIN), (method, path, body)
    # refused by the OpenAI middleware before any handler ran: gin's c.AbortWithStatusJSON, charset kept
    for body in ({"model": tiny, "messages": []}, {"model": embed, "input": []}, {"model": embed, "input": "x", "encoding_format": "hex"}):
        got, headers, _ignored = s.req("POST", "/v1/embeddings" if "input" in body else "/v1/chat/completions", body)
        assert (got, ctype(headers)) == (400, GIN), body
    # streams are unchanged
    got, headers, _ignored = s.req("POST", "/v1/chat/completions", dict(chat, stream=True))
    assert (got, ctype(headers)) == (200, "text/event-stream")
    # the native API keeps gin's JSON
    for method, path, body in [("GET", "/api/tags", None), ("POST", "/api/show", {"model": "nope"}), ("GET", "/api/ps", None)]:
        assert ctype(s.req(method, path, body)[1]) == GIN, path


def test_pull_errors_are_application_json_without_charset(shared_server, registry):
    s = shared_server
    for body, status in [(b"", 400), ({"model": "a/b/c/d"}, 400),
                         ({"model": registry.prefix + "/library/nope", "insecure": True, "stream": False}, 500)]:
        got, headers, answer = s.req("POST", "/api/pull", body)
        assert (got, ctype(headers)) == (status, PLAIN), body
        assert "error" in json.loads(answer)
    got, headers, _ignored = s.req("POST", "/api/pull", {"model": registry.prefix + "/library/nope", "insecure": True})
    assert (got, ctype(headers)) == (200, "application/x-ndjson")  # in-stream error: the stream's type


def test_405_carries_allow(make_server):
    s = make_server()
    digest = "sha256:" + "0" * 64
    for method, path, methods in [("GET", "/api/pull", "POST"), ("GET", "/api/chat", "POST"), ("GET", "/v1/chat/completions", "POST"),
                                  ("POST", "/api/tags", "HEAD, GET"), ("GET", "/api/delete", "DELETE"), ("HEAD", "/api/ps", "GET"),
                                  ("PUT", "/api/blobs/" + digest, "HEAD, POST"), ("POST", "/v1/models", "GET")]:
        status, headers, body = s.req(method, path)
        assert (status, allow(headers)) == (405, [methods]), (method, path)
        if method != "HEAD":
            assert body == b"405 method not allowed"
    status, headers, _ignored = s.req("GET", "/api/nope")
    assert (status, allow(headers)) == (404, [])
    assert allow(s.req("GET", "/api/tags")[1]) == []


def test_cors_answers_carry_allow(make_server):
    s = make_server(OLLAMA_ORIGINS="https://chat.example.com")
    host = {"Host": "127.0.0.1:%d" % s.port}
    preflight = dict(host, Origin="https://chat.example.com")
    preflight["Access-Control-Request-Method"] = "GET"
    status, headers, body = http_req(s.port, "OPTIONS", "/api/tags", headers=preflight)
    assert (status, body, allow(headers)) == (204, b"", ["HEAD, GET"])
    assert dict(headers)["Access-Control-Allow-Origin"] == "https://chat.example.com"
    status, headers, body = http_req(s.port, "OPTIONS", "/api/tags", headers=dict(preflight, Origin="http://evil.example"))
    assert (status, body, allow(headers)) == (403, b"", ["HEAD, GET"])
    assert allow(http_req(s.port, "OPTIONS", "/api/chat", headers=preflight)[1]) == ["POST"]
    # gin sets Allow only when the method has no route on the path: a refused GET has none
    status, headers, _ignored = http_req(s.port, "GET", "/api/tags", headers=dict(host, Origin="http://evil.example"))
    assert (status, allow(headers)) == (403, [])
    # the Host allow-list's 204 for OPTIONS comes after the same gin step
    status, headers, _ignored = http_req(s.port, "OPTIONS", "/api/tags", headers={"Host": "localhost"})
    assert (status, allow(headers)) == (204, ["HEAD, GET"])


def test_not_found_names_the_normalised_model_on_show_and_v1_model(shared_server):
    s = shared_server
    for raw, shown in [("nope", "nope:latest"), ("registry.ollama.ai/library/nope", "nope:latest"), ("me/nope:v2", "me/nope:v2")]:
        status, _ignored, body = s.req("POST", "/api/show", {"model": raw})
        assert (status, json.loads(body)) == (404, {"error": "model '%s' not found" % shown}), raw
    status, _ignored, body = s.req("GET", "/v1/models/nope")
    assert status == 404 and json.loads(body)["error"] == {"message": "model 'nope:latest' not found", "type": "not_found_error",
                                                           "param": None, "code": None}
    # generate and chat completions keep the name as sent
    assert json.loads(s.req("POST", "/api/generate", {"model": "nope"})[2]) == {"error": "model 'nope' not found"}
    body = s.req("POST", "/v1/chat/completions", {"model": "nope", "messages": [{"role": "user", "content": "x"}]})[2]
    assert json.loads(body)["error"]["message"] == "model 'nope' not found"


def test_v1_embeddings_not_found_says_try_pulling(shared_server):
    status, _ignored, body = shared_server.req("POST", "/v1/embeddings", {"model": "nope", "input": "x"})
    assert status == 404 and json.loads(body)["error"] == {"message": 'model "nope" not found, try pulling it first',
                                                           "type": "not_found_error", "param": None, "code": None}


def test_head_blob_with_a_bad_digest_is_400(shared_server):
    s = shared_server
    for bad in ("nope", "sha256:xyz", "sha256-" + "0" * 63, "md5:" + "0" * 64):
        assert s.req("HEAD", "/api/blobs/" + bad)[:3:2] == (400, b""), bad
    assert s.req("HEAD", "/api/blobs/sha256:" + "0" * 64)[0] == 404
    assert s.req("HEAD", "/api/blobs/sha256-" + "0" * 64)[0] == 404


def _ps(s):
    return json.loads(s.req("GET", "/api/ps")[2])["models"]


def test_ps_fields_on_cpu(make_server, registry):
    s = make_server()
    tiny = registry.prefix + "/library/tinyllama:latest"
    assert s.req("POST", "/api/pull", {"model": tiny, "insecure": True, "stream": False})[0] == 200
    assert s.req("POST", "/api/generate", {"model": tiny, "keep_alive": "1h"})[0] == 200
    tag = json.loads(s.req("GET", "/api/tags")[2])["models"][0]
    [ps] = _ps(s)
    assert set(ps) == PS_FIELDS
    assert ps["size_vram"] == 0  # CPU: nothing offloaded
    keys = ("name", "model", "size", "digest", "details")
    assert [ps[key] for key in keys] == [tag[key] for key in keys]
    expires = datetime.datetime.fromisoformat(ps["expires_at"])
    assert expires.utcoffset() is not None  # local time with an offset
    left = (expires - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 3500 < left <= 3600
    assert isinstance(ps["context_length"], int) and ps["context_length"] > 0


def test_ps_lists_a_recreated_model_twice_until_the_old_one_expires(make_server, registry):
    s = make_server()
    tiny = registry.prefix + "/library/tinyllama:latest"
    assert s.req("POST", "/api/pull", {"model": tiny, "insecure": True, "stream": False})[0] == 200

    def create(system):
        assert s.req("POST", "/api/create", {"model": "mine", "from": tiny, "system": system, "stream": False})[0] == 200
        return {m["name"]: m["digest"] for m in json.loads(s.req("GET", "/api/tags")[2])["models"]}["mine:latest"]
    old = create("old")
    assert s.req("POST", "/api/generate", {"model": "mine", "keep_alive": "2s"})[0] == 200
    new = create("new")
    assert new != old
    assert s.req("POST", "/api/generate", {"model": "mine", "keep_alive": "1h"})[0] == 200
    ps = _ps(s)
    assert [(m["name"], m["digest"]) for m in ps] == [("mine:latest", new), ("mine:latest", old)]  # longest expiry first
    assert s.req("POST", "/api/generate", {"model": "mine", "prompt": "x", "stream": False})[0] == 200
    assert len(_ps(s)) == 2  # the new model ran on its own entry
    time.sleep(2.2)
    assert [(m["name"], m["digest"]) for m in _ps(s)] == [("mine:latest", new)]
    # keep_alive 0 unloads the current model
    assert json.loads(s.req("POST", "/api/generate", {"model": "mine", "keep_alive": 0})[2])["done_reason"] == "unload"
    assert _ps(s) == []
    # deleting the model unloads every entry of its name
    for system in ("third", "fourth"):
        create(system)
        assert s.req("POST", "/api/generate", {"model": "mine", "keep_alive": "1h"})[0] == 200
    assert len(_ps(s)) == 2
    assert s.req("DELETE", "/api/delete", {"model": "mine"})[0] == 200
    assert _ps(s) == []
