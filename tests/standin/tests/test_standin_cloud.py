"""Account and cloud endpoints (issue #12): what a gateway test needs from the stand-in, offline.

/api/me, /api/signout, DELETE /api/user/keys/<key> and /api/experimental/* answer recognisably; cloud model names
(ollama-server.md "Cloud suffixes (v0.12+)") get a canned answer "as if proxied" or, with OLLAMA_NO_CLOUD, an error
that says cloud is disabled. Nothing here ever contacts ollama.com.
"""
from __future__ import annotations

import json

import pytest


def test_me_answers_a_fake_signed_in_account(make_server):
    s = make_server()
    status, _ignored, body = s.req("GET", "/api/me")
    assert status == 200
    me = json.loads(body)
    assert me["signed_in"] is True and me["email"].endswith(".invalid")


def test_signout_and_key_delete(make_server):
    s = make_server()
    status, _ignored, body = s.req("POST", "/api/signout")
    assert status == 200 and json.loads(body) == {}
    status, _ignored, body = s.req("DELETE", "/api/user/keys/ssh-ed25519%20AAAA")
    assert status == 200 and json.loads(body) == {}
    status, _ignored, _ignored = s.req("GET", "/api/user/keys/x")
    assert status == 405
    _out, err = s.logs()
    assert "key deleted" in err and "signed out" in err


@pytest.mark.parametrize("path,field", [("/api/experimental/web_search", "query"), ("/api/experimental/web_fetch", "url")])
def test_experimental_endpoints_answer_recognisably(make_server, path, field):
    s = make_server()
    status, _ignored, body = s.req("POST", path, {field: "gateway"})
    assert status == 200
    assert "stand-in" in body.decode() and "gateway" in body.decode()


@pytest.mark.parametrize("path,name", [
    ("/api/generate", "gpt-oss:120b-cloud"),
    ("/api/chat", "x:cloud"),
    ("/api/show", "ollama.com/library/gpt-oss:20b-CLOUD"),
    ("/v1/chat/completions", "gpt-oss:120b-cloud"),
])
def test_cloud_model_answers_as_if_proxied(make_server, path, name):
    s = make_server()
    status, _ignored, body = s.req("POST", path, {"model": name, "prompt": "hi", "messages": [{"role": "user", "content": "hi"}]})
    assert status == 200, body
    assert "stand-in cloud answer" in body.decode() or "remote_host" in body.decode()


@pytest.mark.parametrize("path,name", [
    ("/api/generate", "gpt-oss:120b-cloud"),
    ("/api/chat", "x:cloud"),
    ("/api/embed", "e:cloud"),
    ("/v1/chat/completions", "gpt-oss:120b-cloud"),
])
def test_cloud_model_refused_with_no_cloud(make_server, path, name):
    s = make_server(OLLAMA_NO_CLOUD="1")
    status, _ignored, body = s.req("POST", path, {"model": name, "prompt": "hi", "input": "x",
                                                  "messages": [{"role": "user", "content": "hi"}]})
    assert status == 403
    err = json.loads(body)["error"]
    message = err["message"] if isinstance(err, dict) else err  # OpenAI shape on /v1/*
    assert "cloud is disabled" in message and name in message


def test_cloud_model_path_of_v1_models(make_server):
    assert make_server(OLLAMA_NO_CLOUD="1").req("GET", "/v1/models/gpt-oss:120b-cloud")[0] == 403
    assert make_server().req("GET", "/v1/models/gpt-oss:120b-cloud")[0] == 200


def test_no_cloud_refuses_account_and_web_endpoints(make_server):
    s = make_server(OLLAMA_NO_CLOUD="1")
    for method, path in (("GET", "/api/me"), ("POST", "/api/signout"), ("DELETE", "/api/user/keys/k"),
                         ("POST", "/api/experimental/web_search")):
        status, _ignored, body = s.req(method, path, {"query": "x"} if method == "POST" else None)
        assert status == 403 and "cloud is disabled" in json.loads(body)["error"], path
    # local models are unaffected
    assert s.req("GET", "/api/tags")[0] == 200


def test_local_names_are_not_cloud(make_server):
    s = make_server(OLLAMA_NO_CLOUD="1")
    # "cloud" in the model or namespace part is not a cloud tag: the normal "not found" answer comes back
    for name in ("cloud:latest", "cloud/x:latest", "my-cloud", "x:cloudy"):
        status, _ignored, body = s.req("POST", "/api/generate", {"model": name, "prompt": "hi"})
        assert status == 404, (name, body)


def test_redirect_knob_is_off_by_default(make_server):
    assert make_server().req("GET", "/standin/redirect?to=https://example.invalid/")[0] == 404
    s = make_server(OLLAMA_STANDIN_REDIRECTS="1")
    status, headers, _ignored = s.req("GET", "/standin/redirect?to=https://example.invalid/x")
    assert status == 302 and dict(headers)["Location"] == "https://example.invalid/x"
