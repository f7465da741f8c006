#!/usr/bin/env python3
"""An independent eHSM-KMS REST client, standard library only, written from the vendor's
protocol (notes/ehsm.md §2.3) rather than from the gateway's code.

Run as `client.py --serve`: it reads one JSON request per line on stdin and answers one JSON
line on stdout, so a test can drive a whole scenario through one process. A request is
  {"base": "http://host:port", "action": "Encrypt", "method": "POST"|"GET",
   "appid": ..., "apikey": ..., "payload": {...} (omit for none), "nonce": ... (optional),
   "timestamp": "..." (default now), "sign": "..." (override), "upper": true (upper-case sign),
   "raw": "<body text sent as is>", "path": "/ehsm/" (default "/ehsm"),
   "v1": true (sign as the 2022 v1 API: no nonce in the signed string),
   "style": "python-sdk" | "go" | "rust" (build, sign and order the body as that vendor SDK does;
            "override" still applies after signing)}
and the answer is {"status": <http status>, "body": <parsed JSON or null>, "text": <raw body>}.

The styles follow intel/ehsm sdk/python (ehsm/utils.py prepare_params), sdk/go (client.go initParams)
and sdk/rust (src/client.rs init_params) at 3454cac, as read from their sources:
  python-sdk  drops None values, signs unquote_plus(urlencode(sorted)) of the payload and then of
              {appid, timestamp, payload}: empty strings stay in as `k=`; no nonce.
  go          always sends "payload" (even {}), signs every key with Go's %v (no value is skipped);
              body keys in the order appid, payload, timestamp, sign.
  rust        a random u64 as a decimal string nonce; payload left out when empty; serde_json's
              sorted map, values in JSON text with every '"' removed.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def _loosely_empty(v):
    # The server skips what JavaScript finds `== ''`: '', 0, false, null, [] and [''].
    if v is None or v is False or v == "":
        return True
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v == 0:
        return True
    if isinstance(v, list) and ",".join("" if x is None else str(x) for x in v) == "":
        return True
    return False


def _text(v):
    if v is True:
        return "true"
    if isinstance(v, dict):
        return sort_str(v)
    return str(v)


def sort_str(params):
    """appid=..&nonce=..&payload=k=v&k=v&timestamp=.. : sorted keys, flattened, no escaping."""
    return "&".join(f"{k}={_text(params[k])}" for k in sorted(params) if not _loosely_empty(params[k]))


def sign(apikey, params):
    mac = hmac.new(apikey.encode("utf-8"), sort_str(params).encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def _py_sdk_text(v):
    return urllib.parse.unquote_plus(urllib.parse.urlencode(sorted((k, x) for k, x in v.items() if x is not None)))


def _go_text(m):
    parts = []
    for k in sorted(m):
        v = m[k]
        parts.append(f"{k}={_go_text(v)}" if k == "payload" else f"{k}={'true' if v is True else 'false' if v is False else v}")
    return "&".join(parts)


def _rust_text(m):
    parts = []
    for k in sorted(m):
        v = m[k]
        if k == "payload":
            if isinstance(v, dict):
                parts.append(f"{k}={_rust_text(v)}")
        else:
            parts.append(f"{k}={json.dumps(v, separators=(',', ':'), ensure_ascii=False)}")
    return "&".join(parts)


def vendor_body(req, timestamp):
    """The JSON body (an ordered dict) a vendor SDK sends, signed its way."""
    style, appid, apikey = req["style"], req.get("appid"), req.get("apikey", "")
    payload = req.get("payload")
    mac = lambda text: base64.b64encode(hmac.new(apikey.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()).decode("ascii")
    if style == "python-sdk":
        body = {"appid": appid, "timestamp": timestamp}
        signed = dict(body)
        if payload is not None:
            payload = {k: v for k, v in payload.items() if v is not None}
            signed["payload"] = _py_sdk_text(payload)
        body["sign"] = mac(_py_sdk_text(signed))
        if payload is not None:
            body["payload"] = payload
        return body
    if style == "go":
        body = {"appid": appid, "payload": payload or {}, "timestamp": timestamp}
        body["sign"] = mac(_go_text(body))
        return body
    if style == "rust":
        body = {"appid": appid, "nonce": req.get("nonce", str(int.from_bytes(os.urandom(8), "little")))}
        if payload:
            body["payload"] = payload
        body["timestamp"] = timestamp
        body["sign"] = mac(_rust_text(body).replace('"', ""))
        return dict(sorted(body.items()))
    raise ValueError(f"unknown style {style!r}")


def call(req):
    base = req["base"].rstrip("/")
    path = req.get("path", "/ehsm")
    query = urllib.parse.urlencode({"Action": req["action"]})
    url = f"{base}{path}?{query}"
    method = req.get("method", "POST")
    data = None
    if method == "POST":
        if "raw" in req:
            data = req["raw"].encode("utf-8")
        elif "style" in req:
            body = vendor_body(req, req.get("timestamp") or str(int(time.time() * 1000)))
            for k, v in req.get("override", {}).items():
                body[k] = v
            data = json.dumps(body).encode("utf-8")
        else:
            body = {"appid": req.get("appid"), "timestamp": req.get("timestamp") or str(int(time.time() * 1000))}
            if "nonce" in req:
                body["nonce"] = req["nonce"]
            if "payload" in req:
                body["payload"] = req["payload"]
            # v1 (2022-01) signs {appid, timestamp, payload}: its nonce is the timestamp itself.
            fields = ("appid", "timestamp", "payload") if req.get("v1") else ("appid", "nonce", "timestamp", "payload")
            signed = {k: body.get(k) for k in fields}
            s = req.get("sign") or sign(req.get("apikey", ""), signed)
            body["sign"] = s.upper() if req.get("upper") else s
            for k, v in req.get("override", {}).items():
                body[k] = v
            data = json.dumps(body).encode("utf-8")
    r = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        r.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            status, text = resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode("utf-8")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    return {"status": status, "body": parsed, "text": text}


def main():
    if "--serve" not in sys.argv:
        print(__doc__)
        return 2
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = call(json.loads(line))
        except Exception as e:  # report, keep serving
            out = {"status": 0, "body": None, "text": f"client error: {e!r}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
