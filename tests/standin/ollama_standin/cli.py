"""The `ollama` command line (ollama-server.md §8): serve plus HTTP client commands talking to OLLAMA_HOST."""
from __future__ import annotations

import datetime
import hashlib
import http.client
import json
import math
import os
import sys
import time

from . import VERSION, envconfig
from .store import GoError

CONNECT_ERROR = "could not connect to ollama server, run 'ollama serve' to start it"

USAGE = """Large language model runner

Usage:
  ollama [flags]
  ollama [command]

Available Commands:
  serve       Start ollama
  create      Create a model
  show        Show information for a model
  run         Run a model
  stop        Stop a running model
  pull        Pull a model from a registry
  push        Push a model to a registry
  list        List models
  ps          List running models
  cp          Copy a model
  rm          Remove a model
  help        Help about any command

Flags:
  -h, --help      help for ollama
  -v, --version   Show version information

Use "ollama [command] --help" for more information about a command.
"""


class CliError(Exception):
    pass


class ConnectError(CliError):
    def __init__(self):
        CliError.__init__(self, CONNECT_ERROR)


class Client:
    """api.ClientFromEnvironment: base URL from OLLAMA_HOST (§1.3)."""

    def __init__(self):
        self.base = envconfig.host()

    def _conn(self, timeout=None):
        cls = http.client.HTTPSConnection if self.base.scheme == "https" else http.client.HTTPConnection
        return cls(self.base.hostname or "127.0.0.1", int(self.base.port), timeout=timeout)

    def request(self, method, path, body=None, raw=None, timeout=None):
        conn = self._conn(timeout)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": "application/json", "Accept": "application/x-ndjson",
                   "User-Agent": "ollama/%s (amd64 linux) Go/go1.24.0" % VERSION}
        try:
            conn.request(method, self.base.path + path, body=data, headers=headers)
            resp = conn.getresponse()
        except (ConnectionRefusedError, OSError) as e:
            conn.close()
            if isinstance(e, (ConnectionRefusedError, ConnectionResetError)) or "refused" in str(e).lower():
                raise ConnectError()
            raise CliError(str(e))
        return conn, resp

    def call(self, method, path, body=None, raw=None):
        conn, resp = self.request(method, path, body, raw)
        try:
            data = resp.read()
        finally:
            conn.close()
        if resp.status >= 400:
            raise CliError(_error_text(resp.status, data))
        return json.loads(data) if data.strip() else None

    def stream(self, path, body):
        conn, resp = self.request("POST", path, body)
        try:
            if resp.status >= 400:
                raise CliError(_error_text(resp.status, resp.read()))
            while True:
                line = resp.readline()
                if not line:
                    break
                if not line.strip():
                    continue
                obj = json.loads(line)
                if obj.get("error"):
                    raise CliError(obj["error"])
                yield obj
        finally:
            conn.close()


def _error_text(status, data):
    try:
        obj = json.loads(data)
        if isinstance(obj, dict) and obj.get("error"):
            err = obj["error"]
            return err.get("message", str(err)) if isinstance(err, dict) else str(err)
    except ValueError:
        pass
    return data.decode("utf-8", "replace").strip() or http.client.responses.get(status, str(status))


def human_bytes(b):
    """format.HumanBytes (decimal units)."""
    for div, unit in ((10 ** 12, "TB"), (10 ** 9, "GB"), (10 ** 6, "MB"), (10 ** 3, "KB")):
        if b >= div:
            value = b / div
            break
    else:
        return "%d B" % b
    if value >= 10:
        return "%d %s" % (int(value), unit)
    if value != math.trunc(value):
        return "%.1f %s" % (value, unit)
    return "%d %s" % (int(value), unit)


def human_duration(seconds):
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return "%d seconds" % s
    minutes = int(seconds // 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return "%d minutes" % minutes
    hours = int(round(seconds / 3600))
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return "%d hours" % hours
    if hours < 24 * 7 * 2:
        return "%d days" % (hours // 24)
    if hours < 24 * 30 * 2:
        return "%d weeks" % (hours // 24 // 7)
    if hours < 24 * 365 * 2:
        return "%d months" % (hours // 24 // 30)
    return "%d years" % int(seconds / 3600 / 24 / 365)


def _ts(text):
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")[:26] + text.replace("Z", "+00:00")[-6:]).timestamp()
    except ValueError:
        try:
            return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0


def human_time(text, zero="Never"):
    t = _ts(text) if text else 0
    if not t:
        return zero
    delta = time.time() - t
    return ("%s ago" % human_duration(delta)) if delta >= 0 else ("%s from now" % human_duration(-delta))


def table(header, rows):
    """Borderless tablewriter: left aligned, 4-space padding, trailing spaces (ollama-server.md §8)."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = []
    for r in [header] + rows:
        out.append("".join(str(c).ljust(w) + "    " for c, w in zip(r, widths)))
    return "\n".join(out) + "\n"


# --- commands -------------------------------------------------------------------------------------------------


def cmd_version(client):
    # §8: prints to stdout and always exits 0
    try:
        info = client.call("GET", "/api/version")
        server_version = (info or {}).get("version", "")
    except CliError:
        print("Warning: could not connect to a running Ollama instance")
        print("Warning: client version is %s" % VERSION)
        return 0
    print("ollama version is %s" % server_version)
    if server_version != VERSION:
        print("Warning: client version is %s" % VERSION)
    return 0


def cmd_list(client, args):
    models = (client.call("GET", "/api/tags") or {}).get("models") or []
    rows = []
    for m in models:
        if args and not m["name"].lower().startswith(args[0].lower()):
            continue
        size = "-" if m.get("remote_model") else human_bytes(int(m.get("size", 0)))
        rows.append([m["name"], m.get("digest", "")[:12], size, human_time(m.get("modified_at", ""))])
    sys.stdout.write(table(["NAME", "ID", "SIZE", "MODIFIED"], rows))
    return 0


def cmd_ps(client, args):
    models = (client.call("GET", "/api/ps") or {}).get("models") or []
    rows = []
    for m in models:
        size, vram = int(m.get("size", 0)), int(m.get("size_vram", 0))
        if vram == 0:
            proc = "100% CPU"
        elif vram >= size:
            proc = "100% GPU"
        else:
            cpu = round((size - vram) * 100 / size)
            proc = "%d%%/%d%% CPU/GPU" % (cpu, 100 - cpu)
        until_ts = _ts(m.get("expires_at", ""))
        until = "Forever" if until_ts - time.time() > 50 * 365 * 86400 else human_time(m.get("expires_at", ""))
        rows.append([m["name"], m.get("digest", "")[:12], human_bytes(size), proc, str(m.get("context_length", "")), until])
    sys.stdout.write(table(["NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"], rows))
    return 0


def _progress(obj, state):
    status = obj.get("status", "")
    if obj.get("total"):
        pct = int(100 * int(obj.get("completed", 0)) / int(obj["total"]))
        line = "%s: %3d%% %s" % (status, pct, human_bytes(int(obj["total"])))
        if line != state.get("last"):
            if status != state.get("status") or pct == 100 or time.monotonic() - state.get("t", 0) > 0.5:
                sys.stderr.write(line + "\n")
                state["t"] = time.monotonic()
            state["last"] = line
    elif status and status != state.get("status"):
        sys.stderr.write(status + "\n")
    state["status"] = status
    sys.stderr.flush()


def cmd_pull(client, args):
    insecure = "--insecure" in args
    names_ = [a for a in args if not a.startswith("-")]
    if len(names_) != 1:
        raise CliError('accepts 1 arg(s), received %d' % len(names_))
    state = {}
    for obj in client.stream("/api/pull", {"model": names_[0], "insecure": insecure}):
        _progress(obj, state)
    return 0


def cmd_push(client, args):
    """ollama push [--insecure] NAME: the progress as pull shows it, then `success`."""
    insecure = "--insecure" in args
    names_ = [a for a in args if not a.startswith("-")]
    if len(names_) != 1:
        raise CliError('accepts 1 arg(s), received %d' % len(names_))
    state = {}
    for obj in client.stream("/api/push", {"model": names_[0], "insecure": insecure}):
        _progress(obj, state)
    return 0


def cmd_rm(client, args):
    if not args:
        raise CliError("requires at least 1 arg(s), only received 0")
    for name in args:
        # ollama rm unloads first (§5.7), then deletes
        try:
            client.call("POST", "/api/generate", {"model": name, "keep_alive": 0})
        except CliError:
            pass
        client.call("DELETE", "/api/delete", {"model": name})
        print("deleted '%s'" % name)
    return 0


def cmd_cp(client, args):
    if len(args) != 2:
        raise CliError("accepts 2 arg(s), received %d" % len(args))
    client.call("POST", "/api/copy", {"source": args[0], "destination": args[1]})
    print("copied '%s' to '%s'" % (args[0], args[1]))
    return 0


def cmd_show(client, args):
    flags = [a for a in args if a.startswith("-")]
    rest = [a for a in args if not a.startswith("-")]
    if len(rest) != 1:
        raise CliError("accepts 1 arg(s), received %d" % len(rest))
    info = client.call("POST", "/api/show", {"model": rest[0]})
    for flag, key in (("--modelfile", "modelfile"), ("--parameters", "parameters"), ("--template", "template"),
                      ("--system", "system"), ("--license", "license")):
        if flag in flags:
            print(info.get(key, ""))
            return 0
    d = info.get("details") or {}
    kv = info.get("model_info") or {}
    arch = kv.get("general.architecture", d.get("family", ""))
    out = ["  Model"]
    rows = [("architecture", arch), ("parameters", d.get("parameter_size", "")),
            ("context length", kv.get("%s.context_length" % arch, "")), ("embedding length", kv.get("%s.embedding_length" % arch, "")),
            ("quantization", d.get("quantization_level", ""))]
    out += ["    %-20s%s" % (k, v) for k, v in rows if v != ""]
    out += ["", "  Capabilities"] + ["    %s" % c for c in info.get("capabilities") or []]
    if info.get("parameters"):
        out += ["", "  Parameters"] + ["    " + " ".join(line.split()) for line in info["parameters"].splitlines()]
    if info.get("system"):
        out += ["", "  System", "    " + info["system"].splitlines()[0]]
    print("\n".join(out) + "\n")
    return 0


def parse_modelfile(text):
    """Client-side Modelfile parsing (ollama-server.md §5.5: the CLI sends from/files, never `modelfile`)."""
    req = {}
    params = {}
    messages = []
    licenses = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        cmd, _ignored, rest = line.partition(" ")
        cmd = cmd.upper()
        rest = rest.strip()
        if rest.startswith('"""'):
            body = rest[3:]
            while '"""' not in body and i < len(lines):
                body += "\n" + lines[i]
                i += 1
            value = body.split('"""', 1)[0]
        elif len(rest) >= 2 and rest[0] == rest[-1] == '"':
            value = rest[1:-1]
        else:
            value = rest
        if cmd == "FROM":
            req["from"] = value
        elif cmd == "PARAMETER":
            key, _ignored, val = value.partition(" ")
            val = val.strip()
            if len(val) >= 2 and val[0] == val[-1] == '"':
                val = val[1:-1]
            if key == "stop":
                params.setdefault("stop", []).append(val)
            else:
                params[key] = val
        elif cmd == "SYSTEM":
            req["system"] = value
        elif cmd == "TEMPLATE":
            req["template"] = value
        elif cmd == "LICENSE":
            licenses.append(value)
        elif cmd == "MESSAGE":
            role, _ignored, content = value.partition(" ")
            content = content.strip()
            if content.startswith('"""'):
                content = content[3:]
                while '"""' not in content and i < len(lines):
                    content += "\n" + lines[i]
                    i += 1
                content = content.split('"""', 1)[0]
            elif len(content) >= 2 and content[0] == content[-1] == '"':
                content = content[1:-1]
            messages.append({"role": role, "content": content})
        elif cmd == "ADAPTER":
            raise CliError("adapters are not supported by the ollama stand-in")
        else:
            raise CliError('command must be one of "from", "license", "template", "system", "adapter", "renderer", "parser", '
                           '"parameter", or "message"')
    if params:
        req["parameters"] = params
    if messages:
        req["messages"] = messages
    if licenses:
        req["license"] = licenses
    if "from" not in req:
        raise CliError("no FROM line")
    return req


def cmd_create(client, args):
    path = "Modelfile"
    rest = []
    quiet = False
    it = iter(args)
    for a in it:
        if a in ("-f", "--file"):
            path = next(it, "")
        elif a.startswith("--file="):
            path = a.split("=", 1)[1]
        elif a in ("-q", "--quiet"):
            quiet = True
        else:
            rest.append(a)
    if len(rest) != 1:
        raise CliError("accepts 1 arg(s), received %d" % len(rest))
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise CliError("open %s: %s" % (path, e.strerror.lower() if e.strerror else e))
    req = parse_modelfile(text)
    src = os.path.join(os.path.dirname(os.path.abspath(path)), os.path.expanduser(req["from"]))
    if os.path.isfile(src):
        with open(src, "rb") as f:
            data = f.read()
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        client.call("POST", "/api/blobs/" + digest, raw=data)
        req["files"] = {os.path.basename(src): digest}
        del req["from"]
    req["model"] = rest[0]
    state = {}
    for obj in client.stream("/api/create", req):
        if not quiet:
            _progress(obj, state)
    return 0


def cmd_run(client, args):
    insecure = "--insecure" in args
    keepalive = None
    rest = []
    it = iter(args)
    for a in it:
        if a == "--keepalive":
            keepalive = next(it, None)
        elif a.startswith("--keepalive="):
            keepalive = a.split("=", 1)[1]
        elif a in ("--insecure", "--verbose", "--nowordwrap", "--hidethinking"):
            continue
        else:
            rest.append(a)
    if not rest:
        raise CliError("requires at least 1 arg(s), only received 0")
    model, prompt = rest[0], " ".join(rest[1:])
    if not prompt and not sys.stdin.isatty():
        prompt = sys.stdin.read()
    try:
        client.call("POST", "/api/show", {"model": model})
    except CliError as e:
        if "not found" not in str(e):
            raise
        state = {}
        for obj in client.stream("/api/pull", {"model": model, "insecure": insecure}):
            _progress(obj, state)
    body = {"model": model, "prompt": prompt}
    if keepalive is not None:
        body["keep_alive"] = keepalive
    if not prompt:
        client.call("POST", "/api/generate", dict(body, stream=False))
        return 0
    for obj in client.stream("/api/generate", body):
        sys.stdout.write(obj.get("response", ""))
        sys.stdout.flush()
    sys.stdout.write("\n\n")
    return 0


def cmd_stop(client, args):
    if len(args) != 1:
        raise CliError("accepts 1 arg(s), received %d" % len(args))
    running = (client.call("GET", "/api/ps") or {}).get("models") or []
    wanted = args[0] if ":" in args[0].rsplit("/", 1)[-1] else args[0] + ":latest"
    if not any(m.get("name") in (args[0], wanted) for m in running):
        raise CliError('couldn\'t find model "%s" to stop' % args[0])
    client.call("POST", "/api/generate", {"model": args[0], "keep_alive": 0})
    return 0


def _home_panic():
    # ollama-server.md §2: NewCLI -> AsMap -> Models() panics before argument parsing.
    from .server import go_panic
    go_panic("$HOME is not defined", [
        ("github.com/ollama/ollama/envconfig.Models()", "github.com/ollama/ollama/envconfig/config.go:121 +0x8c"),
        ("github.com/ollama/ollama/envconfig.AsMap()", "github.com/ollama/ollama/envconfig/config.go:310 +0x1a4"),
        ("github.com/ollama/ollama/cmd.NewCLI()", "github.com/ollama/ollama/cmd/cmd.go:2484 +0x5c"),
        ("main.main()", "github.com/ollama/ollama/main.go:12 +0x13"),
    ])


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if envconfig.var("OLLAMA_MODELS") == "" and os.environ.get("HOME", "") == "":
        _home_panic()
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    cmd, args = argv[0], argv[1:]
    client = Client()
    try:
        if cmd in ("-v", "--version") or "--version" in argv or (cmd.startswith("-") and "-v" in argv):
            return cmd_version(client)
        if cmd in ("serve", "start"):
            if args and args[0] in ("-h", "--help"):
                sys.stdout.write("Start ollama\n\nUsage:\n  ollama serve [flags]\n\nAliases:\n  serve, start\n")
                return 0
            from . import server
            return server.serve()
        handlers = {"list": cmd_list, "ls": cmd_list, "ps": cmd_ps, "pull": cmd_pull, "push": cmd_push, "rm": cmd_rm, "cp": cmd_cp,
                    "show": cmd_show, "create": cmd_create, "run": cmd_run, "stop": cmd_stop}
        if cmd not in handlers:
            sys.stderr.write('Error: unknown command "%s" for "ollama"\n' % cmd)
            return 1
        return handlers[cmd](client, args)
    except (CliError, GoError, envconfig.HomeError) as e:
        sys.stderr.write("Error: %s\n" % e)
        return 1
    except KeyboardInterrupt:
        return 130
