# Copyright (c) 2026, localllm.ollama contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gateway vhost rendered from the role's real template (issue #12 items 4, 5, 6, 7, 9, 10).

nginx itself runs in the molecule `gateway` scenario; here the rendered `map` blocks are evaluated with nginx's rules
(exact keys first, then regular expressions in order, else the default) so their logic is checked without nginx."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gateway_render import NginxMap, render  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None, reason="ansible-playbook not on PATH")


def _servers(text):
    """The text of each top-level server block."""
    return re.findall(r"^server \{\n.*?^\}", text, re.M | re.S)


def _locations(text):
    """{location line: body} of the API server."""
    api = _servers(text)[-1]
    return dict(re.findall(r"^    location ([^\n{]+) \{\n(.*?)^    \}", api, re.M | re.S))


@pytest.fixture(scope="module")
def default_conf(tmp_path_factory):
    return render(tmp_path_factory.mktemp("default"), gateway_tls_mode="acme")


# --- item 4 ----------------------------------------------------------------------------------------------------
def test_small_body_limit_except_on_admin_endpoints(default_conf):
    api = _servers(default_conf)[-1]
    server_level = re.findall(r"^    client_max_body_size (\S+);", api, re.M)
    assert server_level == ["100m"]
    admin = [body for loc, body in _locations(default_conf).items() if "blobs" in loc]
    # model_affinity: the fleet-wide blob location and the generic admin location both allow large bodies
    assert admin and all("client_max_body_size 64g;" in body for body in admin)


def test_body_limits_are_configurable(tmp_path):
    conf = render(tmp_path, gateway_client_max_body_size="8m", gateway_admin_client_max_body_size="2g")
    assert "    client_max_body_size 8m;" in conf and "        client_max_body_size 2g;" in conf
    assert "64g" not in conf and "100m" not in conf


# --- item 5 ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["/", "/ollama/"])
@pytest.mark.parametrize("location,expected", [
    ("https://evil.example/steal", ""),
    ("http://evil.example:11434/x", ""),
    ("//evil.example/x", ""),
    ("/\\evil.example/x", ""),
    ("ftp://localhost:11434/x", ""),
    ("http://localhost:11434/api/tags", "api/tags"),
    ("HTTP://LOCALHOST:11434", ""),
    ("http://10.0.0.5:11434/v1/models", "v1/models"),
    ("/api/tags?x=1", "api/tags?x=1"),
])
def test_backend_location_is_rewritten_or_dropped(tmp_path, prefix, location, expected):
    conf = render(tmp_path, gateway_location_prefix=prefix, gateway_upstream_address="10.0.0.5")
    got = NginxMap(conf, "ollama_gw_location")(location)
    if expected == "" and location.upper() != "HTTP://LOCALHOST:11434":
        assert got == ""
    else:
        assert got == prefix + expected
    # every proxying location hides the backend's own Location
    for loc, body in _locations(conf).items():
        if "proxy_pass" in body:
            assert "proxy_hide_header Location;" in body and "proxy_redirect off;" in body, loc
    assert "add_header Location $ollama_gw_location always;" in conf


# --- item 6 ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/me", "/api/signout", "/api/user/keys/ssh-ed25519 AAAA", "/api/experimental/web_search",
                                  "/api/experimental/web_fetch", "/api/blobs/sha256:00"])
def test_account_and_cloud_endpoints_are_admin_by_default(default_conf, path):
    # the generic admin location (model_affinity puts the fleet-wide blobs location before it)
    admin = [loc for loc in _locations(default_conf) if "blobs|" in loc][0]
    assert re.search(admin.split(None, 1)[1], path), admin


def test_admin_list_accepts_the_new_endpoints(tmp_path):
    import yaml

    from gateway_render import ROLE

    new = {"me", "signout", "user", "experimental"}
    with open(os.path.join(ROLE, "vars", "main.yml")) as handle:
        assert new <= set(yaml.safe_load(handle)["__gateway_admin_endpoint_choices"])  # preflight's list
    with open(os.path.join(ROLE, "meta", "argument_specs.yml")) as handle:
        option = yaml.safe_load(handle)["argument_specs"]["main"]["options"]["gateway_admin_endpoints"]
    assert new <= set(option["choices"]) and new <= set(option["default"])
    conf = render(tmp_path, gateway_admin_endpoints=["pull", "me", "user"])
    assert "location ~ ^/api/(pull|me|user)(/|$) {" in conf


@pytest.mark.parametrize("routing", ["model_affinity", "least_conn"])
def test_cloud_filter_locations(tmp_path, routing):
    """Issue #12's cloud filter, now in the Lua access handler (issue #13) in both routing modes."""
    conf = render(tmp_path, gateway_tls_mode="acme", gateway_routing=routing)
    locations = _locations(conf)
    inspected = {loc: body for loc, body in locations.items()
                 if "access_model(" in body or ("manage()" in body and "pull" in loc)}
    paths = ["/api/generate", "/api/chat", "/api/embed", "/api/embeddings", "/api/show", "/api/pull", "/api/create",
             "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses", "/v1/messages",
             "/v1/models/gpt-oss:120b-cloud"]
    for path in paths:
        matching = [loc for loc in locations if loc.startswith("~") and re.search(loc.split(None, 1)[-1], path)]
        # the first regex location that matches is the one nginx uses: it must be an inspecting one
        assert matching and ("access_model(" in locations[matching[0]] or "manage()" in locations[matching[0]]), path
    assert 'lua_package_path "/etc/nginx/ollama-gateway/lua/?.lua;;";' in conf
    assert "js_" not in conf
    # pull/create keep the admin check
    admin_filtered = [body for loc, body in locations.items() if "pull" in loc and ("access_model" in body or "manage()" in body)]
    assert admin_filtered and "htpasswd-admin" in admin_filtered[0] and "$ollama_gw_admin_denied" in admin_filtered[0]
    for loc, body in inspected.items():
        if "access_model(" in body:
            assert "client_body_buffer_size 1m;" in body and "proxy_buffering off;" in body, loc
    expected = "access_model(true)" if routing == "model_affinity" else "access_model(false)"
    assert all(expected in body for body in inspected.values() if "access_model(" in body)


def test_cloud_allowed_with_least_conn_has_no_lua_at_all(tmp_path):
    allowed = render(tmp_path, gateway_cloud_models_allowed=True, gateway_routing="least_conn")
    assert "lua" not in allowed and "js_" not in allowed


def test_least_conn_renders_the_plain_upstream(tmp_path):
    conf = render(tmp_path, gateway_routing="least_conn", gateway_upstream_address="10.0.0.5")
    upstream = re.search(r"^upstream ollama_gateway_upstream \{\n(.*?)^\}", conf, re.M | re.S).group(1)
    assert upstream.split("\n")[0] == "    least_conn;"
    assert "    server 10.0.0.5:11434 max_fails=3 fail_timeout=30s;" in upstream
    assert "balancer_by_lua" not in conf and "listing(" not in conf and "manage()" not in conf


def test_model_affinity_routes_lists_and_manages_in_lua(default_conf):
    upstream = re.search(r"^upstream ollama_gateway_upstream \{\n(.*?)^\}", default_conf, re.M | re.S).group(1)
    assert "least_conn" not in upstream
    # keepalive wraps the Lua balancer, so it must come after it
    assert upstream.index("balancer_by_lua_block") < upstream.index("keepalive 32;")
    assert 'init_by_lua_block { require("ollama_gw.nginx").init("/etc/nginx/ollama-gateway/routing.json") }' in default_conf
    assert "lua_shared_dict ollama_gw 1m;" in default_conf
    locations = _locations(default_conf)
    for path, kind in (("/api/tags", "tags"), ("/api/ps", "ps"), ("/v1/models", "models")):
        assert 'listing("%s")' % kind in locations["= " + path]
    assert "access_any()" in locations["/"] and "log()" in locations["/"]
    for op in ("pull", "create", "delete", "copy"):
        assert "manage()" in locations["~ ^/api/%s/?$" % op] and "htpasswd-admin" in locations["~ ^/api/%s/?$" % op]
    assert "manage()" in locations["~ ^/api/blobs/"]


def test_routing_settings_seed_the_models_from_the_inventory(tmp_path):
    import json

    text = render(tmp_path, template="routing.json.j2", gateway_location_prefix="/ollama/",
                  gateway_upstream_address="10.0.0.5", gateway_routing_refresh_interval=0.5)
    data = json.loads(text)
    assert data["routing"] is True and data["prefix"] == "/ollama/" and data["refresh_interval"] == 0.5
    assert data["timeout_ms"] == 1500 and data["host_header"] == "localhost:11434" and data["cloud_allowed"] is False
    assert data["backends"] == [{"name": "localhost", "address": "10.0.0.5", "port": 11434, "models": [],
                                 "parallel": 1, "max_loaded": 0, "down": False}]
    tool = json.loads(render(tmp_path, template="upstream-tool.json.j2"))
    assert tool["routing"] == "/etc/nginx/ollama-gateway/routing.json"
    assert "routing" not in json.loads(render(tmp_path, template="upstream-tool.json.j2", gateway_routing="least_conn"))


# --- item 7 ----------------------------------------------------------------------------------------------------
def test_preflight_is_answered_by_nginx_and_other_options_need_auth(default_conf):
    preflight = NginxMap(default_conf, "ollama_gw_preflight")
    assert preflight("OPTIONS|http://localhost:3000|POST") == "1"
    assert preflight("OPTIONS||POST") == "0"
    assert preflight("OPTIONS|http://localhost:3000|") == "0"
    assert preflight("POST|http://localhost:3000|POST") == "0"
    listed = NginxMap(default_conf, "ollama_gw_origin_listed")
    ok = NginxMap(default_conf, "ollama_gw_origin_ok")
    status = NginxMap(default_conf, "ollama_gw_preflight_status")
    for origin, expected in (("http://localhost:3000", "204"), ("https://evil.example", "403"), ("null", "403"),
                             ("https://gw.example.test", "204")):
        origin_ok = ok("%s|https://gw.example.test" % origin, {"ollama_gw_origin_listed": listed(origin)})
        assert status("1" + origin_ok) == expected, origin
    api = _servers(default_conf)[-1]
    assert "if ($ollama_gw_preflight_status = 204) {\n        return 204;" in api
    # no OPTIONS exemption from basic auth or the admin check any more
    realm = NginxMap(default_conf, "ollama_gw_basic_realm")
    assert realm("OPTIONS|") == "Ollama gateway"
    assert realm("OPTIONS|app") == "off"
    admin = NginxMap(default_conf, "ollama_gw_admin_denied")
    assert admin("OPTIONS|app|") == "1"


def test_cors_origins_are_configurable(tmp_path):
    conf = render(tmp_path, gateway_cors_origins=["https://chat.example.com", "chrome-extension://*"])
    listed = NginxMap(conf, "ollama_gw_origin_listed")
    assert listed("https://chat.example.com") == "1"
    assert listed("HTTPS://Chat.Example.com") == "1"
    assert listed("chrome-extension://abcdef") == "1"
    assert listed("http://localhost:3000") == "0"
    assert listed("https://chat.example.com.evil.example") == "0"


# --- item 9 ----------------------------------------------------------------------------------------------------
def test_strip_mode_refuses_cross_site_writes(tmp_path, default_conf):
    conf = render(tmp_path, gateway_origin_mode="strip")
    cross = NginxMap(conf, "ollama_gw_cross_site")
    assert cross("POST|0|https://evil.example") == "1"
    assert cross("DELETE|0|null") == "1"
    assert cross("POST|1|https://chat.example.com") == "0"
    assert cross("POST|0|") == "0"
    assert cross("GET|0|https://evil.example") == "0"
    assert cross("HEAD|0|https://evil.example") == "0"
    assert "if ($ollama_gw_cross_site) {" in conf
    assert "ollama_gw_cross_site" not in default_conf  # pass mode: Ollama's own CORS check sees the Origin


# --- item 10 ---------------------------------------------------------------------------------------------------
def test_port_80_redirects_to_the_configured_name_only(default_conf):
    http = _servers(default_conf)[0]
    assert "$host" not in http and "$http_host" not in http
    assert "return 301 https://gw.example.test$request_uri;" in http
    api_location = re.search(r"location ~ (\S+) \{\n(.*?)\n    \}", http, re.S)
    for path in ("/api/tags", "/v1/models", "/api", "/v1/chat/completions"):
        assert re.search(api_location.group(1), path), path
    assert not re.search(api_location.group(1), "/apix")
    assert """return 400 '{"error":"this gateway only serves https; use https://gw.example.test/"}';""" in api_location.group(2)
    # a credential sent to any other path over http gets the error too, not a redirect
    assert "if ($http_authorization) {" in http


def test_port_80_names_the_public_url_and_prefix(tmp_path):
    conf = render(tmp_path, gateway_server_name="", gateway_public_url="https://ai.example.com:8443/ollama",
                  gateway_location_prefix="/ollama/", gateway_listen_address="10.1.2.3")
    http = _servers(conf)[0]
    assert "return 301 https://ai.example.com:8443$request_uri;" in http
    assert "use https://ai.example.com:8443/ollama/" in http
    conf = render(tmp_path, gateway_server_name="", gateway_listen_address="10.1.2.3", gateway_https_port=8443)
    assert "return 301 https://10.1.2.3:8443$request_uri;" in _servers(conf)[0]


@pytest.mark.parametrize("bootstrap", [False, True])
def test_server_tokens_off_everywhere(tmp_path, bootstrap):
    conf = render(tmp_path, gateway_tls_mode="acme", bootstrap=bootstrap)
    servers = _servers(conf)
    assert servers and all("    server_tokens off;" in s for s in servers)


@pytest.mark.parametrize("mode,setting,expected", [
    ("acme", None, True), ("provided", None, True), ("selfsigned", None, False),
    ("acme", False, False), ("selfsigned", True, True),
])
def test_hsts_default_depends_on_the_tls_mode(tmp_path, mode, setting, expected):
    extra = {"gateway_tls_cert_path": "/etc/ssl/x.crt", "gateway_tls_key_path": "/etc/ssl/x.key"} if mode == "provided" else {}
    conf = render(tmp_path, gateway_tls_mode=mode, gateway_tls_hsts_enabled=setting, **extra)
    assert ("Strict-Transport-Security" in conf) == expected


def test_no_backend_answering_is_a_json_error(default_conf):
    # nginx's own 502/504 (every try refused or timed out) is JSON like the rest of the API, not an HTML page
    assert re.search(r"^\s*error_page 502 504 = @ollama_gw_unavailable;", default_conf, re.M)
    named = re.search(r"location @ollama_gw_unavailable \{(.*?)\n\s*\}", default_conf, re.S).group(1)
    assert "default_type application/json;" in named
    body = re.search(r"return 502 '(.*)';", named).group(1)
    assert json.loads(body)["error"].startswith("no Ollama backend answered this request")
