#!/usr/bin/env python3
"""
An independent eHSM-KMS v1 (cmk_base64 blob) client, written from ONE document only:
/work/shared/specs/ehsm-api-v1-cmk-blobs.md ("eHSM REST API Reference", 2022). Standard library only.

Every request is built and signed exactly as the document's Python samples do:
  payload: an OrderedDict in the sample's own field order,
  params["payload"] = urllib.parse.unquote(urllib.parse.urlencode(payload)),
  params: appid, payload, timestamp (in that order),
  sign_string = urllib.parse.unquote(urllib.parse.urlencode(params)),
  sign = base64(HMAC-SHA256(appkey, sign_string)).upper(),
  then params["payload"] = payload; params["sign"] = sign; body = json.dumps(params).
and POSTed to <ehsm_srv_address>/ehsm?Action=<Name> with Content-Type application/json.
In v1, plaintext, aad and digest are raw strings; outputs are base64.

Usage: doc-v1-client.py --base <ehsm_srv_address> --appid A --appkey K [--appid2 B --appkey2 L]
(--appid2/--appkey2: a second application, for "a cmk of another appid fails").
Prints ONE JSON line: a list of {name, ok, detail}. Each case is independent.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from hashlib import sha256

SYMMETRIC = ["EH_AES_GCM_128", "EH_AES_GCM_256", "EH_SM4"]
RSA = ["EH_RSA_3072", "EH_RSA_4096"]
EC = ["EH_EC_P256", "EH_EC_P512"]
SM2 = ["EH_EC_SM2"]
ALL_SPECS = SYMMETRIC + RSA + EC + SM2
# ExportDataKey: which asymmetric ukey each symmetric cmk exports to.
EXPORT_UKEY = {"EH_AES_GCM_128": "EH_RSA_3072", "EH_AES_GCM_256": "EH_RSA_4096", "EH_SM4": "EH_EC_SM2"}

SPECIAL_PLAINTEXT = "a b+c&d=e%f %41 %2B +=&% caf\u00e9 \u20ac \u4e2d\u6587 \U0001F600 end"
SPECIAL_AAD = "x y+&=%\u00e9"
SPECIAL_DIGEST = "digest with spaces + & = % %20 \u00fc\u20ac"


def max_special_plaintext(size=6144):
    """SPECIAL_PLAINTEXT repeated to exactly `size` UTF-8 bytes (whole characters, ASCII padding)."""
    out, n = [], 0
    while True:
        for ch in SPECIAL_PLAINTEXT:
            k = len(ch.encode("utf-8"))
            if n + k > size:
                out.append("." * (size - n))
                return "".join(out)
            out.append(ch)
            n += k


class Fail(Exception):
    pass


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(s, what="value"):
    if not isinstance(s, str) or not s:
        raise Fail("%s is not a non-empty base64 string: %r" % (what, s))
    try:
        return base64.b64decode(s, validate=True)
    except Exception as e:  # noqa: BLE001
        raise Fail("%s is not valid base64 (%s): %r" % (what, e, s[:80]))


def short(obj, limit=160):
    """The reply for a detail line, long base64 values cut."""
    if isinstance(obj, dict):
        return {k: short(v, limit) for k, v in obj.items()}
    if isinstance(obj, list):
        return [short(v, limit) for v in obj]
    if isinstance(obj, str) and len(obj) > limit:
        return obj[:limit] + "...(%d chars)" % len(obj)
    return obj


class Client:
    last_ts = {}

    def __init__(self, base, appid, appkey):
        self.base = base.rstrip("/")
        self.appid = appid
        self.appkey = appkey

    def next_timestamp(self):
        # "cannot be repeated": never reuse a millisecond for one appid.
        while True:
            ts = int(time.time() * 1000)
            if ts > Client.last_ts.get(self.appid, 0):
                Client.last_ts[self.appid] = ts
                return str(ts)
            time.sleep(0.001)

    def body(self, payload, timestamp=None, sort_signed=False, sort_body=False, case="upper", appkey=None):
        """The request body, signed as the document's samples do (options: sorted payload; signature case
        "upper" as the samples, "lower", or "asis": the base64 unchanged, as the vendor's later SDK sends it)."""
        payload = OrderedDict(payload)
        signed = OrderedDict(sorted(payload.items())) if sort_signed else payload
        params = OrderedDict()
        params["appid"] = self.appid
        params["payload"] = urllib.parse.unquote(urllib.parse.urlencode(signed))
        params["timestamp"] = timestamp if timestamp is not None else self.next_timestamp()

        sign_string = urllib.parse.unquote(urllib.parse.urlencode(params))
        key = (appkey if appkey is not None else self.appkey).encode("utf-8")
        sign = str(base64.b64encode(hmac.new(key, sign_string.encode("utf-8"), digestmod=sha256).digest()), "utf-8")
        sign = {"upper": sign.upper(), "lower": sign.lower(), "asis": sign}[case]

        params["payload"] = OrderedDict(sorted(payload.items())) if sort_body else payload
        params["sign"] = sign
        return json.dumps(params)

    def post(self, action, data):
        url = "%s/ehsm?Action=%s" % (self.base, action)
        headers = {"Content-Type": "application/json"}
        req = urllib.request.Request(url, data=data.encode("utf-8"), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=120) as res:
                status, text = res.status, res.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode("utf-8", "replace")
        try:
            reply = json.loads(text)
            if not isinstance(reply, dict):
                reply = {"code": None, "body": reply}
        except ValueError:
            reply = {"code": None, "body": text[:500]}
        if status != 200:
            reply = dict(reply)
            reply["http_status"] = status
        return reply

    def call(self, action, payload, **kw):
        return self.post(action, self.body(payload, **kw))


def ok200(reply, what):
    if not isinstance(reply, dict) or reply.get("code") != 200:
        raise Fail("%s: expected code 200, got %s" % (what, json.dumps(short(reply), ensure_ascii=False)))
    if not isinstance(reply.get("result"), dict):
        raise Fail("%s: no result object: %s" % (what, json.dumps(short(reply), ensure_ascii=False)))
    return reply["result"]


def field(result, name, what):
    if name not in result:
        raise Fail("%s: result has no %r: %s" % (what, name, json.dumps(short(result), ensure_ascii=False)))
    return result[name]


def refused(reply, what):
    if isinstance(reply, dict) and reply.get("code") == 200:
        raise Fail("%s: expected a failure code, got %s" % (what, json.dumps(short(reply), ensure_ascii=False)))
    return "refused: %s" % json.dumps(short(reply), ensure_ascii=False)


def flip(data, index, mask=0xFF):
    b = bytearray(data)
    b[index] ^= mask
    return bytes(b)


# ---- the actions, with the document's field names and sample field order ----------------------

def create_key(c, keyspec, **kw):
    p = OrderedDict()
    p["keyspec"] = keyspec
    p["origin"] = "EH_INTERNAL_KEY"
    return c.call("CreateKey", p, **kw)


def encrypt(c, cmk, plaintext, aad="challenge", **kw):
    p = OrderedDict()
    p["aad"] = aad
    p["cmk_base64"] = cmk
    p["plaintext"] = plaintext
    return c.call("Encrypt", p, **kw)


def decrypt(c, cmk, ciphertext, aad="challenge", **kw):
    p = OrderedDict()
    p["aad"] = aad
    p["cmk_base64"] = cmk
    p["ciphertext_base64"] = ciphertext
    return c.call("Decrypt", p, **kw)


def asym_encrypt(c, cmk, plaintext, **kw):
    p = OrderedDict()
    p["cmk_base64"] = cmk
    p["plaintext"] = plaintext
    return c.call("AsymmetricEncrypt", p, **kw)


def asym_decrypt(c, cmk, ciphertext, **kw):
    p = OrderedDict()
    p["cmk_base64"] = cmk
    p["ciphertext_base64"] = ciphertext
    return c.call("AsymmetricDecrypt", p, **kw)


def sign(c, cmk, digest, **kw):
    p = OrderedDict()
    p["cmk_base64"] = cmk
    p["digest"] = digest
    return c.call("Sign", p, **kw)


def verify(c, cmk, digest, signature, **kw):
    p = OrderedDict()
    p["cmk_base64"] = cmk
    p["digest"] = digest
    p["signature_base64"] = signature
    return c.call("Verify", p, **kw)


def generate_data_key(c, cmk, keylen, aad="challenge", **kw):
    p = OrderedDict()
    p["aad"] = aad
    p["cmk_base64"] = cmk
    p["keylen"] = keylen
    return c.call("GenerateDataKey", p, **kw)


def generate_data_key_wo(c, cmk, keylen, aad="challenge", **kw):
    p = OrderedDict()
    p["aad"] = aad
    p["cmk_base64"] = cmk
    p["keylen"] = keylen
    return c.call("GenerateDataKeyWithoutPlaintext", p, **kw)


def export_data_key(c, cmk, olddatakey, ukey, aad="challenge", **kw):
    p = OrderedDict()
    p["aad"] = aad
    p["cmk_base64"] = cmk
    p["olddatakey_base64"] = olddatakey
    p["ukey_base64"] = ukey
    return c.call("ExportDataKey", p, **kw)


# ---- the cases -------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="<ehsm_srv_address>: requests go to <base>/ehsm?Action=<Name>")
    ap.add_argument("--appid", required=True)
    ap.add_argument("--appkey", required=True)
    ap.add_argument("--appid2")
    ap.add_argument("--appkey2")
    args = ap.parse_args()

    c = Client(args.base, args.appid, args.appkey)
    other = Client(args.base, args.appid2, args.appkey2) if args.appid2 else None
    results = []
    cmks = {}

    def run(name, fn):
        try:
            detail = fn()
            results.append({"name": name, "ok": True, "detail": detail if isinstance(detail, str) else "ok"})
        except Fail as e:
            results.append({"name": name, "ok": False, "detail": str(e)})
        except Exception as e:  # noqa: BLE001 - a client bug is a failed case, not a crash
            results.append({"name": name, "ok": False, "detail": "client exception: %r\n%s" % (e, traceback.format_exc())})

    def cmk_of(spec):
        if spec not in cmks:
            raise Fail("no cmk: CreateKey %s failed" % spec)
        return cmks[spec]

    def roundtrip(spec, plaintext, aad):
        cmk = cmk_of(spec)
        enc = ok200(encrypt(c, cmk, plaintext, aad), "Encrypt")
        ct = field(enc, "ciphertext_base64", "Encrypt")
        unb64(ct, "ciphertext_base64")
        dec = ok200(decrypt(c, cmk, ct, aad), "Decrypt")
        got = unb64(field(dec, "plaintext_base64", "Decrypt"), "plaintext_base64")
        want = plaintext.encode("utf-8")
        if got != want:
            raise Fail("Decrypt gave %r, expected %r" % (got[:80], want[:80]))
        return "round trip of %d bytes, ciphertext %d bytes" % (len(want), len(base64.b64decode(ct)))

    def asym_roundtrip(spec, plaintext):
        cmk = cmk_of(spec)
        enc = ok200(asym_encrypt(c, cmk, plaintext), "AsymmetricEncrypt")
        ct = field(enc, "ciphertext_base64", "AsymmetricEncrypt")
        unb64(ct, "ciphertext_base64")
        dec = ok200(asym_decrypt(c, cmk, ct), "AsymmetricDecrypt")
        got = unb64(field(dec, "plaintext_base64", "AsymmetricDecrypt"), "plaintext_base64")
        if got != plaintext.encode("utf-8"):
            raise Fail("AsymmetricDecrypt gave %r, expected %r" % (got, plaintext.encode("utf-8")))
        return "round trip of %d bytes" % len(got)

    def sign_verify(spec, digest):
        cmk = cmk_of(spec)
        s = ok200(sign(c, cmk, digest), "Sign")
        sig = field(s, "signature_base64", "Sign")
        unb64(sig, "signature_base64")
        v = ok200(verify(c, cmk, digest, sig), "Verify")
        if field(v, "result", "Verify") is not True:
            raise Fail("Verify of the fresh signature: %s" % json.dumps(v))
        return "signature of %d bytes verified" % len(base64.b64decode(sig))

    def tampered(spec, what):
        cmk = cmk_of(spec)
        digest = hashlib.sha256(b"tamper test").hexdigest()
        sig = field(ok200(sign(c, cmk, digest), "Sign"), "signature_base64", "Sign")
        control = ok200(verify(c, cmk, digest, sig), "control: Verify of the untouched signature")
        if control.get("result") is not True:
            raise Fail("control: Verify of the untouched signature: %s" % json.dumps(control))
        if what == "digest":
            r = verify(c, cmk, digest[:-1] + ("0" if digest[-1] != "0" else "1"), sig)
        else:
            raw = unb64(sig, "signature_base64")
            r = verify(c, cmk, digest, b64(flip(raw, len(raw) // 2, 0x01)))
        if r.get("code") == 200:
            res = r.get("result")
            if isinstance(res, dict) and res.get("result") is False:
                return "result false"
            raise Fail("Verify of a tampered %s: %s" % (what, json.dumps(short(r))))
        return "failure code: %s" % json.dumps(short(r))

    # Some inputs for the refusal cases (real ones when available).
    samples = {}

    def sample(kind):
        if kind in samples:
            return samples[kind]
        val = None
        try:
            if kind == "ciphertext" and "EH_AES_GCM_128" in cmks:
                val = encrypt(c, cmks["EH_AES_GCM_128"], "sample")["result"]["ciphertext_base64"]
            elif kind == "datakey" and "EH_AES_GCM_128" in cmks:
                val = generate_data_key_wo(c, cmks["EH_AES_GCM_128"], 16)["result"]["ciphertext_base64"]
            elif kind == "asym_ciphertext" and "EH_RSA_3072" in cmks:
                val = asym_encrypt(c, cmks["EH_RSA_3072"], "sample")["result"]["ciphertext_base64"]
            elif kind == "signature" and "EH_RSA_3072" in cmks:
                val = sign(c, cmks["EH_RSA_3072"], "refuse-me")["result"]["signature_base64"]
        except Exception:  # noqa: BLE001
            val = None
        if not isinstance(val, str):
            val = b64(os.urandom(64))
        samples[kind] = val
        return val

    def attempt(spec, action):
        """`action` with the cmk of `spec`, with inputs made by a key of the right type."""
        cmk = cmk_of(spec)
        if action == "Encrypt":
            return encrypt(c, cmk, "refuse-me")
        if action == "Decrypt":
            return decrypt(c, cmk, sample("ciphertext"))
        if action == "AsymmetricEncrypt":
            return asym_encrypt(c, cmk, "refuse-me")
        if action == "AsymmetricDecrypt":
            return asym_decrypt(c, cmk, sample("asym_ciphertext"))
        if action == "Sign":
            return sign(c, cmk, "refuse-me")
        if action == "Verify":
            return verify(c, cmk, "refuse-me", sample("signature"))
        if action == "GenerateDataKey":
            return generate_data_key(c, cmk, 16)
        if action == "GenerateDataKeyWithoutPlaintext":
            return generate_data_key_wo(c, cmk, 16)
        if action == "ExportDataKey":
            return export_data_key(c, cmk, sample("datakey"), cmk_of("EH_RSA_3072"))
        raise Fail("unknown action " + action)

    # The key each action is made for: the same request with it must succeed, so that a refusal
    # is about the key's type and not about how the request was built or signed.
    CONTROL = {"Encrypt": "EH_AES_GCM_128", "Decrypt": "EH_AES_GCM_128", "GenerateDataKey": "EH_AES_GCM_128",
               "GenerateDataKeyWithoutPlaintext": "EH_AES_GCM_128", "ExportDataKey": "EH_AES_GCM_128",
               "AsymmetricEncrypt": "EH_RSA_3072", "AsymmetricDecrypt": "EH_RSA_3072", "Sign": "EH_RSA_3072", "Verify": "EH_RSA_3072"}

    def refusal(spec, action):
        cmk_of(spec)
        ok200(attempt(CONTROL[action], action), "control: %s with an %s cmk" % (action, CONTROL[action]))
        return refused(attempt(spec, action), "%s with an %s cmk" % (action, spec))

    def use(client, spec, cmk):
        """A request the cmk's type allows, by `client`."""
        if spec in SYMMETRIC:
            return encrypt(client, cmk, "bound?")
        return sign(client, cmk, "bound?")

    def flipped(spec):
        cmk = cmk_of(spec)
        ok200(use(c, spec, cmk), "the untouched cmk")
        raw = unb64(cmk, "cmk_base64")
        notes = []
        for i in [0, 4, len(raw) // 2, len(raw) - 1]:
            r = use(c, spec, b64(flip(raw, i)))
            if r.get("code") == 200:
                raise Fail("byte %d of %d flipped was accepted: %s" % (i, len(raw), json.dumps(short(r))))
            notes.append("byte %d: code %s %r" % (i, r.get("code"), r.get("message")))
        return "; ".join(notes)

    def foreign(spec):
        if other is None:
            raise Fail("no second appid given (--appid2/--appkey2)")
        cmk = cmk_of(spec)
        own = field(ok200(create_key(other, spec), "the other appid's own CreateKey"), "cmk_base64", "CreateKey")
        ok200(use(other, spec, own), "control: the other appid with its own %s cmk" % spec)
        return refused(use(other, spec, cmk), "%s cmk used by another appid" % spec)

    # -- CreateKey for every keyspec of the document --
    for spec in ALL_SPECS:
        def create(spec=spec):
            res = ok200(create_key(c, spec), "CreateKey")
            cmk = field(res, "cmk_base64", "CreateKey")
            raw = unb64(cmk, "cmk_base64")
            cmks[spec] = cmk
            return "cmk_base64 of %d bytes" % len(raw)
        run("CreateKey %s" % spec, create)

    # -- symmetric: Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext), ExportDataKey --
    for spec in SYMMETRIC:
        run("%s Encrypt/Decrypt round trip with aad" % spec, lambda spec=spec: roundtrip(spec, "TestPlaintext-1234", "challenge"))
        run("%s Encrypt/Decrypt plaintext and aad with spaces + & = %% and non-ASCII" % spec,
            lambda spec=spec: roundtrip(spec, SPECIAL_PLAINTEXT, SPECIAL_AAD))
        run("%s Encrypt/Decrypt 6144-byte plaintext" % spec,
            lambda spec=spec: roundtrip(spec, ("0123456789abcdefghijklmnopqrstuvwxyz" * 200)[:6144], "challenge"))
        run("%s Encrypt/Decrypt 6144-byte plaintext of spaces + & = %% and non-ASCII" % spec,
            lambda spec=spec: roundtrip(spec, max_special_plaintext(), SPECIAL_AAD))
        if spec.startswith("EH_AES_GCM"):
            def wrong_aad(spec=spec):
                cmk = cmk_of(spec)
                ct = field(ok200(encrypt(c, cmk, "aad-bound", "challenge"), "Encrypt"), "ciphertext_base64", "Encrypt")
                ok200(decrypt(c, cmk, ct, "challenge"), "control: Decrypt with the right aad")
                return refused(decrypt(c, cmk, ct, "challengf"), "Decrypt with another aad")
            run("%s Decrypt with wrong aad fails" % spec, wrong_aad)
        for keylen in [16, 1024]:
            def gdk(spec=spec, keylen=keylen):
                cmk = cmk_of(spec)
                res = ok200(generate_data_key(c, cmk, keylen), "GenerateDataKey")
                pt = unb64(field(res, "plaintext_base64", "GenerateDataKey"), "plaintext_base64")
                ct = field(res, "ciphertext_base64", "GenerateDataKey")
                if len(pt) != keylen:
                    raise Fail("plaintext_base64 is %d bytes, keylen %d" % (len(pt), keylen))
                dec = unb64(field(ok200(decrypt(c, cmk, ct), "Decrypt of the data key"), "plaintext_base64", "Decrypt"), "plaintext_base64")
                if dec != pt:
                    raise Fail("Decrypt of the data key ciphertext differs from plaintext_base64")
                return "data key of %d bytes" % keylen
            run("%s GenerateDataKey keylen=%d then Decrypt gives the plaintext" % (spec, keylen), gdk)

        def gdkwo(spec=spec):
            cmk = cmk_of(spec)
            res = ok200(generate_data_key_wo(c, cmk, 32), "GenerateDataKeyWithoutPlaintext")
            if "plaintext_base64" in res:
                raise Fail("WithoutPlaintext returned plaintext_base64: %s" % json.dumps(short(res)))
            ct = field(res, "ciphertext_base64", "GenerateDataKeyWithoutPlaintext")
            dec = unb64(field(ok200(decrypt(c, cmk, ct), "Decrypt of the data key"), "plaintext_base64", "Decrypt"), "plaintext_base64")
            if len(dec) != 32:
                raise Fail("Decrypt gave %d bytes, keylen 32" % len(dec))
            return "32-byte data key"
        run("%s GenerateDataKeyWithoutPlaintext keylen=32 then Decrypt gives 32 bytes" % spec, gdkwo)

        def export(spec=spec):
            cmk, ukey = cmk_of(spec), cmk_of(EXPORT_UKEY[spec])
            res = ok200(generate_data_key(c, cmk, 32, "export-aad"), "GenerateDataKey")
            pt = unb64(field(res, "plaintext_base64", "GenerateDataKey"), "plaintext_base64")
            ex = ok200(export_data_key(c, cmk, field(res, "ciphertext_base64", "GenerateDataKey"), ukey, "export-aad"), "ExportDataKey")
            newkey = field(ex, "newdatakey_base64", "ExportDataKey")
            unb64(newkey, "newdatakey_base64")
            back = unb64(field(ok200(asym_decrypt(c, ukey, newkey), "AsymmetricDecrypt of newdatakey_base64"), "plaintext_base64", "AsymmetricDecrypt"), "plaintext_base64")
            if back != pt:
                raise Fail("AsymmetricDecrypt(ukey, newdatakey_base64) = %s, the data key is %s" % (b64(back), b64(pt)))
            return "32-byte data key exported to %s" % EXPORT_UKEY[spec]
        run("%s ExportDataKey to an %s ukey, AsymmetricDecrypt gives the data key" % (spec, EXPORT_UKEY[spec]), export)

        for action in ["AsymmetricEncrypt", "AsymmetricDecrypt", "Sign", "Verify"]:
            run("%s %s refused" % (spec, action), lambda spec=spec, action=action: refusal(spec, action))

    # -- RSA: AsymmetricEncrypt/Decrypt, Sign/Verify --
    for spec in RSA:
        run("%s AsymmetricEncrypt/AsymmetricDecrypt round trip" % spec, lambda spec=spec: asym_roundtrip(spec, "TestRSA-3072"))
        run("%s AsymmetricEncrypt/AsymmetricDecrypt plaintext with spaces + & = %% and non-ASCII" % spec,
            lambda spec=spec: asym_roundtrip(spec, SPECIAL_PLAINTEXT))
        for action in ["Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ExportDataKey"]:
            run("%s %s refused" % (spec, action), lambda spec=spec, action=action: refusal(spec, action))

    # -- SM2: AsymmetricEncrypt/Decrypt --
    for spec in SM2:
        run("%s AsymmetricEncrypt/AsymmetricDecrypt round trip" % spec, lambda spec=spec: asym_roundtrip(spec, "TestSM2"))
        run("%s AsymmetricEncrypt/AsymmetricDecrypt plaintext with spaces + & = %% and non-ASCII" % spec,
            lambda spec=spec: asym_roundtrip(spec, SPECIAL_PLAINTEXT))
        for action in ["Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext"]:
            run("%s %s refused" % (spec, action), lambda spec=spec, action=action: refusal(spec, action))

    # -- EC: Sign/Verify only --
    for spec in EC:
        for action in ["Encrypt", "Decrypt", "AsymmetricEncrypt", "AsymmetricDecrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext"]:
            run("%s %s refused" % (spec, action), lambda spec=spec, action=action: refusal(spec, action))

    # -- Sign/Verify for every asymmetric keyspec --
    for spec in RSA + EC + SM2:
        run("%s Sign/Verify true" % spec, lambda spec=spec: sign_verify(spec, hashlib.sha256(b"some data").hexdigest()))
        run("%s Sign/Verify digest with spaces + & = %% and non-ASCII" % spec, lambda spec=spec: sign_verify(spec, SPECIAL_DIGEST))
        run("%s Verify with a tampered digest is not true" % spec, lambda spec=spec: tampered(spec, "digest"))
        run("%s Verify with a tampered signature is not true" % spec, lambda spec=spec: tampered(spec, "signature"))

    # -- ExportDataKey with a ukey that cannot encrypt --
    for uspec in ["EH_EC_P256", "EH_AES_GCM_256"]:
        def bad_ukey(uspec=uspec):
            cmk = cmk_of("EH_AES_GCM_128")
            ukey = cmk_of(uspec)
            dk = field(ok200(generate_data_key(c, cmk, 16), "GenerateDataKey"), "ciphertext_base64", "GenerateDataKey")
            ok200(export_data_key(c, cmk, dk, cmk_of("EH_RSA_3072")), "control: ExportDataKey to an EH_RSA_3072 ukey")
            return refused(export_data_key(c, cmk, dk, ukey), "ExportDataKey to a %s ukey" % uspec)
        run("ExportDataKey with an %s ukey refused" % uspec, bad_ukey)

    # -- blobs are bound --
    for spec in ALL_SPECS:
        run("%s flipped byte in cmk_base64 fails" % spec, lambda spec=spec: flipped(spec))
        run("%s cmk used by another appid fails" % spec, lambda spec=spec: foreign(spec))

    # -- common parameters --
    def ts_case(offset_min, accept):
        if not accept:
            ok200(create_key(c, "EH_AES_GCM_128"), "control: the same request with the current time")
        ts = str(int(time.time() * 1000) + int(offset_min * 60 * 1000))
        r = create_key(c, "EH_AES_GCM_128", timestamp=ts)
        if accept:
            ok200(r, "timestamp %+d min" % offset_min)
            return "accepted"
        return refused(r, "timestamp %+d min" % offset_min)
    run("timestamp 25 minutes in the past accepted", lambda: ts_case(-25, True))
    run("timestamp 31 minutes in the past refused", lambda: ts_case(-31, False))
    run("timestamp 31 minutes in the future refused", lambda: ts_case(31, False))

    def replay():
        body = c.body(OrderedDict([("keyspec", "EH_AES_GCM_128"), ("origin", "EH_INTERNAL_KEY")]))
        ok200(c.post("CreateKey", body), "first request")
        return refused(c.post("CreateKey", body), "the same request again")
    run("repeated identical request (same timestamp) refused", replay)

    def replay_old():
        ts = str(int(time.time() * 1000) - 25 * 60 * 1000)
        body = c.body(OrderedDict([("keyspec", "EH_AES_GCM_128"), ("origin", "EH_INTERNAL_KEY")]), timestamp=ts)
        ok200(c.post("CreateKey", body), "first request, timestamp 25 minutes old")
        return refused(c.post("CreateKey", body), "the same request again")
    run("repeated identical request with a 25-minute-old timestamp refused", replay_old)

    def wrong_key():
        return refused(create_key(c, "EH_AES_GCM_128", appkey=args.appkey + "x"), "signed with another appkey")
    run("request signed with a wrong appkey refused", wrong_key)

    def sorted_sign(sort_body, case):
        cmk = cmk_of("EH_AES_GCM_128")
        ct = field(ok200(encrypt(c, cmk, "sorted-form", "challenge"), "Encrypt"), "ciphertext_base64", "Encrypt")
        # Decrypt's sample order (aad, cmk_base64, ciphertext_base64) is not ASCII order: the sorted
        # form signs aad, ciphertext_base64, cmk_base64.
        r = ok200(decrypt(c, cmk, ct, "challenge", sort_signed=True, sort_body=sort_body, case=case), "Decrypt signed sorted, signature %s" % case)
        if unb64(field(r, "plaintext_base64", "Decrypt"), "plaintext_base64") != b"sorted-form":
            raise Fail("wrong plaintext: %s" % json.dumps(r))
        return "accepted"
    def lower_refused():
        # Only the HMAC's base64 as it is, or upper-cased as the samples send it, is accepted: a
        # case-insensitive compare would throw away about a bit of HMAC per letter.
        cmk = cmk_of("EH_AES_GCM_128")
        ct = field(ok200(encrypt(c, cmk, "lower-form", "challenge"), "Encrypt"), "ciphertext_base64", "Encrypt")
        r = decrypt(c, cmk, ct, "challenge", sort_signed=True, sort_body=True, case="lower")
        if r.get("code") == 200:
            raise Fail("a lower-cased signature was accepted: %s" % json.dumps(r))
        return "refused: %s" % json.dumps(r)
    run("Decrypt signed over the sorted payload with the base64 signature as it is (sample-order body) accepted", lambda: sorted_sign(False, "asis"))
    run("Decrypt with a fully lower-cased signature refused", lower_refused)
    # The document's prose: "ordered in ASCII ascending, and the <payload> parameter must also be ordered".
    run("Decrypt signed over the sorted payload (the document's prose) with an upper-case signature (sample-order body) accepted", lambda: sorted_sign(False, "upper"))
    # The vendor's later Python SDK (ehsm/utils.py prepare_params) neither upper- nor lower-cases: it
    # sends the base64 as it is.
    run("Decrypt signed over the sorted payload with the base64 signature as it is (sorted body) accepted", lambda: sorted_sign(True, "asis"))

    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
