"""Drives the gateway's KMIP crypto operations with PyKMIP (Debian python3-pykmip 0.10.0) and prints
one JSON object: for every step what PyKMIP answered ({"ok": ...}, bytes as hex) or the failure it
raised ({"error": class, "reason": Result Reason, "message": ...}). test/kmip/crypto-pykmip.e2e.ts
made the keys and inputs (JSON on stdin, hex) and checks every answer locally; this script asserts
nothing itself.

Run with Debian's /usr/bin/python3. Usage: pykmip_crypto.py HOST PORT CERT KEY CA VERSION < input.json
"""
import binascii
import enum
import json
import sys

from kmip.core import enums
from kmip.core import objects as cobjects
from kmip.core.messages import messages, payloads, contents
from kmip.pie import exceptions, objects
from kmip.pie.client import ProxyKmipClient

host, port, cert, key, ca, version = sys.argv[1:7]
VERSIONS = {
    "1.2": enums.KMIPVersion.KMIP_1_2,
    "1.4": enums.KMIPVersion.KMIP_1_4,
}
given = {k: binascii.unhexlify(v) for k, v in json.load(sys.stdin).items()}
client = ProxyKmipClient(
    hostname=host, port=int(port), cert=cert, key=key, ca=ca,
    ssl_version="PROTOCOL_SSLv23", kmip_version=VERSIONS[version], config_file="/dev/null",
)
M = enums.CryptographicUsageMask
A = enums.CryptographicAlgorithm
out = {}


def plain(value):
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (bytes, bytearray)):
        return binascii.hexlify(value).decode()
    return value


class Missing(Exception):
    """A step needs the answer of an earlier one, which failed."""


def step(name, call):
    try:
        out[name] = {"ok": plain(call())}
    except exceptions.KmipOperationFailure as err:
        out[name] = {"error": "KmipOperationFailure", "reason": err.reason.name, "message": err.message}
    except Missing as err:
        out[name] = {"error": "Missing", "message": str(err)}
    except Exception as err:  # a client-side failure is an answer too: the suite shows it
        out[name] = {"error": type(err).__name__, "message": str(err)}
    return out[name].get("ok")


def need(name):
    answer = out.get(name, {}).get("ok")
    if answer is None:
        raise Missing("step %s failed" % name)
    return answer


def raw(name):
    return binascii.unhexlify(need(name))


def raw_pair(name, i):
    return binascii.unhexlify(need(name)[i])


def registered(name, obj):
    """Registers and activates an object (KMIP makes it Pre-Active): its Unique Identifier."""
    def go():
        uid = client.register(obj)
        client.activate(uid)
        return uid
    return step(name, go)


def gcm(op, payload):
    """Encrypt or Decrypt sent by hand: PyKMIP's client drops the GCM fields, its payloads have them."""
    batch = messages.RequestBatchItem(operation=contents.Operation(op), request_payload=payload)
    response = client.proxy._send_and_receive_message(client.proxy._build_request_message(None, [batch]))
    item = response.batch_items[0]
    if item.result_status.value != enums.ResultStatus.SUCCESS:
        raise exceptions.KmipOperationFailure(item.result_status.value, item.result_reason.value, item.result_message.value)
    return item.response_payload


with client:
    # PyKMIP names every object after its type unless told: names are unique aliases here.
    def named(what):
        return "crypto-%s-%s" % (what, version)
    aes = registered("register_aes", objects.SymmetricKey(A.AES, 256, given["aes"], masks=[M.ENCRYPT, M.DECRYPT], name=named("aes")))
    hmac = registered("register_hmac", objects.SymmetricKey(A.HMAC_SHA384, 512, given["hmac"], masks=[M.MAC_GENERATE, M.MAC_VERIFY], name=named("hmac")))
    pkcs8 = enums.KeyFormatType.PKCS_8
    rsa_enc = registered("register_rsa_enc", objects.PrivateKey(A.RSA, 2048, given["rsa"], pkcs8, masks=[M.ENCRYPT, M.DECRYPT], name=named("rsa-enc")))
    rsa_sig = registered("register_rsa_sig", objects.PrivateKey(A.RSA, 2048, given["rsa"], pkcs8, masks=[M.SIGN, M.VERIFY], name=named("rsa-sig")))
    ec = registered("register_ec", objects.PrivateKey(A.EC, 256, given["ec"], pkcs8, masks=[M.SIGN, M.VERIFY], name=named("ec")))

    cbc = {"cryptographic_algorithm": A.AES, "block_cipher_mode": enums.BlockCipherMode.CBC, "padding_method": enums.PaddingMethod.PKCS5}
    step("cbc_encrypt", lambda: client.encrypt(given["plaintext"], uid=aes, cryptographic_parameters=cbc))
    step("cbc_decrypt", lambda: client.decrypt(raw_pair("cbc_encrypt", 0), uid=aes, cryptographic_parameters=cbc, iv_counter_nonce=raw_pair("cbc_encrypt", 1)))
    step("cbc_encrypt_iv", lambda: client.encrypt(given["plaintext"], uid=aes, cryptographic_parameters=cbc, iv_counter_nonce=given["iv16"]))
    ecb = {"cryptographic_algorithm": A.AES, "block_cipher_mode": enums.BlockCipherMode.ECB, "padding_method": enums.PaddingMethod.NONE}
    step("ecb_encrypt", lambda: client.encrypt(given["blocks"], uid=aes, cryptographic_parameters=ecb))
    step("ctr_encrypt", lambda: client.encrypt(given["plaintext"], uid=aes, cryptographic_parameters={"block_cipher_mode": enums.BlockCipherMode.CTR}))

    gcm_params = cobjects.CryptographicParameters(block_cipher_mode=enums.BlockCipherMode.GCM, cryptographic_algorithm=A.AES, tag_length=16)

    def gcm_encrypt():
        p = gcm(enums.Operation.ENCRYPT, payloads.EncryptRequestPayload(unique_identifier=aes, cryptographic_parameters=gcm_params, data=given["plaintext"], auth_additional_data=given["aad"]))
        return [p.data, p.iv_counter_nonce, p.auth_tag]
    step("gcm_encrypt", gcm_encrypt)

    def gcm_decrypt(tag):
        ct, iv = raw_pair("gcm_encrypt", 0), raw_pair("gcm_encrypt", 1)
        p = gcm(enums.Operation.DECRYPT, payloads.DecryptRequestPayload(unique_identifier=aes, cryptographic_parameters=gcm_params, data=ct, iv_counter_nonce=iv, auth_additional_data=given["aad"], auth_tag=tag))
        return p.data
    step("gcm_decrypt", lambda: gcm_decrypt(raw_pair("gcm_encrypt", 2)))
    step("gcm_decrypt_bad_tag", lambda: gcm_decrypt(bytes(16)))

    oaep = {"cryptographic_algorithm": A.RSA, "padding_method": enums.PaddingMethod.OAEP, "hashing_algorithm": enums.HashingAlgorithm.SHA_256}
    step("oaep_encrypt", lambda: client.encrypt(given["plaintext"], uid=rsa_enc, cryptographic_parameters=oaep))
    step("oaep_decrypt", lambda: client.decrypt(given["oaep_ct"], uid=rsa_enc, cryptographic_parameters=oaep))
    v15 = {"cryptographic_algorithm": A.RSA, "padding_method": enums.PaddingMethod.PKCS1v15}
    step("v15_decrypt", lambda: client.decrypt(given["v15_ct"], uid=rsa_enc, cryptographic_parameters=v15))

    pkcs1 = {"digital_signature_algorithm": enums.DigitalSignatureAlgorithm.SHA256_WITH_RSA_ENCRYPTION}
    step("sign_pkcs1", lambda: client.sign(given["message"], uid=rsa_sig, cryptographic_parameters=pkcs1))
    pss = {"cryptographic_algorithm": A.RSA, "padding_method": enums.PaddingMethod.PSS, "hashing_algorithm": enums.HashingAlgorithm.SHA_256}
    step("sign_pss", lambda: client.sign(given["message"], uid=rsa_sig, cryptographic_parameters=pss))
    step("verify_pss", lambda: client.signature_verify(given["message"], raw("sign_pss"), uid=rsa_sig, cryptographic_parameters=pss))
    step("verify_pss_other_message", lambda: client.signature_verify(given["plaintext"], raw("sign_pss"), uid=rsa_sig, cryptographic_parameters=pss))
    ecdsa = {"digital_signature_algorithm": enums.DigitalSignatureAlgorithm.ECDSA_WITH_SHA256}
    step("sign_ecdsa", lambda: client.sign(given["message"], uid=ec, cryptographic_parameters=ecdsa))
    step("verify_ecdsa", lambda: client.signature_verify(given["message"], raw("sign_ecdsa"), uid=ec, cryptographic_parameters=ecdsa))

    step("mac", lambda: client.mac(given["message"], uid=hmac, algorithm=A.HMAC_SHA384))
    step("mac_key_default", lambda: client.mac(given["message"], uid=hmac))

    def pair():
        public, private = client.create_key_pair(
            A.RSA, 2048, public_name=named("pair-public"), public_usage_mask=[M.VERIFY], private_name=named("pair-private"), private_usage_mask=[M.SIGN])
        client.activate(public)
        client.activate(private)
        return [public, private]
    step("create_pair", pair)
    step("pair_sign", lambda: client.sign(given["message"], uid=need("create_pair")[1], cryptographic_parameters=pss))
    step("pair_verify", lambda: client.signature_verify(given["message"], raw("pair_sign"), uid=need("create_pair")[0], cryptographic_parameters=pss))

    def public_key():
        k = client.get(need("create_pair")[0])
        return [k.key_format_type, k.value]
    step("pair_public_key", public_key)


print(json.dumps(out))
