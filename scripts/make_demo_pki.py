# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Make a demo private CA and client certificates for per-hostname Authenticated Origin Pulls.

    python scripts/make_demo_pki.py DIR [--client NAME ...] [--days N] [--force]

Writes DIR/ca.crt, DIR/ca.key and, for each client NAME (default: client), DIR/NAME.crt and DIR/NAME.key. Keys are
unencrypted PEM with mode 0600. Files that already exist are kept (so a second run changes nothing) unless --force
is given; a new client is signed by the CA already in DIR. Demo and test material only: never use it in production.
The certificates come from tests/pki.py, the generator of the tests.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# pylint: disable-next=wrong-import-position,import-error  # the lint sessions see a copy without the repository on the path
from tests.pki import CLIENT_AUTH, CertificateAuthority, Pair, key_usage  # noqa: E402

CA_NAME = 'aop.cloudflare Demo Private CA'
CA_DAYS = 3650
ORGANIZATION = 'aop.cloudflare demo'
# What an origin (nginx, Apache: OpenSSL) asks of a client certificate.
CLIENT_EXTENSIONS = (key_usage('digital_signature', 'key_encipherment'), CLIENT_AUTH)


def pair_exists(directory, name):
    return all(os.path.exists(os.path.join(directory, name + suffix)) for suffix in ('.crt', '.key'))


def demo_ca(directory, force):
    """(the CA in directory, whether it was made now)."""
    if pair_exists(directory, 'ca') and not force:
        return CertificateAuthority(Pair.read(directory, 'ca'), ORGANIZATION), False
    ca = CertificateAuthority.create(CA_NAME, 'rsa', ORGANIZATION, days=CA_DAYS)
    ca.pair.write(directory, 'ca')
    return ca, True


def make_client(directory, name, ca, days, force):
    if pair_exists(directory, name) and not force:
        return False
    ca.issue('Cloudflare origin pull client (%s)' % name, 'rsa', days=days, extensions=CLIENT_EXTENSIONS).write(directory, name)
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
    ca, ca_made = demo_ca(args.directory, args.force)
    print('%s %s' % ('made' if ca_made else 'kept', os.path.join(args.directory, 'ca.crt')))
    for name in args.clients:
        made = make_client(args.directory, name, ca, args.days, args.force or ca_made)
        print('%s %s' % ('made' if made else 'kept', os.path.join(args.directory, name + '.crt')))
    return 0


if __name__ == '__main__':
    sys.exit(main())
