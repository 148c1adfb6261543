# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Both halves of mTLS together: after the role, the emulator's edge pulls from a real nginx that runs the README's
own server block ("Configure your origin") and refuses every pull without a certificate of the test CA."""

import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.request

import pytest
from cryptography import x509

from tests.pki import SERVER_AUTH, CertificateAuthority, Pair, fingerprint  # pylint: disable=import-error  # conftest puts the repository on sys.path

from .conftest import REPO_ROOT
from .test_role import ASSOCIATIONS, CERTIFICATES, HOSTNAMES, role_play, role_vars

START_TIMEOUT = 10
STOP_TIMEOUT = 10
PULL_INTERVAL = 0.2
ROTATION_LIMIT = 60
ORIGIN_ANSWER = 'origin ok\n'
NO_CERTIFICATE = 'No required SSL certificate was sent'
BAD_CERTIFICATE = 'The SSL certificate error'
LOG_LINE = re.compile(r'"(?P<host>[^"]*)" "(?P<request>[^"]*)" (?P<status>\d+) client="(?P<client>[^"]*)" verify="(?P<verify>[^"]*)"')
TEMP_PATHS = ('client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi')


def readme_nginx_block():
    """The nginx block of the README's "Configure your origin" section: the test runs what users are told to write."""
    section = (REPO_ROOT / 'README.md').read_text().split('## Configure your origin', 1)[1].split('\n## ', 1)[0]
    return section.split('```nginx\n', 1)[1].split('```', 1)[0]


def origin_config(directory, port, client_ca):
    """nginx.conf: the README's block with this test's paths, port and a fixed answer, everything else under directory."""
    block = readme_nginx_block()
    replacements = {
        'listen 443 ssl;': 'listen 127.0.0.1:%d ssl;' % port,
        '/etc/nginx/tls/origin.crt': str(directory / 'origin.crt'),
        '/etc/nginx/tls/origin.key': str(directory / 'origin.key'),
        '/etc/nginx/tls/aop-ca.crt': str(client_ca),
        '/var/log/nginx/aop-access.log': str(directory / 'access.log'),
        'proxy_pass http://127.0.0.1:8080;': 'return 200 "%s";' % ORIGIN_ANSWER.replace('\n', '\\n'),
    }
    for old, new in replacements.items():
        assert block.count(old) == 1, 'the README nginx block no longer holds %r once: keep test_origin.py in step' % old
        block = block.replace(old, new)
    temp_paths = ''.join('    %s_temp_path %s;\n' % (name, directory / name) for name in TEMP_PATHS)
    return ('daemon off;\nworker_processes 1;\npid %s;\nerror_log %s info;\nevents { worker_connections 64; }\nhttp {\n%s    access_log off;\n%s}\n') % (
        directory / 'nginx.pid',
        directory / 'error.log',
        temp_paths,
        block,
    )


def server_pki(directory):
    """A throwaway CA and the origin's serverAuth certificate for the test zone; returns the CA's file."""
    ca = CertificateAuthority.create('Origin server test CA', 'ec', days=1)
    ca.issue('origin.example.com', extensions=[SERVER_AUTH], sans=('example.com', '*.example.com'), days=1).write(directory, 'origin')
    ca.pair.write(directory, 'origin-ca')
    return directory / 'origin-ca.crt'


def load_pem(path):
    return x509.load_pem_x509_certificate(path.read_bytes())


def nginx_binary():
    """Debian's nginx (in /usr/sbin, which a user's PATH may lack); missing: a skip, but a failure in CI."""
    found = shutil.which('nginx') or shutil.which('nginx', path='/usr/sbin:/sbin')
    if not found:
        if os.environ.get('CI') == 'true':
            pytest.fail('nginx is required in CI: scripts/test.sh installs it (as root, with apt-get)')
        pytest.skip('nginx is not installed: apt-get install --no-install-recommends nginx (scripts/test.sh does it as root)')
    return found


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def handshake(port):
    """True once a TLS handshake with the origin succeeds (no client certificate: nginx still completes it)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=1) as raw, context.wrap_socket(raw):
            return True
    except OSError:
        return False


class Origin:
    """A private nginx in the foreground, its own process group; never the system service.

    By default it runs the README's block on a free port (origin_config); config(directory, port) may give another
    nginx.conf, and ready(port) says when it serves (by default: a TLS handshake on the port).
    """

    def __init__(self, directory, client_ca=None, config=None, ready=None):
        binary = nginx_binary()
        self.directory = directory
        self.port = free_port()
        self.url = 'https://127.0.0.1:%d/' % self.port
        self.ca_file = server_pki(directory)
        for temp in TEMP_PATHS:
            (directory / temp).mkdir()
        (directory / 'nginx.conf').write_text(config(directory, self.port) if config else origin_config(directory, self.port, client_ca))
        self.command = [binary, '-p', '%s/' % directory, '-c', str(directory / 'nginx.conf'), '-e', str(directory / 'error.log')]
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            self.command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        ready = ready or handshake
        deadline = time.monotonic() + START_TIMEOUT
        while not ready(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError('nginx did not start: %s' % (directory / 'error.log').read_text())
            time.sleep(0.05)

    def stop(self):
        """SIGQUIT (graceful), then SIGKILL for the whole group (workers keep serving when only the master dies)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log_entry(self, path):
        """The access-log entry of the request for path (nginx writes it just after answering)."""
        deadline = time.monotonic() + 2
        while True:
            log = (self.directory / 'access.log').read_text()
            entries = [match.groupdict() for match in LOG_LINE.finditer(log) if match['request'].split(' ')[1] == path]
            if entries or time.monotonic() > deadline:
                assert len(entries) == 1, (path, log)
                return entries[0]
            time.sleep(0.05)


@pytest.fixture
def origin(tmp_path, pki):
    """nginx on a free 127.0.0.1 port, requiring a client certificate of the test PKI's CA."""
    directory = tmp_path / 'nginx'
    directory.mkdir()
    running = Origin(directory, pki / 'ca.crt')
    yield running
    running.stop()


class Edge:
    """Pulls through the emulator's edge (POST /__emulator__/pull), each on its own path to find it in nginx's log."""

    def __init__(self, emulator, origin):
        self.control_url = emulator.control_url
        self.origin = origin
        self.count = 0
        self.lock = threading.Lock()

    def pull(self, hostname):
        """-> (result, path)."""
        with self.lock:
            self.count += 1
            path = '/pull/%d' % self.count
        body = {'hostname': hostname, 'origin': self.origin.url, 'path': path, 'ca_file': str(self.origin.ca_file)}
        request = urllib.request.Request(
            self.control_url + '/pull', data=json.dumps(body).encode(), method='POST', headers={'Content-Type': 'application/json'}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)['result'], path


@pytest.fixture
def edge(emulator, origin):
    return Edge(emulator, origin)


def subject(path):
    return load_pem(path).subject.rfc4514_string()


def assert_accepted(edge, hostname, certificate_path):
    result, path = edge.pull(hostname)
    assert (result['status'], result['body'], result['error']) == (200, ORIGIN_ANSWER, None), result
    assert result['presented']['fingerprint_sha256'] == fingerprint(load_pem(certificate_path), ':')
    entry = edge.origin.log_entry(path)
    assert (entry['host'], entry['status'], entry['client'], entry['verify']) == (hostname, '200', subject(certificate_path), 'SUCCESS'), entry


def assert_refused_without_certificate(edge, hostname):
    result, path = edge.pull(hostname)
    assert (result['presented'], result['status'], result['error']) == (None, 400, None), result
    assert NO_CERTIFICATE in result['body']
    entry = edge.origin.log_entry(path)
    assert (entry['status'], entry['client'], entry['verify']) == ('400', '-', 'NONE'), entry  # nginx logs an empty value as -


def test_after_the_role_declared_hostnames_are_accepted_and_others_refused(emulator, pki, ansible, edge):
    run = ansible(role_play(role_vars(emulator, pki)))
    assert run.rc == 0, run
    for hostname in HOSTNAMES:
        assert_accepted(edge, hostname, pki / 'a.crt')
    assert_refused_without_certificate(edge, 'other.example.com')


def test_no_pull_fails_during_a_rotation(emulator, pki, ansible, edge):
    assert ansible(role_play(role_vars(emulator, pki, cert='a'))).rc == 0
    results, done = [], threading.Event()

    def pull_continuously():
        deadline = time.monotonic() + ROTATION_LIMIT
        while not done.is_set() and time.monotonic() < deadline:
            results.append(edge.pull('app.example.com'))
            done.wait(PULL_INTERVAL)

    puller = threading.Thread(target=pull_continuously)
    puller.start()
    try:
        rotation = ansible(role_play(role_vars(emulator, pki, cert='b')))
    finally:
        done.set()
        puller.join()
    assert rotation.rc == 0, rotation
    assert_accepted(edge, 'app.example.com', pki / 'b.crt')

    failed = [result for result, _path in results if (result['status'], result['error']) != (200, None)]
    assert not failed and len(results) >= 5, (failed, len(results))
    old, new = fingerprint(load_pem(pki / 'a.crt'), ':'), fingerprint(load_pem(pki / 'b.crt'), ':')
    presented = [result['presented']['fingerprint_sha256'] for result, _path in results]
    assert presented[0] == old and presented[-1] == new, 'the pulls should span the rotation'
    assert presented == sorted(presented, key=lambda seen: seen == new), 'once moved to b, the edge never goes back to a'
    verdicts = {edge.origin.log_entry(path)['verify'] for _result, path in results}
    assert verdicts == {'SUCCESS'}


def test_after_removal_pulls_are_refused(emulator, pki, ansible, edge):
    assert ansible(role_play(role_vars(emulator, pki))).rc == 0
    assert_accepted(edge, 'app.example.com', pki / 'a.crt')
    removal = ansible(role_play(role_vars(emulator, pki, per_hostname_aop_state='absent', per_hostname_aop_private_key_file=None)))
    assert removal.rc == 0, removal
    for hostname in HOSTNAMES:
        assert_refused_without_certificate(edge, hostname)


def test_a_certificate_without_client_auth_usage_is_refused_by_the_origin(emulator, pki, edge):
    # Uploaded through the API straight away: the collection's modules are to refuse such a certificate before any write.
    demo_ca = CertificateAuthority(Pair.read(pki, 'ca'))
    server_auth_only = demo_ca.issue('server-auth only', extensions=[SERVER_AUTH])
    zone_id = emulator.zone_ids['example.com']
    uploaded = emulator.api('POST', CERTIFICATES % zone_id, server_auth_only.body())
    assert uploaded['success'], uploaded
    cert_id = uploaded['result']['id']
    associated = emulator.api('PUT', ASSOCIATIONS % zone_id, {'config': [{'hostname': 'app.example.com', 'cert_id': cert_id, 'enabled': True}]})
    assert associated['success'], associated
    emulator.configure(activation_seconds=0)  # active at once

    result, path = edge.pull('app.example.com')

    assert (result['presented']['cert_id'], result['status'], result['error']) == (cert_id, 400, None), result
    assert BAD_CERTIFICATE in result['body']
    entry = edge.origin.log_entry(path)
    assert entry['client'] == server_auth_only.cert.subject.rfc4514_string()
    assert entry['verify'].startswith('FAILED:') and 'unsuitable certificate purpose' in entry['verify'], entry
