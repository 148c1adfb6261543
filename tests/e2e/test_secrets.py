# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""No secret anywhere a user or a CI log could see it: every module and the role at -vvvv, with --diff, and the log
file Ansible writes with ANSIBLE_LOG_PATH, on success and on failure."""

import http.server
import threading

import pytest

KEY_LINE_LENGTH = 40


def secrets(pki, emulator):
    """The token, the global key, and the start of every line of every private key of the test PKI."""
    found = [emulator.api_token, emulator.info['api_key']]
    for key in sorted(pki.glob('*.key')):
        # A block's short last line occurs by chance in any base64 text (the certificates echoed at -vvvv): skip it.
        found += [line[:KEY_LINE_LENGTH] for line in key.read_text().splitlines()[1:-1] if len(line) >= KEY_LINE_LENGTH]
    return found


def assert_no_secret(pki, emulator, *texts):
    for text in texts:
        assert 'PRIVATE KEY' not in text
        leaked = [secret[:12] + '...' for secret in secrets(pki, emulator) if secret in text]
        assert not leaked, 'secrets in the output: %s' % leaked


def modules_play(emulator, pki):
    """Every module, with keys and credentials given as text (the hardest case), through a rotation and a removal."""
    cert, key = (pki / 'a.crt').read_text(), (pki / 'a.key').read_text()
    cert_b, key_b = (pki / 'b.crt').read_text(), (pki / 'b.key').read_text()
    hostnames = ['app.example.com', 'api.example.com']
    return [
        {
            'name': 'Every module',
            'hosts': 'localhost',
            'gather_facts': False,
            'module_defaults': {'group/aop.cloudflare.all': {'base_url': emulator.base_url, 'api_token': emulator.api_token, 'zone': 'example.com'}},
            'tasks': [
                {'name': 'Upload', 'register': 'a', 'aop.cloudflare.hostname_client_cert': {'certificate': cert, 'private_key': key}},
                {
                    'name': 'Upload as a list',
                    'register': 'listed',
                    'aop.cloudflare.hostname_client_cert': {
                        'certificates': [{'certificate': cert, 'private_key': key}, {'certificate': cert_b, 'private_key': key_b}]
                    },
                },
                {'name': 'Setting', 'aop.cloudflare.zone_tls_client_auth': {'enabled': True}},
                {'name': 'Associate', 'aop.cloudflare.hostname_aop': {'hostnames': hostnames, 'cert_id': '{{ a.certificate.id }}'}},
                {'name': 'Certificates', 'aop.cloudflare.hostname_client_cert_info': {'hostnames': hostnames}},
                {'name': 'Hostnames', 'aop.cloudflare.hostname_aop_info': {'hostnames': hostnames}},
                {'name': 'Rotate', 'register': 'moved', 'aop.cloudflare.hostname_aop': {'hostnames': hostnames, 'cert_id': '{{ listed.certificates[1].id }}'}},
                {'name': 'Void', 'aop.cloudflare.hostname_aop': {'hostnames': hostnames, 'state': 'absent'}},
                {
                    'name': 'Delete',
                    'aop.cloudflare.hostname_client_cert': {'certificates': [{'certificate': cert}, {'certificate': cert_b}], 'state': 'absent'},
                },
                {
                    'name': 'A key that is not the certificate\'s',
                    'ignore_errors': True,
                    'aop.cloudflare.hostname_client_cert': {'certificate': cert, 'private_key': key_b},
                },
                {
                    'name': 'Refused credentials',
                    'ignore_errors': True,
                    'aop.cloudflare.zone_tls_client_auth': {'enabled': True, 'api_token': emulator.api_token + '-wrong'},
                },
                {
                    'name': 'Global key',
                    'aop.cloudflare.zone_tls_client_auth': {
                        'enabled': True,
                        'api_token': '',
                        'api_key': emulator.info['api_key'],
                        'api_email': emulator.info['api_email'],
                    },
                },
            ],
        }
    ]


@pytest.mark.parametrize('verbosity', ['-v', '-vvvv'])
def test_every_module_at_any_verbosity_with_diff_and_a_log_file(emulator, pki, ansible, tmp_path, verbosity):
    log_file = tmp_path / 'ansible.log'

    run = ansible(modules_play(emulator, pki), verbosity, '--diff', env_extra={'ANSIBLE_LOG_PATH': str(log_file)})

    assert run.rc == 0, run
    assert run.output.count('...ignoring') == 2, 'both failures happened, and were shown'
    assert 'does not belong to' in run.output and 'credentials were refused' in run.output
    assert_no_secret(pki, emulator, run.output, log_file.read_text())


def role_variables(emulator, **certificate):
    """The role for app.example.com of the emulator's zone, with the certificate and key given as the test says."""
    variables = {
        'per_hostname_aop_zone': 'example.com',
        'per_hostname_aop_base_url': emulator.base_url,
        'per_hostname_aop_api_token': emulator.api_token,
        'per_hostname_aop_hostnames': ['app.example.com'],
    }
    variables.update(('per_hostname_aop_' + name, value) for name, value in certificate.items())
    return variables


def test_the_role_at_vvvv_with_diff_and_a_log_file(emulator, pki, ansible, tmp_path):
    log_file = tmp_path / 'ansible.log'
    variables = role_variables(emulator, certificate=(pki / 'a.crt').read_text(), private_key=(pki / 'a.key').read_text())
    play = [{'name': 'Role', 'hosts': 'localhost', 'gather_facts': False, 'roles': [{'role': 'aop.cloudflare.per_hostname_aop', 'vars': variables}]}]
    environment = {'ANSIBLE_LOG_PATH': str(log_file)}

    runs = [
        ansible(play, '-vvvv', '--diff', env_extra=environment),
        ansible(play, '-vvvv', '--diff', '--check', env_extra=environment),
        ansible(
            [dict(play[0], roles=[{'role': 'aop.cloudflare.per_hostname_aop', 'vars': dict(variables, per_hostname_aop_state='absent')}])],
            '-vvvv',
            '--diff',
            env_extra=environment,
        ),
    ]

    assert [run.rc for run in runs] == [0, 0, 0], runs
    assert_no_secret(pki, emulator, log_file.read_text(), *[run.output for run in runs])


def test_credentials_with_a_final_newline_work_and_are_never_printed(emulator, pki, ansible, tmp_path):
    """Secret files, env files and YAML block scalars end in a newline: the run works, and nothing quotes the token."""
    log_file = tmp_path / 'ansible.log'
    play = [
        {
            'name': 'Newline credentials',
            'hosts': 'localhost',
            'gather_facts': False,
            'tasks': [
                {'name': 'Token from the environment', 'aop.cloudflare.zone_tls_client_auth': {'zone': 'example.com', 'enabled': True}},
                {
                    'name': 'Global key with a newline, as a block scalar gives it',
                    'aop.cloudflare.zone_tls_client_auth': {
                        'zone': 'example.com',
                        'enabled': True,
                        'api_token': '',
                        'api_key': emulator.info['api_key'] + '\n',
                        'api_email': emulator.info['api_email'],
                    },
                },
                {
                    'name': 'A token broken inside',
                    'ignore_errors': True,
                    'aop.cloudflare.zone_tls_client_auth': {
                        'zone': 'example.com',
                        'enabled': True,
                        'api_token': emulator.api_token[:8] + '\n' + emulator.api_token[8:],
                    },
                },
            ],
        }
    ]
    environment = {'CLOUDFLARE_BASE_URL': emulator.base_url, 'CLOUDFLARE_API_TOKEN': emulator.api_token + '\n', 'ANSIBLE_LOG_PATH': str(log_file)}

    runs = [ansible(play, verbosity, env_extra=environment) for verbosity in ('-v', '-vvvv')]

    for run in runs:
        assert run.rc == 0 and run.output.count('...ignoring') == 1, run
        assert 'api_token holds a space, a line break or another character no Cloudflare credential has' in run.output
        assert emulator.api_token[8:] not in run.output and emulator.api_token[:8] + '\\n' not in run.output
    assert_no_secret(pki, emulator, log_file.read_text(), *[run.output for run in runs])


def test_a_bundle_file_given_for_the_certificate_and_the_key_never_shows_the_key(emulator, pki, ansible, tmp_path):
    """HAProxy keeps the certificate and its key in one file; given as both, only certificates travel and are shown."""
    bundle = tmp_path / 'bundle.pem'
    bundle.write_text((pki / 'a.crt').read_text() + (pki / 'a.key').read_text())
    log_file = tmp_path / 'ansible.log'
    variables = role_variables(emulator, certificate_file=str(bundle), private_key_file=str(bundle))
    role = {'name': 'Role', 'hosts': 'localhost', 'gather_facts': False, 'roles': [{'role': 'aop.cloudflare.per_hostname_aop', 'vars': variables}]}
    module = {
        'name': 'The module, deleting by the bundle (no private_key option to mask)',
        'hosts': 'localhost',
        'gather_facts': False,
        'tasks': [
            {
                'name': 'Void',
                'aop.cloudflare.hostname_aop': {
                    'zone': 'example.com',
                    'base_url': emulator.base_url,
                    'api_token': emulator.api_token,
                    'hostnames': ['app.example.com'],
                    'state': 'absent',
                },
            },
            {
                'name': 'Delete',
                'aop.cloudflare.hostname_client_cert': {
                    'zone': 'example.com',
                    'base_url': emulator.base_url,
                    'api_token': emulator.api_token,
                    'certificate': bundle.read_text(),
                    'state': 'absent',
                },
            },
        ],
    }

    runs = [
        ansible([role], '-vvvv', '--diff', env_extra={'ANSIBLE_LOG_PATH': str(log_file)}),
        ansible([module], '-vvvv', env_extra={'ANSIBLE_LOG_PATH': str(log_file)}),
    ]

    assert [run.rc for run in runs] == [0, 0], runs
    assert emulator.zone()['certificates'] == [] or all(item['status'] in ('pending_deletion', 'deleted') for item in emulator.zone()['certificates'])
    assert_no_secret(pki, emulator, log_file.read_text(), *[run.output for run in runs])


class RedirectingEndpoint:
    """A loopback HTTP endpoint that answers every call with a redirect to a second one, which records what reaches it."""

    def __init__(self, status):
        self.received = []
        catcher = self._server(self._catch)
        self.target = 'http://127.0.0.1:%d/client/v4' % catcher.server_address[1]
        redirector = self._server(self._redirect(status))
        self.base_url = 'http://127.0.0.1:%d/client/v4' % redirector.server_address[1]
        self.servers = [catcher, redirector]
        for server in self.servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()

    @staticmethod
    def _server(handle):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_any(self):
                handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_any

            def log_message(self, *args):  # pylint: disable=arguments-differ
                del args

        return http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)

    def _catch(self, handler):
        length = int(handler.headers.get('Content-Length') or 0)
        self.received.append((handler.command, dict(handler.headers), handler.rfile.read(length).decode(errors='replace')))
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(b'{"success": true, "errors": [], "messages": [], "result": []}')

    def _redirect(self, status):
        def answer(handler):
            length = int(handler.headers.get('Content-Length') or 0)
            handler.rfile.read(length)
            handler.send_response(status)
            handler.send_header('Location', self.target + handler.path.split('/client/v4', 1)[1])
            handler.send_header('Content-Length', '0')
            handler.end_headers()

        return answer

    def stop(self):
        for server in self.servers:
            server.shutdown()
            server.server_close()


@pytest.mark.parametrize('status', [302, 307, 308])
def test_a_redirecting_endpoint_gets_neither_the_credentials_nor_the_key_further(pki, ansible, status):
    endpoint = RedirectingEndpoint(status)
    key = (pki / 'a.key').read_text()
    play = [
        {
            'name': 'An endpoint that redirects',
            'hosts': 'localhost',
            'gather_facts': False,
            'tasks': [
                {
                    'name': 'Upload',
                    'ignore_errors': True,
                    'aop.cloudflare.hostname_client_cert': {
                        'zone_id': 'a' * 32,
                        'base_url': endpoint.base_url,
                        'api_key': 'global-key-never-forwarded',
                        'api_email': 'ops@example.com',
                        'certificate': (pki / 'a.crt').read_text(),
                        'private_key': key,
                    },
                }
            ],
        }
    ]
    try:
        run = ansible(play, '-vvvv')
    finally:
        endpoint.stop()

    assert run.rc == 0 and '...ignoring' in run.output, run
    assert 'HTTP %d, a redirect to 127.0.0.1, which is not followed (it could carry the credentials elsewhere)' % status in run.output, run
    assert endpoint.received == [], 'nothing reached the redirect target'
    assert 'global-key-never-forwarded' not in run.output
