# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Make a demo private CA and client certificates for per-hostname Authenticated Origin Pulls.

    python scripts/make_demo_pki.py DIR [--client NAME ...] [--days N] [--force]

Writes DIR/ca.crt, DIR/ca.key and, for each client NAME (default: client), DIR/NAME.crt and DIR/NAME.key. Keys are
unencrypted PEM with mode 0600. Files that already exist are kept (so a second run changes nothing) unless --force
is given; a new client is signed by the CA already in DIR. Demo and test material only: never use it in production.
"""

import argparse
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY_SIZE = 2048
CA_DAYS = 3650
CA_NAME = 'aop.cloudflare Demo Private CA'


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def write_file(path, data, mode):
    """Write a file whose mode is set before any byte lands, so a key is never readable by others."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(data)
    os.chmod(path, mode)


def write_pair(directory, name, certificate, key):
    write_file(os.path.join(directory, name + '.crt'), certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    write_file(os.path.join(directory, name + '.key'), key_pem, 0o600)


def read_pair(directory, name):
    with open(os.path.join(directory, name + '.crt'), 'rb') as handle:
        certificate = x509.load_pem_x509_certificate(handle.read())
    with open(os.path.join(directory, name + '.key'), 'rb') as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    return certificate, key


def pair_exists(directory, name):
    return all(os.path.exists(os.path.join(directory, name + suffix)) for suffix in ('.crt', '.key'))


def build(subject, issuer, public_key, signing_key, days, is_ca):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=0 if is_ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if is_ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def make_ca(directory, force):
    if pair_exists(directory, 'ca') and not force:
        return read_pair(directory, 'ca'), False
    key = new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    certificate = build(name, name, key.public_key(), key, CA_DAYS, is_ca=True)
    write_pair(directory, 'ca', certificate, key)
    return (certificate, key), True


def make_client(directory, name, ca, days, force):
    if pair_exists(directory, name) and not force:
        return False
    ca_certificate, ca_key = ca
    key = new_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'aop.cloudflare demo'),
            x509.NameAttribute(NameOID.COMMON_NAME, 'Cloudflare origin pull client (%s)' % name),
        ]
    )
    certificate = build(subject, ca_certificate.subject, key.public_key(), ca_key, days, is_ca=False)
    write_pair(directory, name, certificate, key)
    return True


def parse_args(argv):
    parser = argparse.ArgumentParser(description='Make a demo private CA and client certificates (demo and tests only).')
    parser.add_argument('directory', help='where to write the files (created if missing)')
    parser.add_argument(
        '--client',
        action='append',
        dest='clients',
        metavar='NAME',
        help='client certificate to make, written as NAME.crt and NAME.key (repeatable; default: client)',
    )
    parser.add_argument('--days', type=int, default=365, help='validity of the client certificates in days (default 365)')
    parser.add_argument('--force', action='store_true', help='replace files that already exist (a new CA signs new clients)')
    args = parser.parse_args(argv)
    args.clients = args.clients or ['client']
    for name in args.clients:
        if name == 'ca' or not name.replace('-', '').replace('_', '').isalnum():
            parser.error('client name %r: use letters, digits, - and _ (and not "ca")' % name)
    return args


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.directory, mode=0o755, exist_ok=True)
    ca, ca_made = make_ca(args.directory, args.force)
    print('%s %s' % ('made' if ca_made else 'kept', os.path.join(args.directory, 'ca.crt')))
    for name in args.clients:
        made = make_client(args.directory, name, ca, args.days, args.force or ca_made)
        print('%s %s' % ('made' if made else 'kept', os.path.join(args.directory, name + '.crt')))
    return 0


if __name__ == '__main__':
    sys.exit(main())
