-- localllm.ollama.gateway: the routing logic of the gateway, as pure functions (no ngx.* here), so that
-- tests/unit/roles/gateway/lua/ runs them with the LuaJIT CLI. The nginx glue is ollama_gw/nginx.lua.
-- Installed by the role under /etc/nginx/ollama-gateway/lua/ (roles/gateway/files/lua/).
local M = {}

local DEFAULT_HOST = "registry.ollama.ai"
local DEFAULT_NAMESPACE = "library"
local DEFAULT_TAG = "latest"

-- Model names, parsed the way Ollama (and plugins/module_utils/_grammar.py) does: [scheme://][host/][namespace/]
-- model[:tag], defaults registry.ollama.ai / library / latest. Returns nil for an invalid name.
local function valid_part(s, extra_dots, max)
    if s == nil or #s == 0 or #s > max then
        return false
    end
    if not s:sub(1, 1):match("[A-Za-z0-9_]") then
        return false
    end
    local pattern = extra_dots == "host" and "^[A-Za-z0-9_.:-]+$"
        or (extra_dots == "namespace" and "^[A-Za-z0-9_-]+$" or "^[A-Za-z0-9_.-]+$")
    return s:match(pattern) ~= nil
end

function M.parse_name(raw)
    if type(raw) ~= "string" or raw == "" then
        return nil
    end
    local name = raw
    local scheme = name:match("^([A-Za-z][A-Za-z0-9+.-]*)://")
    if scheme then
        scheme = scheme:lower()
        if scheme ~= "http" and scheme ~= "https" then
            return nil
        end
        name = name:sub(#scheme + 4)
    end
    if name:find("@", 1, true) then
        return nil
    end
    local tag = DEFAULT_TAG
    local last_slash = 0
    for i = #name, 1, -1 do
        if name:sub(i, i) == "/" then
            last_slash = i
            break
        end
    end
    local colon
    for i = #name, last_slash + 1, -1 do
        if name:sub(i, i) == ":" then
            colon = i
            break
        end
    end
    if colon then
        tag = name:sub(colon + 1)
        name = name:sub(1, colon - 1)
        if tag == "" then
            return nil
        end
    end
    local parts = {}
    for part in (name .. "/"):gmatch("([^/]*)/") do
        parts[#parts + 1] = part
    end
    if #parts > 3 then
        return nil
    end
    local model = parts[#parts]
    local namespace = #parts >= 2 and parts[#parts - 1] or DEFAULT_NAMESPACE
    local host = #parts == 3 and parts[1] or DEFAULT_HOST
    if not (valid_part(host, "host", 350) and valid_part(namespace, "namespace", 80)
            and valid_part(model, "model", 80) and valid_part(tag, "tag", 80)) then
        return nil
    end
    local prefix = ""
    if host:lower() ~= DEFAULT_HOST then
        prefix = host .. "/" .. namespace .. "/"
    elseif namespace:lower() ~= DEFAULT_NAMESPACE then
        prefix = namespace .. "/"
    end
    local short = prefix .. model .. ":" .. tag
    return {host = host, namespace = namespace, model = model, tag = tag, short = short, key = short:lower()}
end

-- Comparison key: Ollama matches local model names ignoring case. An invalid name keys as itself, lower-cased
-- (it matches nothing a backend lists, so it ends as "not found", like on a backend).
function M.model_key(raw)
    local parsed = M.parse_name(raw)
    if parsed then
        return parsed.key
    end
    return type(raw) == "string" and raw:lower() or ""
end

-- Cloud models: tags ":cloud" and "*-cloud" (Ollama forwards them to ollama.com signed with the server's key).
function M.is_cloud(value)
    if type(value) ~= "string" then
        return false
    end
    local s = value:match("^%s*(.-)%s*$"):lower()
    s = s:match("^([^@]*)")
    s = s:match("([^/]*)$")
    local tag = s:match(":([^:]*)$")
    if not tag then
        return false
    end
    return tag == "cloud" or tag:sub(-6) == "-cloud"
end

-- Request fields that name a model. Go's encoding/json matches field names case-insensitively, so "MODEL" counts.
-- "name" is the legacy alias of "model" (show, pull, create, delete); "from" is the base of /api/create.
M.CLOUD_FIELDS = {model = true, name = true, from = true}

-- The first cloud model named in a decoded JSON body, or nil.
function M.cloud_field(body)
    if type(body) ~= "table" then
        return nil
    end
    for k, v in pairs(body) do
        if type(k) == "string" and M.CLOUD_FIELDS[k:lower()] and M.is_cloud(v) then
            return v
        end
    end
    return nil
end

-- The model a routed request names: body field "model" (Go matches any case; "name" as the legacy alias).
-- Returns the raw string, or nil when the body names none.
function M.body_model(body)
    if type(body) ~= "table" then
        return nil
    end
    local model, name
    for k, v in pairs(body) do
        if type(k) == "string" and type(v) == "string" then
            local lk = k:lower()
            if lk == "model" and v ~= "" then
                model = v
            elseif lk == "name" and v ~= "" then
                name = v
            end
        end
    end
    return model or name
end

-- Endpoint (path below the prefix) -> how the real Ollama 0.32.15 words "not found" there (ollama-server.md,
-- tests/standin/ollama_standin/server.py). openai: the answer is in OpenAI's error shape.
local NOT_FOUND = {
    ["api/generate"] = {fmt = "model '%s' not found"},
    ["api/chat"] = {fmt = "model '%s' not found"},
    ["api/show"] = {fmt = "model '%s' not found", normalised = true},
    ["api/embed"] = {fmt = 'model "%s" not found, try pulling it first'},
    ["api/embeddings"] = {fmt = 'model "%s" not found, try pulling it first'},
    ["v1/chat/completions"] = {fmt = "model '%s' not found", openai = true},
    ["v1/completions"] = {fmt = "model '%s' not found", openai = true},
    ["v1/responses"] = {fmt = "model '%s' not found", openai = true},
    ["v1/messages"] = {fmt = "model '%s' not found", openai = true},
    ["v1/embeddings"] = {fmt = 'model "%s" not found, try pulling it first', openai = true},
    ["v1/models"] = {fmt = "model '%s' not found", normalised = true, openai = true},
}

-- Routed endpoints: path below the prefix -> true. /v1/models/{id} is matched by routed_endpoint().
function M.routed_endpoint(path)
    path = path:gsub("/$", "")
    if path:sub(1, 10) == "v1/models/" and #path > 10 then
        return "v1/models", path:sub(11)
    end
    if NOT_FOUND[path] and path ~= "v1/models" then
        return path, nil
    end
    return nil
end

function M.is_openai(path)
    return path:sub(1, 3) == "v1/"
end

-- status, body table of the answer to an unknown model on ENDPOINT (see NOT_FOUND).
function M.not_found(endpoint, raw)
    local rule = NOT_FOUND[endpoint] or {fmt = "model '%s' not found", openai = M.is_openai(endpoint)}
    local shown = raw
    if rule.normalised then
        local parsed = M.parse_name(raw)
        shown = parsed and parsed.short or raw
    end
    local message = string.format(rule.fmt, shown)
    if rule.openai then
        return 404, M.openai_error(404, message, "model_not_found")
    end
    return 404, {error = message}
end

-- OpenAI's error shape as Ollama's middleware writes it: the type follows the status.
function M.openai_error(status, message, code)
    local kind = status == 400 and "invalid_request_error" or (status == 404 and "not_found_error" or "api_error")
    if status == 403 then
        kind = "invalid_request_error"
    end
    return {error = {message = message, type = kind, param = M.null, code = code or M.null}}
end

-- The JSON null the encoder writes (set by the caller to cjson.null; nil would drop the key).
M.null = nil

-- The backends of PICKED ({backend=, group=, busy=, index=} entries) by group (when set), then fewest in flight,
-- then index.
local function ordered(picked)
    table.sort(picked, function(a, b)
        if (a.group or 0) ~= (b.group or 0) then
            return (a.group or 0) < (b.group or 0)
        end
        if a.busy ~= b.busy then
            return a.busy < b.busy
        end
        return a.index < b.index
    end)
    local out = {}
    for i, p in ipairs(picked) do
        out[i] = p.backend
    end
    return out
end

-- Backend choice. backends: ordered list of {name=, up=, down=, models={key=true...}, loaded={key=true...},
-- parallel=n, max_loaded=n}; inflight: name -> requests in flight through this gateway. Returns the holders in the
-- order they should be tried:
--   0. the model loaded, a free slot;
--   1. not loaded, a free slot, and room to load it (fewer models loaded than max_loaded; 0 = Ollama's default,
--      3 per GPU): spill-over, a cold load beats queueing behind a saturated backend;
--   2. loaded but saturated (queue there rather than evict another model elsewhere);
--   3. not loaded, a free slot, but full (loading it evicts a model another request may need next);
--   4. the rest.
-- Least in flight first within each group, inventory order on ties. The second value says whether some holder is
-- known but unhealthy.
function M.choose(backends, key, inflight)
    local picked, unhealthy = {}, false
    for index, b in ipairs(backends) do
        if b.models and b.models[key] and not b.down then
            if b.up then
                local busy = inflight[b.name] or 0
                local free = busy < (b.parallel or 1)
                local loaded = b.loaded and b.loaded[key] or false
                local count = 0
                for _ in pairs(b.loaded or {}) do
                    count = count + 1
                end
                local room = count < ((tonumber(b.max_loaded) or 0) > 0 and b.max_loaded or 3)
                local group
                if loaded then
                    group = free and 0 or 2
                elseif free then
                    group = room and 1 or 3
                else
                    group = 4
                end
                picked[#picked + 1] = {backend = b, group = group, busy = busy, index = index}
            else
                unhealthy = true
            end
        end
    end
    return ordered(picked), unhealthy
end

-- Requests that name no model: every healthy backend that is not drained, least in flight first; ties go round
-- robin from position START (a counter of the caller), so idle backends share the light requests.
function M.any(backends, inflight, start)
    local picked = {}
    local n = #backends
    for index, b in ipairs(backends) do
        if b.up and not b.down then
            picked[#picked + 1] = {backend = b, busy = inflight[b.name] or 0, index = (index - 1 - (start or 0)) % n}
        end
    end
    return ordered(picked)
end

-- /api/tags answer -> set of model keys (and key -> digest).
function M.tags_models(tags)
    local models, digests = {}, {}
    if type(tags) == "table" and type(tags.models) == "table" then
        for _, m in ipairs(tags.models) do
            local name = m.model or m.name
            if type(name) == "string" then
                local key = M.model_key(name)
                models[key] = true
                digests[key] = m.digest
            end
        end
    end
    return models, digests
end

-- Fleet-wide listings. answers: ordered list of {name = backend name, body = decoded answer}; failed backends are
-- left out by the caller. One entry per model (compared like Ollama compares names); the first backend's entry is
-- kept. When the backends hold different digests under one name, the entry gets "gateway_digests":
-- {backend: digest} so a client (or operator) can tell which backend has which.
local function union(answers, list_field, id_of, order)
    local out, seen = {}, {}
    for _, answer in ipairs(answers) do
        local list = type(answer.body) == "table" and answer.body[list_field]
        if type(list) == "table" then
            for _, entry in ipairs(list) do
                local id = id_of(entry)
                if type(id) == "string" then
                    local key = M.model_key(id)
                    local first = seen[key]
                    if not first then
                        seen[key] = {entry = entry, digests = {[answer.name] = entry.digest}, differ = false}
                        out[#out + 1] = entry
                    else
                        first.digests[answer.name] = entry.digest
                        if entry.digest ~= nil and entry.digest ~= first.entry.digest then
                            first.differ = true
                        end
                        if order and order(entry, first.entry) then
                            -- keep the most relevant copy's fields (e.g. the longest-living loaded entry)
                            for k in pairs(first.entry) do
                                first.entry[k] = nil
                            end
                            for k, v in pairs(entry) do
                                first.entry[k] = v
                            end
                        end
                    end
                end
            end
        end
    end
    for _, s in pairs(seen) do
        if s.differ then
            s.entry.gateway_digests = s.digests
        end
    end
    return out
end

local function newest_first(field)
    return function(a, b)
        local x, y = a[field], b[field]
        if type(x) ~= type(y) then
            return type(x) ~= "nil"
        end
        if x == nil then
            return false
        end
        return x > y
    end
end

-- /api/tags: {"models": [...]}, newest modified_at first (RFC 3339 strings of one zone compare as text).
function M.merge_tags(answers)
    local models = union(answers, "models", function(e) return e.model or e.name end)
    table.sort(models, newest_first("modified_at"))
    return {models = models}
end

-- /api/ps: {"models": [...]}, longest expiry first as Ollama sorts it; for a model loaded on several backends
-- the entry that expires last is shown.
function M.merge_ps(answers)
    local later = function(a, b) return (a.expires_at or "") > (b.expires_at or "") end
    local models = union(answers, "models", function(e) return e.model or e.name end, later)
    table.sort(models, newest_first("expires_at"))
    return {models = models}
end

-- /v1/models: {"object": "list", "data": [...]}, newest first; Ollama sends "data": null for no models.
function M.merge_v1_models(answers)
    local data = union(answers, "data", function(e) return e.id end)
    table.sort(data, newest_first("created"))
    if #data == 0 then
        return {object = "list", data = M.null}
    end
    return {object = "list", data = data}
end

-- Management across backends. results: ordered list of {name=, status=, body= (decoded or nil), text=}. All
-- answered 2xx: the first answer (same shape as one backend's). Otherwise the first failure's status with
-- {"error": "<backend>: <its error>; ..."} naming every backend that failed.
function M.combine(results)
    local failed = {}
    for _, r in ipairs(results) do
        if not r.status or r.status < 200 or r.status > 299 then
            local message = r.error
            if not message and type(r.body) == "table" then
                message = type(r.body.error) == "string" and r.body.error
                    or (type(r.body.error) == "table" and r.body.error.message)
            end
            if not message then
                message = r.text and r.text ~= "" and r.text or ("HTTP " .. tostring(r.status))
            end
            failed[#failed + 1] = {name = r.name, status = r.status or 502, message = message}
        end
    end
    if #failed == 0 then
        return results[1].status, results[1].text, nil
    end
    if #results == 1 and results[1].status and results[1].text and results[1].text ~= "" then
        -- one backend: its own answer, unchanged
        return results[1].status, results[1].text, nil
    end
    local parts = {}
    for _, f in ipairs(failed) do
        parts[#parts + 1] = f.name .. ": " .. f.message
    end
    return failed[1].status, nil, {error = table.concat(parts, "; ")}
end

-- "X-Ollama-Backends: a, b" -> list of the named backends (inventory names), or nil, error message.
function M.select_backends(backends, header)
    if header == nil or header == "" then
        local out = {}
        for _, b in ipairs(backends) do
            if b.up and not b.down then
                out[#out + 1] = b
            end
        end
        return out
    end
    local by_name, names = {}, {}
    for _, b in ipairs(backends) do
        by_name[b.name] = b
        names[#names + 1] = b.name
    end
    local out, seen = {}, {}
    for name in header:gmatch("[^,%s]+") do
        local b = by_name[name]
        if not b then
            return nil, "unknown backend '" .. name .. "' in X-Ollama-Backends (known: " .. table.concat(names, ", ") .. ")"
        end
        if not seen[name] then
            seen[name] = true
            out[#out + 1] = b
        end
    end
    if #out == 0 then
        return nil, "X-Ollama-Backends names no backend (known: " .. table.concat(names, ", ") .. ")"
    end
    return out
end

return M
