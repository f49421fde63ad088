"""Replays ONE server script (lib "python") against the real PyPI `mixpanel` package and
prints its recording (JSON) on stdout. Invoked by ../record-server.js as

    .venv/bin/python server/python_harness.py server-scripts/python-track-distinct-id.json

Two layers are recorded:
  * consumer_calls: every Consumer.send(endpoint, json_message, api_key, api_secret)
    the Mixpanel object makes on the consumer it was given (the library's documented
    extension point): a recording consumer that forwards to a real Consumer or
    BufferedConsumer.
  * requests: every HTTP request that real consumer code makes, captured by stubbing
    requests.adapters.HTTPAdapter.send (answers 200 {"status":1}). This also catches
    Mixpanel.alias, which always builds its own Consumer() and bypasses the custom one.

time.time() returns float(step.at) (float(start) at init) and uuid.uuid4() is a seeded
generator, so $insert_id and "time" are deterministic. Nothing goes over the network.
"""

import base64
import datetime
import json
import logging
import os
import random
import sys
import time
import traceback
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "env.json"), encoding="utf-8") as f:
    ENV = json.load(f)
with open(sys.argv[1], encoding="utf-8") as f:
    SCRIPT = json.load(f)

STATE = {"step": None, "during": "init", "now": float(SCRIPT["start"])}
REQUESTS = []
CONSUMER_CALLS = []
NOTES = []

# ---------------------------------------------------------------- clock and uuid4

time.time = lambda: STATE["now"]  # the library's Mixpanel._now() is time.time()

_uuid_rng = random.Random(ENV["seed"] + "/python/uuid4")


def _seeded_uuid4():
    return uuid.UUID(int=_uuid_rng.getrandbits(128), version=4)


uuid.uuid4 = _seeded_uuid4  # the library's Mixpanel._make_insert_id() is uuid.uuid4().hex

for var in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(var, None)

import requests  # noqa: E402
import requests.adapters  # noqa: E402

import mixpanel  # noqa: E402


def note(kind, message, step=None, during=None):
    NOTES.append({
        "step": STATE["step"] if step is None else step,
        "during": STATE["during"] if during is None else during,
        "kind": kind,
        "message": message,
    })


class _NoteHandler(logging.Handler):
    def emit(self, record):
        note("log." + record.levelname.lower(), record.getMessage())


_mp_logger = logging.getLogger("mixpanel")
_mp_logger.addHandler(_NoteHandler(level=logging.DEBUG))
_mp_logger.setLevel(logging.DEBUG)
_mp_logger.propagate = False

# ---------------------------------------------------------------- masking

PLACEHOLDERS = ENV["credential_placeholders"]


def mask(value):
    if value is None or value == "":
        return value
    if isinstance(value, (tuple, list)):  # import_data/merge pass (api_key, api_secret)
        return [mask(v) for v in value]
    if isinstance(value, str) and value in PLACEHOLDERS:
        return PLACEHOLDERS[value]
    return "***"


def describe_auth(header):
    if header is None:
        return None
    scheme, _, rest = header.partition(" ")
    if scheme != "Basic":
        return {"scheme": scheme, "username": None, "password": None}
    decoded = base64.b64decode(rest).decode("utf-8")
    user, colon, password = decoded.partition(":")
    return {"scheme": "Basic", "username": mask(user), "password": mask(password) if colon else None}


def decode_data(raw):
    value = json.loads(raw)
    if isinstance(value, list):
        return "array", value
    return "object", [value]


# ---------------------------------------------------------------- HTTP stub


def _fake_send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
    parts = urllib.parse.urlsplit(request.url)
    query = {}
    data_raw, data_in = None, None
    for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        if k == "data":
            data_raw, data_in = v, "query"
        else:
            query[k] = mask(v) if k == "api_key" else v
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    form = {}
    content_type = request.headers.get("Content-Type")
    if body and content_type == "application/x-www-form-urlencoded":
        for k, v in urllib.parse.parse_qsl(body, keep_blank_values=True):
            if k == "data":
                data_raw, data_in = v, "body"
            else:
                form[k] = mask(v) if k == "api_key" else v
    elif body:
        raise RuntimeError("harness: unexpected request body type %r" % content_type)
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    auth_header = request.headers.get("Authorization")
    if auth_header is not None:
        headers["Authorization"] = auth_header.split(" ")[0] + " ***"
    shape, payloads = (None, []) if data_raw is None else decode_data(data_raw)
    REQUESTS.append({
        "seq": len(REQUESTS),
        "step": STATE["step"],
        "during": STATE["during"],
        "method": request.method,
        "scheme": parts.scheme,
        "host": parts.hostname,
        "port": parts.port,
        "endpoint": parts.path,
        "query": query,
        "headers": headers,
        "auth": describe_auth(auth_header),
        "data_in": data_in,
        "format": "json",
        "form": form,
        "shape": shape,
        "payloads": payloads,
    })
    resp = requests.models.Response()
    resp.status_code = 200
    resp._content = ENV["responses"]["verbose"].encode("utf-8")
    resp.headers["Content-Type"] = "application/json"
    resp.encoding = "utf-8"
    resp.url = request.url
    resp.request = request
    resp.reason = "OK"
    return resp


requests.adapters.HTTPAdapter.send = _fake_send

# ---------------------------------------------------------------- consumer


class RecordingConsumer:
    """The Consumer extension point: records each send(), then forwards it unchanged."""

    def __init__(self, inner):
        self.inner = inner

    def send(self, endpoint, json_message, api_key=None, api_secret=None):
        shape, payloads = decode_data(json_message)
        CONSUMER_CALLS.append({
            "seq": len(CONSUMER_CALLS),
            "step": STATE["step"],
            "during": STATE["during"],
            "endpoint": endpoint,
            "api_key": mask(api_key),
            "api_secret": mask(api_secret),
            "credentials_passed": _has_credentials(api_key) or _has_credentials(api_secret),
            "shape": shape,
            "payloads": payloads,
        })
        return self.inner.send(endpoint, json_message, api_key, api_secret)

    def flush(self):
        if hasattr(self.inner, "flush"):
            self.inner.flush()


def _has_credentials(v):
    if isinstance(v, (tuple, list)):
        return any(_has_credentials(x) for x in v)
    return v is not None


def revive(v):
    """Only {"$date": <unix seconds>} is special in args: a UTC datetime."""
    if isinstance(v, list):
        return [revive(x) for x in v]
    if isinstance(v, dict):
        if list(v.keys()) == ["$date"] and isinstance(v["$date"], (int, float)):
            return datetime.datetime.fromtimestamp(v["$date"], tz=datetime.timezone.utc)
        return {k: revive(x) for k, x in v.items()}
    return v


class HarnessError(Exception):
    pass


CALLS = [
    "track", "import_data", "alias", "merge",
    "people_set", "people_set_once", "people_increment", "people_append", "people_union",
    "people_unset", "people_remove", "people_delete", "people_update", "flush",
]


def main():
    cfg = dict(SCRIPT.get("config") or {})
    kind = cfg.pop("consumer", "direct")
    consumer_kwargs = {}
    if "api_host" in cfg:
        consumer_kwargs["api_host"] = cfg.pop("api_host")
    if "credentials" in cfg:
        c = cfg.pop("credentials")
        consumer_kwargs["credentials"] = mixpanel.ServiceAccountCredentials(c["username"], c["secret"], c["project_id"])
    if kind == "buffered":
        if "max_size" in cfg:
            consumer_kwargs["max_size"] = cfg.pop("max_size")
        inner = mixpanel.BufferedConsumer(**consumer_kwargs)
    elif kind == "direct":
        inner = mixpanel.Consumer(**consumer_kwargs)
    else:
        raise ValueError("config.consumer must be 'direct' or 'buffered'")
    if cfg:
        raise ValueError("unknown config keys for python: %s" % sorted(cfg))
    consumer = RecordingConsumer(inner)
    mp = mixpanel.Mixpanel(SCRIPT["token"], consumer=consumer)

    for i, st in enumerate(SCRIPT["steps"]):
        call = st["call"]
        if call not in CALLS:
            raise ValueError("step %d: unknown call %r" % (i, call))
        STATE["now"] = float(st["at"])
        STATE["step"] = i
        STATE["during"] = "call"
        args = revive(st.get("args") or [])
        fn = consumer.flush if call == "flush" else getattr(mp, call)
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001
            if not st.get("expect_error"):
                raise HarnessError("step %d (%s at %s): %s" % (i, call, st["at"], traceback.format_exc().rstrip())) from None
            note("threw", "%s: %s" % (type(e).__name__, e))
        else:
            if st.get("expect_error"):
                raise HarnessError("step %d (%s): expect_error is set but the call did not raise" % (i, call))

    # Like a program exiting cleanly: flush what a BufferedConsumer still holds.
    STATE["during"] = "final"
    consumer.flush()

    out = {
        "script": SCRIPT["name"],
        "lib": "python",
        "sdk": "pypi:mixpanel@" + mixpanel.__version__,
        "env": ENV,
        "consumer": kind,
        "requests": REQUESTS,
        "consumer_calls": CONSUMER_CALLS,
        "notes": NOTES,
    }
    sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    try:
        main()
    except HarnessError as e:
        sys.stderr.write(str(e) + "\n")
        sys.exit(1)
    except Exception:  # noqa: BLE001
        sys.stderr.write(traceback.format_exc())
        sys.exit(1)
