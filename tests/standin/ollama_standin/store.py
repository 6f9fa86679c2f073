"""On-disk model store with upstream's layout (ollama-server.md §5.4)."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import threading

from . import gguf, names

MT_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MT_CONFIG = "application/vnd.docker.container.image.v1+json"
MT_MODEL = "application/vnd.ollama.image.model"
MT_TEMPLATE = "application/vnd.ollama.image.template"
MT_SYSTEM = "application/vnd.ollama.image.system"
MT_PARAMS = "application/vnd.ollama.image.params"
MT_LICENSE = "application/vnd.ollama.image.license"
MT_MESSAGES = "application/vnd.ollama.image.messages"

_lock = threading.RLock()


class GoError(Exception):
    pass


def go_strerror(err):
    text = os.strerror(err.errno) if err.errno else str(err)
    return text[:1].lower() + text[1:]


def go_mkdirall(path, mode=0o755):
    """os.MkdirAll with Go's error text: `mkdir <path>: permission denied`."""
    try:
        if os.path.isdir(path) and os.stat(path):
            return
    except OSError:
        pass
    parent = os.path.dirname(path.rstrip("/"))
    if parent and parent != path.rstrip("/"):
        go_mkdirall(parent, mode)
    try:
        os.mkdir(path, mode)
    except OSError as e:
        try:
            if os.path.isdir(path):
                return
        except OSError:
            pass
        raise GoError("mkdir %s: %s" % (path, go_strerror(e)))


def manifest_bytes(config, layers):
    """Docker v2 manifest in Go's field order (schemaVersion, mediaType, config, layers), compact like json.Marshal."""
    doc = {"schemaVersion": 2, "mediaType": MT_MANIFEST, "config": config, "layers": layers}
    return json.dumps(doc, separators=(",", ":")).encode()


def descriptor(media_type, data):
    return {"mediaType": media_type, "digest": "sha256:" + hashlib.sha256(data).hexdigest(), "size": len(data)}


def human_params(count):
    # format.HumanNumber style used for parameter_size (e.g. 1.1B, 137M)
    for div, suffix in ((10 ** 9, "B"), (10 ** 6, "M"), (10 ** 3, "K")):
        if count >= div:
            v = count / div
            return ("%.1f" % v).rstrip("0").rstrip(".") + suffix if v < 100 else "%d%s" % (round(v), suffix)
    return str(count)


class Store:
    def __init__(self, root):
        self.root = root
        self.blobs = os.path.join(root, "blobs")
        self.manifests = os.path.join(root, "manifests")

    def ensure(self):
        # ollama-server.md §2 / §11.8: BlobsPath creates <models>/blobs; failure gets the traversable suffix.
        try:
            go_mkdirall(self.blobs)
        except GoError as e:
            raise GoError("%s: ensure path elements are traversable" % e)

    # --- blobs -------------------------------------------------------
    def blob_path(self, digest):
        return os.path.join(self.blobs, digest.replace(":", "-"))

    def has_blob(self, digest, size=None):
        try:
            st = os.stat(self.blob_path(digest))
        except OSError:
            return False
        return size is None or st.st_size == size

    def write_blob(self, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        path = self.blob_path(digest)
        if not self.has_blob(digest, len(data)):
            tmp = path + "-partial"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        return digest

    def read_blob(self, digest, limit=None):
        with open(self.blob_path(digest), "rb") as f:
            return f.read() if limit is None else f.read(limit)

    # --- manifests ---------------------------------------------------
    def manifest_path(self, name):
        return os.path.join(self.manifests, *name.filepath_parts())

    def all_manifests(self):
        out = []
        if not os.path.isdir(self.manifests):
            return out
        for host in sorted(os.listdir(self.manifests)):
            hp = os.path.join(self.manifests, host)
            for ns in sorted(os.listdir(hp)) if os.path.isdir(hp) else []:
                np_ = os.path.join(hp, ns)
                for model in sorted(os.listdir(np_)) if os.path.isdir(np_) else []:
                    mp = os.path.join(np_, model)
                    for tag in sorted(os.listdir(mp)) if os.path.isdir(mp) else []:
                        n = names.Name(host, ns, model, tag)
                        if n.is_valid() and os.path.isfile(os.path.join(mp, tag)):
                            out.append(n)
        return out

    def find(self, name):
        """getExistingName: exact path first, then a case-insensitive match."""
        if os.path.isfile(self.manifest_path(name)):
            return name
        for n in self.all_manifests():
            if n.key() == name.key():
                return n
        return None

    def write_manifest(self, name, data):
        with _lock:
            path = self.manifest_path(name)
            go_mkdirall(os.path.dirname(path))
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)

    def read_manifest(self, name):
        with open(self.manifest_path(name), "rb") as f:
            return f.read()

    def delete(self, name, prune=True):
        """Removes the manifest and, with ``prune``, its own blobs that no other manifest uses (upstream's
        Manifest.RemoveLayers). Other unreferenced blobs stay: they may belong to a pull that has not written its
        manifest yet; the start-up prune (PruneLayers) is what removes those."""
        with _lock:
            path = self.manifest_path(name)
            try:
                with open(path, "rb") as f:
                    m = json.loads(f.read())
                own = {m.get("config", {}).get("digest", "")} | {layer.get("digest", "") for layer in m.get("layers", [])}
            except (OSError, ValueError):
                own = set()
            os.remove(path)
            d = os.path.dirname(path)
            while d != self.manifests:
                try:
                    os.rmdir(d)
                except OSError:
                    break
                d = os.path.dirname(d)
            if prune:
                used = self.used_digests()
                for digest in sorted(own - used - {""}):
                    try:
                        os.remove(self.blob_path(digest))
                    except OSError as e:
                        if e.errno != errno.ENOENT:
                            raise

    def used_digests(self):
        used = set()
        for n in self.all_manifests():
            try:
                m = json.loads(self.read_manifest(n))
            except (OSError, ValueError):
                continue
            used.add(m.get("config", {}).get("digest", ""))
            used.update(layer.get("digest", "") for layer in m.get("layers", []))
        return used

    def prune(self):
        """Deletes unreferenced blobs; returns how many were removed."""
        removed = 0
        with _lock:
            used = {d.replace(":", "-") for d in self.used_digests()}
            for fn in os.listdir(self.blobs) if os.path.isdir(self.blobs) else []:
                if fn.startswith("sha256-") and fn not in used and "-partial" not in fn:
                    try:
                        os.remove(os.path.join(self.blobs, fn))
                        removed += 1
                    except OSError as e:
                        if e.errno != errno.ENOENT:
                            raise
        return removed

    # --- model view --------------------------------------------------
    def load(self, name):
        """Everything /api/show, /api/tags and the scheduler need, or None."""
        found = self.find(name)
        if found is None:
            return None
        return Model(self, found)


class Model:
    def __init__(self, store, name):
        self.store = store
        self.name = name
        path = store.manifest_path(name)
        self.raw = store.read_manifest(name)
        self.digest = hashlib.sha256(self.raw).hexdigest()  # §5.4: sha256 of the manifest file bytes
        self.mtime = os.stat(path).st_mtime
        self.manifest = json.loads(self.raw)
        self.layers = self.manifest.get("layers", [])
        cfg = self.manifest.get("config", {})
        self.size = sum(int(x.get("size", 0)) for x in self.layers) + int(cfg.get("size", 0))
        try:
            self.config = json.loads(store.read_blob(cfg["digest"])) if cfg.get("digest") else {}
        except (OSError, ValueError):
            self.config = {}
        self.texts = {}
        self.model_layer = None
        for layer in self.layers:
            mt = layer.get("mediaType")
            if mt == MT_MODEL:
                self.model_layer = layer
            elif mt in (MT_TEMPLATE, MT_SYSTEM, MT_PARAMS, MT_LICENSE, MT_MESSAGES):
                try:
                    text = store.read_blob(layer["digest"]).decode("utf-8", "replace")
                except OSError:
                    text = ""
                if mt == MT_LICENSE:
                    self.texts.setdefault(mt, []).append(text)
                else:
                    self.texts[mt] = text
        self.kv = gguf.read_file(store.blob_path(self.model_layer["digest"])) if self.model_layer else {}

    @property
    def template(self):
        return self.texts.get(MT_TEMPLATE, "")

    @property
    def system(self):
        return self.texts.get(MT_SYSTEM, "")

    @property
    def license(self):
        return self.texts.get(MT_LICENSE, [])

    @property
    def params(self):
        try:
            return json.loads(self.texts.get(MT_PARAMS) or "{}")
        except ValueError:
            return {}

    @property
    def messages(self):
        try:
            return json.loads(self.texts.get(MT_MESSAGES) or "[]")
        except ValueError:
            return []

    @property
    def arch(self):
        return self.kv.get("general.architecture", self.config.get("model_family", ""))

    def details(self):
        c = self.config
        return {
            "parent_model": c.get("parent_model", ""),
            "format": c.get("model_format", "gguf"),
            "family": c.get("model_family", ""),
            "families": c.get("model_families") or None,
            "parameter_size": c.get("model_type", ""),
            "quantization_level": c.get("file_type", ""),
        }

    def capabilities(self):
        # types/model/capability.go subset (ollama-server.md §5.6)
        caps = []
        if ("%s.pooling_type" % self.arch) in self.kv:
            caps.append("embedding")
        else:
            caps.append("completion")
            if ".Tools" in self.template:
                caps.append("tools")
            if ".Suffix" in self.template:
                caps.append("insert")
        return caps

    def embedding_length(self):
        return int(self.kv.get("%s.embedding_length" % self.arch, 384) or 384)

    def context_length(self):
        return int(self.kv.get("%s.context_length" % self.arch, 2048) or 2048)

    def model_bytes(self):
        return int(self.model_layer.get("size", 0)) if self.model_layer else 0
