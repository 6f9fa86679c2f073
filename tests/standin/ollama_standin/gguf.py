"""Just enough GGUF (v3) to write fixture model blobs and read their metadata back for /api/show model_info."""
from __future__ import annotations

import struct

T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY, T_UINT64 = 4, 5, 6, 7, 8, 9, 10


def _s(text):
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


def encode(kv):
    """GGUF header with the given metadata and no tensors.  Values: str, bool, int (uint32/uint64), float."""
    out = [b"GGUF", struct.pack("<IQQ", 3, 0, len(kv))]
    for key in sorted(kv):
        value = kv[key]
        out.append(_s(key))
        if isinstance(value, bool):
            out.append(struct.pack("<IB", T_BOOL, int(value)))
        elif isinstance(value, int):
            if value < 2 ** 32:
                out.append(struct.pack("<II", T_UINT32, value))
            else:
                out.append(struct.pack("<IQ", T_UINT64, value))
        elif isinstance(value, float):
            out.append(struct.pack("<If", T_FLOAT32, value))
        else:
            out.append(struct.pack("<I", T_STRING) + _s(str(value)))
    return b"".join(out)


def decode(data):
    """Returns the metadata dict of a GGUF header, or {} when data is not GGUF."""
    if len(data) < 24 or data[:4] != b"GGUF":
        return {}
    _version, _tensors, count = struct.unpack_from("<IQQ", data, 4)
    pos = 24
    kv = {}
    try:
        for _ignored in range(count):
            (klen,) = struct.unpack_from("<Q", data, pos)
            key = data[pos + 8:pos + 8 + klen].decode()
            pos += 8 + klen
            (typ,) = struct.unpack_from("<I", data, pos)
            pos += 4
            if typ == T_BOOL:
                kv[key] = bool(data[pos])
                pos += 1
            elif typ in (T_UINT32, T_INT32):
                kv[key] = struct.unpack_from("<I" if typ == T_UINT32 else "<i", data, pos)[0]
                pos += 4
            elif typ == T_UINT64:
                kv[key] = struct.unpack_from("<Q", data, pos)[0]
                pos += 8
            elif typ == T_FLOAT32:
                kv[key] = round(struct.unpack_from("<f", data, pos)[0], 6)
                pos += 4
            elif typ == T_STRING:
                (slen,) = struct.unpack_from("<Q", data, pos)
                kv[key] = data[pos + 8:pos + 8 + slen].decode()
                pos += 8 + slen
            else:
                break
    except (struct.error, UnicodeDecodeError):
        pass
    return kv


def read_file(path, limit=65536):
    try:
        with open(path, "rb") as f:
            return decode(f.read(limit))
    except OSError:
        return {}
