-- localllm.ollama.gateway: the nginx glue of model-aware routing (lua-nginx-module). The decisions are in
-- ollama_gw/routing.lua (pure functions, unit-tested with LuaJIT); this file reads the request, keeps the routing
-- table in the shared dictionary "ollama_gw", refreshes it from the backends and answers listings and fleet-wide
-- management. See roles/gateway/README.md ("Model-aware routing").
-- Two JSON libraries from Debian: lua-cjson (C, fast) reads request bodies and keeps the routing state; lua-dkjson
-- writes every answer and reads what is passed on from the backends, because Debian's lua-cjson 2.1.0 cannot tell
-- an empty JSON array from an empty object (it would turn "[]" into "{}") and writes "/" as "\/".
local cjson = require("cjson.safe")
local dkjson = require("dkjson")
local R = require("ollama_gw.routing")

local M = {}
R.null = dkjson.null

-- Answers list their fields in Ollama's order (JSON objects are unordered, but people read them).
local KEY_ORDER = {
    keyorder = {"name", "model", "id", "object", "created", "owned_by", "modified_at", "size", "digest", "details",
                "expires_at", "size_vram", "context_length", "parent_model", "format", "family", "families",
                "parameter_size", "quantization_level", "status", "backend", "error", "message", "type", "param",
                "code", "data", "models"},
}

local function encode(value)
    return dkjson.encode(value, KEY_ORDER)
end

local function decode_answer(text)
    if type(text) ~= "string" or text == "" then
        return nil
    end
    local data = dkjson.decode(text, 1, dkjson.null)
    return data
end

local DICT = ngx.shared.ollama_gw
local API_JSON = "application/json; charset=utf-8"
local OPENAI_JSON = "application/json"
local CLOUD_REFUSED = "cloud models are disabled on this gateway (gateway_cloud_models_allowed is false)"

local conf           -- the settings file (init), inherited by every worker
local cache = {version = -1, backends = nil}

-- --- settings and state ----------------------------------------------------------------------------------------
local function read_file(path)
    local handle, err = io.open(path, "rb")
    if not handle then
        return nil, err
    end
    local data = handle:read("*a")
    handle:close()
    return data
end

-- init_by_lua: the settings file the role renders (backends with their configured models, drained marks written
-- by ollama-gateway-upstream). Runs again at every reload; the learned state in the shared dictionary survives
-- reloads, the seed only fills backends it does not know yet.
function M.init(path)
    local text, err = read_file(path)
    if not text then
        error("ollama gateway: cannot read " .. path .. ": " .. tostring(err))
    end
    local data, derr = cjson.decode(text)
    if type(data) ~= "table" or type(data.backends) ~= "table" or #data.backends == 0 then
        error("ollama gateway: " .. path .. " is not a routing settings file: " .. tostring(derr or "no backends"))
    end
    conf = data
    conf.refresh_interval = tonumber(conf.refresh_interval) or 2
    conf.timeout_ms = tonumber(conf.timeout_ms) or 1500
    conf.miss_refresh_interval = tonumber(conf.miss_refresh_interval) or 0.25
    for _, b in ipairs(conf.backends) do
        local models = {}
        for _, name in ipairs(b.models or {}) do
            models[R.model_key(name)] = true
        end
        -- seeded backends count as up until their first refresh says otherwise
        DICT:add("state:" .. b.name, cjson.encode({up = true, models = models, loaded = {}, seeded = true}))
    end
    DICT:incr("version", 1, 0)
end

-- This worker's view of the backends: settings + learned state, rebuilt when the refresher changed something.
local function backends()
    local version = DICT:get("version") or 0
    if cache.backends and cache.version == version then
        return cache.backends
    end
    local out = {}
    for _, b in ipairs(conf.backends) do
        local state = cjson.decode(DICT:get("state:" .. b.name) or "{}") or {}
        out[#out + 1] = {
            name = b.name, address = b.address, port = b.port, parallel = tonumber(b.parallel) or 1,
            max_loaded = tonumber(b.max_loaded) or 0,
            down = b.down == true, up = state.up == true, models = state.models or {}, loaded = state.loaded or {},
        }
    end
    cache.version, cache.backends = version, out
    return out
end

local function inflight()
    local out = {}
    for _, b in ipairs(conf.backends) do
        out[b.name] = DICT:get("inflight:" .. b.name) or 0
    end
    return out
end

-- A model sent to a backend counts as loaded there for a few refreshes (the next /api/ps shows it only once its
-- load finished): requests right behind the first one follow it instead of loading the model elsewhere too.
local function hot_backends(list, key)
    for _, b in ipairs(list) do
        if not b.loaded[key] and DICT:get("hot:" .. b.name .. "|" .. key) then
            local loaded = {[key] = true}
            for k in pairs(b.loaded) do
                loaded[k] = true
            end
            b.loaded = loaded
        end
    end
end

-- --- a small HTTP/1.0 client on cosockets --------------------------------------------------------------------
-- Written here because Debian 12 packages no lua-resty-http; the backends are Ollama (Go net/http), which
-- answers an HTTP/1.0 request with a close-delimited body, so no chunked decoding is needed.
-- opts: body (string), body_file (path), headers (table), on_line (function(line) for streamed answers),
-- timeout (ms). Returns {status=, headers=, text=} or nil, error.
local function http(b, method, path, opts)
    opts = opts or {}
    local sock = ngx.socket.tcp()
    local timeout = opts.timeout or conf.timeout_ms
    sock:settimeouts(timeout, opts.send_timeout or timeout, opts.read_timeout or timeout)
    local ok, err = sock:connect(b.address, b.port)
    if not ok then
        return nil, "connect " .. b.address .. ":" .. b.port .. ": " .. tostring(err)
    end
    local length = 0
    if opts.body then
        length = #opts.body
    elseif opts.body_file then
        local f = io.open(opts.body_file, "rb")
        if not f then
            sock:close()
            return nil, "cannot read the request body file"
        end
        length = f:seek("end")
        f:close()
    end
    local head = {method, " ", path, " HTTP/1.0\r\nHost: ", conf.host_header, "\r\nConnection: close\r\n"}
    for k, v in pairs(opts.headers or {}) do
        head[#head + 1] = k .. ": " .. v .. "\r\n"
    end
    if method ~= "GET" and method ~= "HEAD" then
        head[#head + 1] = "Content-Length: " .. length .. "\r\n"
    end
    head[#head + 1] = "\r\n"
    ok, err = sock:send(head)
    if ok and opts.body and length > 0 then
        ok, err = sock:send(opts.body)
    elseif ok and opts.body_file then
        local f = io.open(opts.body_file, "rb")
        while ok do
            local chunk = f:read(1048576)
            if not chunk then
                break
            end
            ok, err = sock:send(chunk)
        end
        f:close()
    end
    if not ok then
        sock:close()
        return nil, "send: " .. tostring(err)
    end
    local line
    line, err = sock:receive("*l")
    local status = line and tonumber(line:match("^HTTP/%d%.%d (%d%d%d)"))
    if not status then
        sock:close()
        return nil, "bad answer: " .. tostring(line or err)
    end
    local headers = {}
    while true do
        line, err = sock:receive("*l")
        if not line then
            sock:close()
            return nil, "headers: " .. tostring(err)
        end
        if line == "" then
            break
        end
        local k, v = line:match("^([^:]+):%s*(.*)$")
        if k then
            headers[k:lower()] = v
        end
    end
    local res = {status = status, headers = headers, sock = sock}
    if method == "HEAD" then
        sock:close()
        res.text = ""
        return res
    end
    if opts.on_line and status == 200 then
        while true do
            line, err = sock:receive("*l")
            if not line then
                break
            end
            if line ~= "" then
                opts.on_line(line)
            end
        end
        sock:close()
        if err ~= "closed" then
            return nil, "stream: " .. tostring(err)
        end
        res.text = ""
        return res
    end
    res.text, err = sock:receive("*a")
    sock:close()
    if not res.text then
        return nil, "body: " .. tostring(err)
    end
    return res
end

-- Runs fn(backend) for every backend of LIST in parallel light threads; returns the results in LIST's order.
local function each(list, fn)
    local threads, out = {}, {}
    for i, b in ipairs(list) do
        threads[i] = ngx.thread.spawn(fn, b)
    end
    for i, t in ipairs(threads) do
        local ok, res, err = ngx.thread.wait(t)
        out[i] = {backend = list[i], res = ok and res or nil, err = ok and err or res}
    end
    return out
end

-- --- refresh (timer in worker 0, and synchronously on a miss) ---------------------------------------------------
local function refresh_one(b)
    local tags, err = http(b, "GET", "/api/tags")
    local state = {up = false, models = {}, loaded = {}, t = ngx.now()}
    if tags and tags.status == 200 then
        state.models = R.tags_models(cjson.decode(tags.text))
        local ps = http(b, "GET", "/api/ps")
        if ps and ps.status == 200 then
            state.loaded = R.tags_models(cjson.decode(ps.text))
        end
        state.up = true
    else
        state.error = err or ("HTTP " .. tostring(tags and tags.status))
    end
    local old = DICT:get("state:" .. b.name)
    local new = cjson.encode(state)
    -- the version only moves when routing facts change (workers re-decode then)
    local before = cjson.decode(old or "{}") or {}
    local why = state.error
    before.t, state.t, before.error, state.error, before.seeded = nil, nil, nil, nil, nil
    DICT:set("state:" .. b.name, new)
    if cjson.encode(before) ~= cjson.encode(state) then
        if before.up and not state.up then
            ngx.log(ngx.ERR, "ollama gateway: backend ", b.name, " leaves routing: ", tostring(why))
        elseif state.up and not before.up then
            ngx.log(ngx.ERR, "ollama gateway: backend ", b.name, " is back in routing")
        end
        DICT:incr("version", 1, 0)
    end
    return state.up
end

function M.refresh_all()
    each(conf.backends, refresh_one)
end

local function timer_refresh(premature)
    if premature then
        return
    end
    -- one refresh at a time across the workers' timers and miss refreshes
    if not DICT:add("refreshing", true, conf.refresh_interval + conf.timeout_ms / 500) then
        return
    end
    local ok, err = pcall(M.refresh_all)
    DICT:delete("refreshing")
    if not ok then
        ngx.log(ngx.ERR, "ollama gateway: refresh failed: ", err)
    end
end

function M.init_worker()
    if not conf.routing or ngx.worker.id() ~= 0 then
        return
    end
    ngx.timer.at(0, timer_refresh)
    ngx.timer.every(conf.refresh_interval, timer_refresh)
end

-- --- answers ---------------------------------------------------------------------------------------------------
local function rel_path()
    local uri = ngx.var.uri
    local prefix = conf.prefix or "/"
    if uri:sub(1, #prefix) == prefix then
        return uri:sub(#prefix + 1)
    end
    return uri:sub(2)
end

local function respond(status, body, openai, raw)
    ngx.status = status
    ngx.header["Content-Type"] = openai and OPENAI_JSON or API_JSON
    if raw ~= nil then
        ngx.print(raw)
    else
        ngx.print(encode(body))
    end
    return ngx.exit(ngx.HTTP_OK)
end

local function fail(status, message, openai, code)
    if openai then
        return respond(status, R.openai_error(status, message, code), true)
    end
    return respond(status, {error = message}, false)
end

-- The request body as text (nginx keeps it in memory up to client_body_buffer_size, else in a temp file).
local function body_text()
    ngx.req.read_body()
    local data = ngx.req.get_body_data()
    if data then
        return data
    end
    local file = ngx.req.get_body_file()
    if file then
        return read_file(file) or ""
    end
    return ""
end

local function decode_body(text, openai)
    if text:match("^%s*$") then
        return nil
    end
    local data, err = cjson.decode(text)
    if data == nil then
        -- Ollama would refuse it too (400); refusing here means nothing unparsed ever reaches a backend
        return fail(400, "invalid JSON in request body: " .. tostring(err), openai)
    end
    return data
end

-- A body naming a cloud model (":cloud", "-cloud" tags) is refused with 403 unless gateway_cloud_models_allowed;
-- true when it was (the response is sent).
local function refused_cloud(body, openai)
    if conf.cloud_allowed then
        return false
    end
    local cloud = R.cloud_field(body)
    if not cloud then
        return false
    end
    fail(403, CLOUD_REFUSED .. ": " .. cloud, openai, "cloud_models_disabled")
    return true
end

local function peers(list)
    local out = {}
    for i, b in ipairs(list) do
        out[i] = {name = b.name, address = b.address, port = b.port}
    end
    return out
end

-- access_by_lua of the endpoints that name a model (and of the cloud filter alone with gateway_routing
-- least_conn: route == false).
function M.access_model(route)
    local path = rel_path()
    local openai = R.is_openai(path)
    local endpoint, from_path = R.routed_endpoint(path)
    local model
    if from_path then
        model = from_path
        if not conf.cloud_allowed and R.is_cloud(model) then
            return fail(403, CLOUD_REFUSED, true, "cloud_models_disabled")
        end
    else
        local body = decode_body(body_text(), openai)
        if refused_cloud(body, openai) then
            return
        end
        model = R.body_model(body)
    end
    if route == false then
        return
    end
    if not model then
        -- no model named: any backend answers Ollama's own error ("model is required")
        return M.access_any()
    end
    local key = R.model_key(model)
    local list = backends()
    hot_backends(list, key)
    local chosen, unhealthy = R.choose(list, key, inflight())
    if #chosen == 0 and not unhealthy and DICT:add("missrefresh", true, conf.miss_refresh_interval) then
        -- a miss: maybe pulled by hand since the last refresh
        M.refresh_all()
        list = backends()
        chosen, unhealthy = R.choose(list, key, inflight())
    end
    if #chosen == 0 and conf.cloud_allowed and R.is_cloud(model) then
        -- cloud models allowed: they run on ollama.com, any backend forwards them
        return M.access_any()
    end
    if #chosen == 0 then
        if unhealthy then
            return fail(503, "model '" .. model .. "' is only on backends that are not answering", openai)
        end
        local status, body = R.not_found(endpoint, model)
        return respond(status, body, openai)
    end
    DICT:set("hot:" .. chosen[1].name .. "|" .. key, true, conf.refresh_interval * 3 + 5)
    ngx.ctx.ollama_gw_peers = peers(chosen)
end

-- access_by_lua of everything else that is proxied: any healthy backend, least in flight first.
function M.access_any()
    local chosen = R.any(backends(), inflight(), DICT:incr("rr", 1, 0))
    if #chosen == 0 then
        return fail(503, "no Ollama backend is answering", R.is_openai(rel_path()))
    end
    ngx.ctx.ollama_gw_peers = peers(chosen)
end

-- balancer_by_lua: the first peer, then (proxy_next_upstream) the next one on a failure.
function M.balancer()
    local balancer = require("ngx.balancer")
    local ctx = ngx.ctx
    local list = ctx.ollama_gw_peers
    if not list then
        list = peers(R.any(backends(), inflight()))
        if #list == 0 then
            list = peers(conf.backends)
        end
        ctx.ollama_gw_peers = list
    end
    local index = (ctx.ollama_gw_try or 0) + 1
    if index == 1 then
        local more = math.min(#list, tonumber(conf.tries) or 2) - 1
        if more > 0 then
            balancer.set_more_tries(more)
        end
    else
        DICT:incr("inflight:" .. list[index - 1].name, -1, 0)
        if index > #list then
            index = #list
        end
    end
    ctx.ollama_gw_try = index
    local peer = list[index]
    DICT:incr("inflight:" .. peer.name, 1, 0)
    ctx.ollama_gw_current = peer.name
    local ok, err = balancer.set_current_peer(peer.address, peer.port)
    if not ok then
        ngx.log(ngx.ERR, "ollama gateway: cannot use backend ", peer.name, ": ", err)
        return ngx.exit(502)
    end
end

-- log_by_lua: the request is over.
function M.log()
    local name = ngx.ctx.ollama_gw_current
    if name then
        DICT:incr("inflight:" .. name, -1, 0)
    end
end

-- --- listings ---------------------------------------------------------------------------------------------------
local LISTINGS = {
    tags = {path = "/api/tags", merge = R.merge_tags},
    ps = {path = "/api/ps", merge = R.merge_ps},
    models = {path = "/v1/models", merge = R.merge_v1_models, openai = true},
}

-- content_by_lua of /api/tags, /api/ps and /v1/models: the union over the healthy backends.
function M.listing(kind)
    local spec = LISTINGS[kind]
    local targets = R.select_backends(backends(), nil)
    local results = each(targets, function(b)
        return http(b, "GET", spec.path)
    end)
    local answers = {}
    for _, r in ipairs(results) do
        if r.res and r.res.status == 200 then
            local body = decode_answer(r.res.text)
            if type(body) == "table" then
                answers[#answers + 1] = {name = r.backend.name, body = body}
            end
        end
    end
    if #answers == 0 then
        return fail(502, "no Ollama backend answered " .. spec.path, spec.openai)
    end
    return respond(200, spec.merge(answers), spec.openai)
end

-- --- management (admin endpoints) ---------------------------------------------------------------------------------
local function targets_or_fail()
    local list, err = R.select_backends(backends(), ngx.var.http_x_ollama_backends)
    if not list then
        return fail(400, err)
    end
    if #list == 0 then
        return fail(503, "no Ollama backend is answering")
    end
    return list
end

local function forward_headers()
    local h = {}
    local ctype = ngx.var.http_content_type
    if ctype then
        h["Content-Type"] = ctype
    end
    return h
end

-- content_by_lua of /api/pull, /api/create, /api/delete, /api/copy and /api/blobs/*: the same request to every
-- healthy backend (or those named in X-Ollama-Backends), one combined answer. pull and create stream their
-- progress lines (each with "backend": <name>) unless "stream": false; the last line is {"status":"success"}
-- only when every backend succeeded.
function M.manage()
    local method = ngx.req.get_method()
    local path = "/" .. rel_path()
    if ngx.var.args then
        path = path .. "?" .. ngx.var.args
    end
    local op = path:match("^/api/(%a+)")
    local opts = {headers = forward_headers(), read_timeout = (tonumber(conf.read_timeout) or 3600) * 1000}
    local body
    if op == "blobs" then
        ngx.req.read_body()
        opts.body = ngx.req.get_body_data()
        if not opts.body then
            opts.body_file = ngx.req.get_body_file()
        end
    else
        opts.body = body_text()
        body = decode_body(opts.body, false)
        if refused_cloud(body, false) then
            return
        end
    end
    local list = targets_or_fail()
    local streamed = (op == "pull" or op == "create") and not (type(body) == "table" and body.stream == false)
    if not streamed then
        local results = each(list, function(b)
            return http(b, method, path, opts)
        end)
        local combined = {}
        for i, r in ipairs(results) do
            combined[i] = {name = r.backend.name, status = r.res and r.res.status, text = r.res and r.res.text,
                           body = r.res and cjson.decode(r.res.text or ""), error = not r.res and r.err or nil}
        end
        local status, text, err = R.combine(combined)
        if op ~= "blobs" and method ~= "HEAD" then
            -- the backends' model lists changed: route by the new ones from the next request on
            each(list, refresh_one)
        end
        if method == "HEAD" then
            ngx.status = status
            return ngx.exit(ngx.HTTP_OK)
        end
        return respond(status, err, false, text)
    end
    -- streamed: progress lines of every backend as they come, then one verdict
    ngx.status = 200
    ngx.header["Content-Type"] = "application/x-ndjson"
    local outcome = each(list, function(b)
        local last
        local res, err = http(b, method, path, {headers = opts.headers, body = opts.body, read_timeout = opts.read_timeout,
            on_line = function(line)
                local data = decode_answer(line)
                if type(data) == "table" then
                    last = data
                    if data.status ~= "success" then
                        data.backend = b.name
                        ngx.print(encode(data), "\n")
                        ngx.flush(false)
                    end
                end
            end})
        if not res then
            return {error = err}
        end
        if res.status ~= 200 then
            local data = cjson.decode(res.text or "")
            return {error = type(data) == "table" and data.error or ("HTTP " .. res.status)}
        end
        if type(last) == "table" and last.status == "success" then
            return {ok = true}
        end
        return {error = type(last) == "table" and last.error or "the stream ended without success"}
    end)
    each(list, refresh_one)
    local failed = {}
    for _, r in ipairs(outcome) do
        local v = r.res or {error = tostring(r.err)}
        if not v.ok then
            failed[#failed + 1] = r.backend.name .. ": " .. tostring(v.error)
        end
    end
    if #failed == 0 then
        ngx.print('{"status":"success"}\n')
    else
        ngx.print(encode({error = table.concat(failed, "; ")}), "\n")
    end
    return ngx.exit(ngx.HTTP_OK)
end

-- for the unit tests of the pure parts and for operators poking at a running gateway (lua code only)
M._backends = backends
return M
