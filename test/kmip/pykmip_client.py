"""Drives the gateway's KMIP listener with PyKMIP (Debian python3-pykmip 0.10.0) and prints one JSON
object: for every step what PyKMIP answered ({"ok": ...}) or the KMIP failure it raised
({"error": class, "reason": Result Reason, "message": Result Message}). test/kmip/pykmip.e2e.ts
asserts on it; the script asserts nothing itself.

Run with Debian's /usr/bin/python3. Usage:
  pykmip_client.py HOST PORT CERT KEY CA VERSION(1.0..1.4|2.0) PREFIX
PREFIX makes the names of this run's objects unique (the suite runs the script once per version).
"""
import binascii
import enum
import json
import sys

from kmip.core import enums, objects as cobjects, primitives
from kmip.core.enums import Tags
from kmip.core.factories import attributes as attribute_factories
from kmip.pie import exceptions, objects
from kmip.pie.client import ProxyKmipClient

host, port, cert, key, ca, version, prefix = sys.argv[1:8]
VERSIONS = {
    "1.0": enums.KMIPVersion.KMIP_1_0,
    "1.1": enums.KMIPVersion.KMIP_1_1,
    "1.2": enums.KMIPVersion.KMIP_1_2,
    "1.3": enums.KMIPVersion.KMIP_1_3,
    "1.4": enums.KMIPVersion.KMIP_1_4,
    "2.0": enums.KMIPVersion.KMIP_2_0,
}
client = ProxyKmipClient(
    hostname=host, port=int(port), cert=cert, key=key, ca=ca,
    ssl_version="PROTOCOL_SSLv23", kmip_version=VERSIONS[version], config_file="/dev/null",
)
factory = attribute_factories.AttributeFactory()
out = {}
M = enums.CryptographicUsageMask


def hexed(value):
    return binascii.hexlify(value).decode() if isinstance(value, (bytes, bytearray)) else value


def plain(value):
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.name
    return hexed(value)



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


def attributes_of(result):
    """get_attributes answers (uid, [Attribute]): a name -> [values] map of plain values."""
    uid, attrs = result
    found = {}
    for a in attrs:
        value = a.attribute_value
        if hasattr(value, "name_value"):
            value = value.name_value.value
        elif hasattr(value, "digest_value"):
            value = [value.hashing_algorithm.value.name, hexed(value.digest_value.value), value.key_format_type.value.name]
        elif hasattr(value, "value"):
            value = value.value
        found.setdefault(a.attribute_name.value, []).append(plain(value))
    return {"uid": uid, "attributes": found}


def custom(name, text):
    return cobjects.Attribute(
        attribute_name=cobjects.Attribute.AttributeName(name),
        attribute_value=primitives.TextString(text, tag=Tags.ATTRIBUTE_VALUE),
    )


with client:
    step("discover", lambda: [
        "%d.%d" % (v.major, v.minor) for v in client.proxy.discover_versions().protocol_versions
    ])
    step("query", lambda: (lambda r: {
        "operations": [o.name for o in r.operations],
        "objects": [o.name for o in r.object_types],
        "vendor": r.vendor_identification,
    })(client.proxy.query(query_functions=[
        enums.QueryFunction.QUERY_OPERATIONS, enums.QueryFunction.QUERY_OBJECTS, enums.QueryFunction.QUERY_SERVER_INFORMATION,
    ])))

    # Symmetric keys: exportable (Export bit) or not.
    for bits in (128, 192, 256):
        step("create_aes_%d" % bits, lambda bits=bits: client.create(
            enums.CryptographicAlgorithm.AES, bits, name="%s-aes-%d" % (prefix, bits),
            cryptographic_usage_mask=[M.ENCRYPT, M.DECRYPT, M.EXPORT]))
    step("create_sealed", lambda: client.create(
        enums.CryptographicAlgorithm.AES, 256, name="%s-sealed" % prefix, cryptographic_usage_mask=[M.ENCRYPT, M.DECRYPT]))
    step("create_bad_length", lambda: client.create(enums.CryptographicAlgorithm.AES, 100))
    aes = lambda: need("create_aes_256")
    step("attributes_preactive", lambda: attributes_of(client.get_attributes(aes())))
    step("get_preactive", lambda: client.get(aes()).value)
    step("activate", lambda: client.activate(aes()))
    step("activate_again", lambda: client.activate(aes()))
    step("attributes_active", lambda: attributes_of(client.get_attributes(aes(), ["State", "Cryptographic Length", "Activation Date"])))
    step("attribute_list", lambda: sorted(client.get_attribute_list(aes())))
    step("get_aes", lambda: client.get(aes()).value)
    step("activate_sealed", lambda: client.activate(need("create_sealed")))
    step("get_sealed", lambda: client.get(need("create_sealed")).value)
    step("check_ok", lambda: client.check(aes(), cryptographic_usage_mask=[M.ENCRYPT]))
    step("check_sign", lambda: client.check(aes(), cryptographic_usage_mask=[M.SIGN]))
    step("rekey", lambda: client.rekey(uid=aes()))
    step("get_after_rekey", lambda: client.get(aes()).value)

    # Key pairs.
    step("pair_rsa", lambda: client.create_key_pair(
        enums.CryptographicAlgorithm.RSA, 2048, public_name="%s-rsa-pub" % prefix, private_name="%s-rsa-priv" % prefix,
        public_usage_mask=[M.VERIFY], private_usage_mask=[M.SIGN, M.EXPORT]))
    step("pair_ec", lambda: client.create_key_pair(
        enums.CryptographicAlgorithm.EC, 256, public_usage_mask=[M.VERIFY], private_usage_mask=[M.SIGN]))
    step("pair_rsa_3072", lambda: client.create_key_pair(enums.CryptographicAlgorithm.RSA, 3072))
    step("pair_ec_384", lambda: client.create_key_pair(enums.CryptographicAlgorithm.EC, 384))
    step("pair_bad", lambda: client.create_key_pair(enums.CryptographicAlgorithm.RSA, 1024))
    step("get_rsa_public", lambda: client.get(need("pair_rsa")[0]).value)
    step("rsa_public_attributes", lambda: attributes_of(client.get_attributes(need("pair_rsa")[0], ["Object Type", "Cryptographic Algorithm", "Name"])))
    step("rsa_public_all_attributes", lambda: attributes_of(client.get_attributes(need("pair_rsa")[0])))
    step("activate_rsa_private", lambda: client.activate(need("pair_rsa")[1]))
    step("get_rsa_private", lambda: client.get(need("pair_rsa")[1]).value)
    step("activate_ec_private", lambda: client.activate(need("pair_ec")[1]))
    step("get_ec_private", lambda: client.get(need("pair_ec")[1]).value)
    step("get_ec_public", lambda: client.get(need("pair_ec")[0]).value)

    # Register: symmetric key, secret data, private and public keys.
    raw = bytes(range(16))
    step("register_aes", lambda: client.register(objects.SymmetricKey(
        enums.CryptographicAlgorithm.AES, 128, raw, [M.ENCRYPT, M.DECRYPT, M.EXPORT], "%s-registered" % prefix)))
    step("activate_registered", lambda: client.activate(need("register_aes")))
    step("get_registered", lambda: client.get(need("register_aes")).value)
    step("register_secret", lambda: client.register(objects.SecretData(
        b"correct horse battery", enums.SecretDataType.PASSWORD, [M.DERIVE_KEY], "%s-secret" % prefix)))
    step("activate_secret", lambda: client.activate(need("register_secret")))
    step("get_secret", lambda: (lambda s: [s.data_type.name, s.value])(client.get(need("register_secret"))))
    private_der = binascii.unhexlify(sys.stdin.readline().strip())
    public_der = binascii.unhexlify(sys.stdin.readline().strip())
    step("register_private", lambda: client.register(objects.PrivateKey(
        enums.CryptographicAlgorithm.RSA, 2048, private_der, enums.KeyFormatType.PKCS_8, [M.SIGN, M.EXPORT], "%s-imported-priv" % prefix)))
    step("register_public", lambda: client.register(objects.PublicKey(
        enums.CryptographicAlgorithm.RSA, 2048, public_der, enums.KeyFormatType.X_509, [M.VERIFY], "%s-imported-pub" % prefix)))
    step("get_registered_public", lambda: client.get(need("register_public")).value)
    step("register_garbage", lambda: client.register(objects.PrivateKey(
        enums.CryptographicAlgorithm.RSA, 2048, b"\x30\x03\x02\x01\x00", enums.KeyFormatType.PKCS_8, [M.SIGN])))

    # Locate.
    name_attr = lambda n: factory.create_attribute(enums.AttributeType.NAME, n)
    step("locate_name", lambda: client.locate(attributes=[name_attr("%s-aes-128" % prefix)]))
    step("locate_missing", lambda: client.locate(attributes=[name_attr("%s-nothing" % prefix)]))
    step("locate_private", lambda: client.locate(attributes=[
        factory.create_attribute(enums.AttributeType.OBJECT_TYPE, enums.ObjectType.PRIVATE_KEY)]))
    step("locate_aes_preactive", lambda: client.locate(attributes=[
        factory.create_attribute(enums.AttributeType.CRYPTOGRAPHIC_ALGORITHM, enums.CryptographicAlgorithm.AES),
        factory.create_attribute(enums.AttributeType.STATE, enums.State.PRE_ACTIVE)]))
    step("locate_all", lambda: client.locate())
    step("locate_page", lambda: client.locate(maximum_items=2, offset_items=1))

    # Names and custom attributes: Modify / Delete Attribute in each version's shape.
    name_value = lambda n: factory.create_attribute(enums.AttributeType.NAME, n).attribute_value
    tagged_name = lambda n: client.attribute_value_factory.create_attribute_value_by_enum(enums.Tags.NAME, n)
    if version.startswith("1."):
        step("modify_name", lambda: client.modify_attribute(aes(), attribute=cobjects.Attribute(
            attribute_name=cobjects.Attribute.AttributeName("Name"),
            attribute_index=cobjects.Attribute.AttributeIndex(0),
            attribute_value=name_value("%s-renamed" % prefix),
        ))[0])
    else:
        step("modify_name", lambda: client.modify_attribute(
            aes(),
            current_attribute=cobjects.CurrentAttribute(attribute=tagged_name("%s-aes-256" % prefix)),
            new_attribute=cobjects.NewAttribute(attribute=tagged_name("%s-renamed" % prefix)),
        )[0])
    step("locate_renamed", lambda: client.locate(attributes=[name_attr("%s-renamed" % prefix)]))
    if version.startswith("1."):
        step("delete_name", lambda: client.delete_attribute(aes(), attribute_name="Name", attribute_index=0)[0])
    else:
        step("delete_name", lambda: client.delete_attribute(
            aes(), current_attribute=cobjects.CurrentAttribute(attribute=tagged_name("%s-renamed" % prefix)))[0])
    step("names_after_delete", lambda: attributes_of(client.get_attributes(aes(), ["Name"])))
    # Custom (x-) attributes are KMIP 1.x's; PyKMIP sends none in 2.0.
    if version.startswith("1."):
        step("modify_state", lambda: client.modify_attribute(aes(), attribute=cobjects.Attribute(
            attribute_name=cobjects.Attribute.AttributeName("State"),
            attribute_value=factory.create_attribute(enums.AttributeType.STATE, enums.State.ACTIVE).attribute_value,
        )))
        step("create_custom", lambda: client.proxy.create(enums.ObjectType.SYMMETRIC_KEY, cobjects.TemplateAttribute(attributes=[
            factory.create_attribute(enums.AttributeType.CRYPTOGRAPHIC_ALGORITHM, enums.CryptographicAlgorithm.AES),
            factory.create_attribute(enums.AttributeType.CRYPTOGRAPHIC_LENGTH, 128),
            factory.create_attribute(enums.AttributeType.CRYPTOGRAPHIC_USAGE_MASK, [M.ENCRYPT, M.DECRYPT]),
            custom("x-owner", "%s-team" % prefix),
        ])).uuid)
        step("custom_attributes", lambda: attributes_of(client.get_attributes(need("create_custom"), ["x-owner"])))
        step("locate_custom", lambda: client.locate(attributes=[custom("x-owner", "%s-team" % prefix)]))

    # Revoke and destroy.
    step("destroy_active", lambda: client.destroy(aes()))
    step("revoke", lambda: client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, aes()))
    step("state_revoked", lambda: attributes_of(client.get_attributes(aes(), ["State", "Deactivation Date"])))
    step("revoke_compromise", lambda: client.revoke(enums.RevocationReasonCode.KEY_COMPROMISE, need("register_aes")))
    step("state_compromised", lambda: attributes_of(client.get_attributes(need("register_aes"), ["State", "Compromise Date"])))
    step("destroy", lambda: client.destroy(aes()))
    step("get_destroyed", lambda: client.get(aes()))
    step("get_unknown", lambda: client.get("00000000-0000-4000-8000-000000000000"))

print(json.dumps(out))
