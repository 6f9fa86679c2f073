-- Unit tests of roles/gateway/files/lua/ollama_gw/routing.lua, run with the LuaJIT CLI by test_routing_lua.py
-- (package.path points at the role's lua/ directory). Each test is a function; any failed assert fails the run.
local cjson = require("cjson")
local R = require("ollama_gw.routing")
R.null = cjson.null

local tests = {}
local function eq(got, want, what)
    assert(got == want, (what or "value") .. ": got " .. tostring(got) .. ", want " .. tostring(want))
end
local function names(list)
    local out = {}
    for i, b in ipairs(list) do
        out[i] = b.name
    end
    return table.concat(out, ",")
end

function tests.names_normalise_like_ollama()
    eq(R.model_key("llama3"), "llama3:latest")
    eq(R.model_key("llama3:latest"), "llama3:latest")
    eq(R.model_key("registry.ollama.ai/library/llama3:latest"), "llama3:latest")
    eq(R.model_key("https://registry.ollama.ai/library/llama3"), "llama3:latest")
    eq(R.model_key("LLaMA3:Latest"), "llama3:latest", "case-insensitive")
    eq(R.model_key("library/llama3"), "llama3:latest")
    eq(R.model_key("team/assistant"), "team/assistant:latest")
    eq(R.model_key("127.0.0.1:5000/library/tinyllama:latest"), "127.0.0.1:5000/library/tinyllama:latest")
    eq(R.model_key("127.0.0.1:5000/library/tinyllama"), "127.0.0.1:5000/library/tinyllama:latest")
    eq(R.parse_name("Registry.Ollama.AI/Library/Qwen2.5:7B").short, "Qwen2.5:7B", "display keeps the case")
    eq(R.parse_name("nope").short, "nope:latest")
end

function tests.invalid_names_match_nothing()
    eq(R.parse_name(""), nil)
    eq(R.parse_name("a/b/c/d"), nil, "too many parts")
    eq(R.parse_name("x:"), nil, "empty tag")
    eq(R.parse_name("ftp://x"), nil, "scheme")
    eq(R.parse_name("x@sha256:abc"), nil, "digest")
    eq(R.parse_name("-x"), nil, "bad first character")
    eq(R.parse_name("ns.with.dots/x"), nil, "dots in the namespace")
    eq(R.model_key("A/B/C/D"), "a/b/c/d")
end

function tests.cloud_models()
    assert(R.is_cloud("gpt-oss:120b-cloud"))
    assert(R.is_cloud("x:cloud"))
    assert(R.is_cloud(" ollama.com/library/gpt-oss:20b-CLOUD "))
    assert(R.is_cloud("x:cloud@sha256:1234"))
    assert(not R.is_cloud("cloud"))
    assert(not R.is_cloud("cloud-model:latest"))
    assert(not R.is_cloud("x:cloudy"))
    assert(not R.is_cloud(42))
    eq(R.cloud_field({MODEL = "x:cloud", prompt = "hi"}), "x:cloud", "any case of the field name")
    eq(R.cloud_field({name = "a", from = "b:cloud"}), "b:cloud")
    eq(R.cloud_field({model = "llama3"}), nil)
    eq(R.cloud_field("not a table"), nil)
end

function tests.model_of_a_body_and_a_path()
    eq(R.body_model({model = "a", name = "b"}), "a", "model wins over name")
    eq(R.body_model({Name = "b"}), "b")
    eq(R.body_model({Model = ""}), nil)
    eq(R.body_model({prompt = "x"}), nil)
    local endpoint, model = R.routed_endpoint("v1/models/qwen:7b")
    eq(endpoint, "v1/models")
    eq(model, "qwen:7b")
    eq(R.routed_endpoint("api/chat"), "api/chat")
    eq(R.routed_endpoint("v1/chat/completions/"), "v1/chat/completions")
    eq(R.routed_endpoint("api/tags"), nil)
    eq(R.routed_endpoint("v1/models"), nil)
end

function tests.not_found_answers_match_ollama()
    local status, body = R.not_found("api/generate", "nope")
    eq(status, 404)
    eq(cjson.encode(body), '{"error":"model \'nope\' not found"}')
    status, body = R.not_found("api/show", "nope")
    eq(body.error, "model 'nope:latest' not found", "show names the normalised model")
    status, body = R.not_found("api/embed", "nope")
    eq(body.error, 'model "nope" not found, try pulling it first')
    status, body = R.not_found("v1/chat/completions", "nope")
    eq(body.error.message, "model 'nope' not found")
    eq(body.error.type, "not_found_error")
    eq(body.error.code, "model_not_found")
    eq(body.error.param, cjson.null)
    status, body = R.not_found("v1/embeddings", "nope")
    eq(body.error.message, 'model "nope" not found, try pulling it first')
    status, body = R.not_found("v1/models", "nope")
    eq(body.error.message, "model 'nope:latest' not found")
    eq(R.openai_error(403, "x", "cloud_models_disabled").error.type, "invalid_request_error")
end

local function fleet()
    return {
        {name = "s1", up = true, parallel = 1, models = {["a:latest"] = true}, loaded = {}},
        {name = "s2", up = true, parallel = 2, models = {["a:latest"] = true, ["b:latest"] = true},
         loaded = {["a:latest"] = true}},
        {name = "s3", up = true, parallel = 1, models = {["a:latest"] = true, ["b:latest"] = true}, loaded = {}},
    }
end

function tests.only_holders_are_chosen()
    eq(names(R.choose(fleet(), "b:latest", {})), "s2,s3")
    local chosen, unhealthy = R.choose(fleet(), "zzz:latest", {})
    eq(#chosen, 0)
    eq(unhealthy, false)
end

function tests.loaded_first_then_least_busy()
    eq(names(R.choose(fleet(), "a:latest", {})), "s2,s1,s3", "the loaded holder first, inventory order on ties")
    eq(names(R.choose(fleet(), "a:latest", {s1 = 1})), "s2,s3,s1", "a busy cold holder after a free one")
    eq(names(R.choose(fleet(), "b:latest", {s2 = 0, s3 = 0})), "s2,s3")
end

function tests.a_cold_model_goes_where_it_can_load_without_evicting()
    -- OLLAMA_MAX_LOADED_MODELS=1: s1 holds a loaded, s2 holds nothing loaded; both have a and b
    local function pair()
        return {
            {name = "s1", up = true, parallel = 1, max_loaded = 1, models = {["a:latest"] = true, ["b:latest"] = true},
             loaded = {["a:latest"] = true}},
            {name = "s2", up = true, parallel = 1, max_loaded = 1, models = {["a:latest"] = true, ["b:latest"] = true},
             loaded = {}},
        }
    end
    eq(names(R.choose(pair(), "b:latest", {})), "s2,s1", "b loads on the empty backend, a stays loaded on s1")
    local full = pair()
    full[2].loaded = {["b:latest"] = true}
    -- a is saturated on s1 and s2 is full with b: queue on s1 rather than evict b on s2
    eq(names(R.choose(full, "a:latest", {s1 = 1})), "s1,s2")
    -- max_loaded 0 is Ollama's default (3 per GPU): room for a second model
    full[2].max_loaded = 0
    eq(names(R.choose(full, "a:latest", {s1 = 1})), "s2,s1")
end

function tests.spill_over_when_the_loaded_holder_is_saturated()
    -- s2 has a loaded and 2 parallel slots: at 2 in flight the free cold holders come first
    eq(names(R.choose(fleet(), "a:latest", {s2 = 1})), "s2,s1,s3")
    eq(names(R.choose(fleet(), "a:latest", {s2 = 2})), "s1,s3,s2")
    -- everyone saturated: queue on the loaded one rather than load the model elsewhere
    eq(names(R.choose(fleet(), "a:latest", {s1 = 1, s2 = 2, s3 = 1})), "s2,s1,s3")
end

function tests.down_and_drained_backends_are_skipped()
    local f = fleet()
    f[2].up = false
    local chosen, unhealthy = R.choose(f, "b:latest", {})
    eq(names(chosen), "s3")
    f[3].down = true
    chosen, unhealthy = R.choose(f, "b:latest", {})
    eq(#chosen, 0)
    eq(unhealthy, true, "a holder exists but is not answering")
    eq(names(R.any(f, {s1 = 3})), "s1")
    f[2].up = true
    eq(names(R.any(f, {s1 = 3})), "s2,s1", "least in flight first")
    f[3].down = false
    eq(names(R.any(f, {}, 0)), "s1,s2,s3", "ties: round robin")
    eq(names(R.any(f, {}, 1)), "s2,s3,s1")
    eq(names(R.any(f, {}, 5)), "s3,s1,s2")
    eq(names(R.any(f, {s3 = 1}, 2)), "s1,s2,s3")
end

local function tags(list)
    local models = {}
    for i, m in ipairs(list) do
        models[i] = {name = m[1], model = m[1], digest = m[2], modified_at = m[3]}
    end
    return {models = models}
end

function tests.tags_union_one_entry_per_model()
    local merged = R.merge_tags({
        {name = "s1", body = tags({{"a:latest", "d1", "2026-01-01T00:00:00Z"}})},
        {name = "s2", body = tags({{"A:latest", "d1", "2026-01-03T00:00:00Z"}, {"b:latest", "d2", "2026-01-02T00:00:00Z"}})},
    })
    eq(#merged.models, 2)
    eq(merged.models[1].name, "b:latest", "newest first (a keeps s1's entry)")
    eq(merged.models[2].name, "a:latest")
    eq(merged.models[2].gateway_digests, nil, "same digest: no annotation")
end

function tests.tags_say_which_digest_where_they_differ()
    local merged = R.merge_tags({
        {name = "s1", body = tags({{"a:latest", "d1", "2026-01-01T00:00:00Z"}})},
        {name = "s2", body = tags({{"a:latest", "d9", "2026-01-01T00:00:00Z"}})},
    })
    eq(#merged.models, 1)
    eq(merged.models[1].digest, "d1")
    eq(merged.models[1].gateway_digests.s1, "d1")
    eq(merged.models[1].gateway_digests.s2, "d9")
    local models = R.tags_models(tags({{"Registry.ollama.ai/library/A", "d"}}))
    assert(models["a:latest"])
end

function tests.ps_keeps_the_longest_living_entry()
    local merged = R.merge_ps({
        {name = "s1", body = {models = {{name = "a:latest", model = "a:latest", expires_at = "2026-01-01T00:05:00Z",
                                         size_vram = 0}}}},
        {name = "s2", body = {models = {{name = "a:latest", model = "a:latest", expires_at = "2026-01-01T00:09:00Z",
                                         size_vram = 0}, {name = "b:latest", model = "b:latest",
                                         expires_at = "2026-01-01T00:01:00Z"}}}},
    })
    eq(#merged.models, 2)
    eq(merged.models[1].expires_at, "2026-01-01T00:09:00Z")
    eq(merged.models[2].name, "b:latest")
end

function tests.v1_models_union_and_null_when_empty()
    local merged = R.merge_v1_models({
        {name = "s1", body = {object = "list", data = {{id = "a:latest", created = 1}}}},
        {name = "s2", body = {object = "list", data = {{id = "b:latest", created = 2}, {id = "a:latest", created = 3}}}},
    })
    eq(#merged.data, 2)
    eq(merged.data[1].id, "b:latest")
    local empty = R.merge_v1_models({{name = "s1", body = {object = "list", data = cjson.null}}})
    eq(empty.object, "list")
    eq(empty.data, cjson.null, "Ollama sends data: null")
end

function tests.combined_management_answers()
    local status, text, err = R.combine({{name = "s1", status = 200, text = '{"status":"success"}'},
                                         {name = "s2", status = 200, text = '{"status":"success"}'}})
    eq(status, 200)
    eq(text, '{"status":"success"}')
    eq(err, nil)
    status, text, err = R.combine({{name = "s1", status = 200, text = ""},
                                   {name = "s2", status = 404, text = '{"error":"model \'x\' not found"}',
                                    body = {error = "model 'x' not found"}}})
    eq(status, 404)
    eq(err.error, "s2: model 'x' not found")
    status, text, err = R.combine({{name = "s1", error = "connect: refused"}, {name = "s2", status = 200, text = ""}})
    eq(status, 502)
    eq(err.error, "s1: connect: refused")
    -- a single backend: its own answer, unchanged
    status, text, err = R.combine({{name = "s1", status = 404, text = '{"error":"x"}', body = {error = "x"}}})
    eq(status, 404)
    eq(text, '{"error":"x"}')
end

function tests.backend_selection_header()
    local f = fleet()
    f[3].up = false
    eq(names(R.select_backends(f, nil)), "s1,s2", "default: every healthy backend")
    eq(names(R.select_backends(f, "s3, s1,s1")), "s3,s1", "named ones, even when not answering")
    local list, err = R.select_backends(f, "s1,nope")
    eq(list, nil)
    assert(err:find("unknown backend 'nope'", 1, true) and err:find("known: s1, s2, s3", 1, true), err)
    list, err = R.select_backends(f, " , ")
    eq(list, nil)
end

local failed, count = 0, 0
local order = {}
for name in pairs(tests) do
    order[#order + 1] = name
end
table.sort(order)
for _, name in ipairs(order) do
    count = count + 1
    local ok, err = pcall(tests[name])
    if ok then
        print("ok   " .. name)
    else
        failed = failed + 1
        print("FAIL " .. name .. ": " .. tostring(err))
    end
end
print(string.format("%d tests, %d failed", count, failed))
os.exit(failed == 0 and 0 or 1)
