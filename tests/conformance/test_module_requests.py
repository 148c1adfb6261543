"""Every request the collection's modules send, and every answer they get, validates against Cloudflare's schema.

Real ansible-playbook runs of the three modules go through a recording proxy in front of the emulator; each
recorded exchange is then checked with openapi-core (requests and responses), like the emulator's own answers.
"""

# pylint: disable=redefined-outer-name  # fixtures use fixtures by naming them

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import yaml
from openapi_core.testing import MockRequest

from .helpers import API_PREFIX, REPO_ROOT, SCHEMA_HOST, Exchange, new_emulator

PLAYBOOK = """
- name: Every operation of the three modules
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/aop.cloudflare.all:
      base_url: "{{ proxy_url }}"
      api_key: "{{ api_key }}"
      api_email: "{{ api_email }}"
      zone: example.com
  tasks:
    - name: Upload (step 1)
      aop.cloudflare.hostname_client_cert:
        certificate: "{{ certificate }}"
        private_key: "{{ private_key }}"
      register: uploaded
    - name: Adopt (step 1 again)
      aop.cloudflare.hostname_client_cert:
        certificate: "{{ certificate }}"
    - name: tls_client_auth on (step 2)
      aop.cloudflare.zone_tls_client_auth:
        enabled: true
    - name: Enable two hostnames (step 3)
      aop.cloudflare.hostname_aop:
        hostnames: [app.example.com, api.example.com]
        cert_id: "{{ uploaded.certificate.id }}"
    - name: Disable one, void the other
      aop.cloudflare.hostname_aop:
        config:
          - hostname: app.example.com
            cert_id: "{{ uploaded.certificate.id }}"
            state: disabled
          - hostname: api.example.com
            state: absent
    - name: Void the last one
      aop.cloudflare.hostname_aop:
        hostnames: [app.example.com]
        state: absent
    - name: Delete the certificate, by id
      aop.cloudflare.hostname_client_cert:
        id: "{{ uploaded.certificate.id }}"
        state: absent
    - name: tls_client_auth off
      aop.cloudflare.zone_tls_client_auth:
        enabled: false
"""


class RecordingProxy:
    """Forwards every call to the emulator and keeps both sides of it (in memory, for this test only)."""

    def __init__(self, target):
        self.target = target.rstrip('/')
        self.exchanges: list[dict] = []  # what passed through, as recorded (an Exchange each, once checked)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_any(self):
                body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                request = urllib.request.Request(
                    proxy.target + self.path,
                    data=body or None,
                    method=self.command,
                    headers={name: value for name, value in self.headers.items() if name.lower() != 'host'},
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, headers, payload = answer.status, answer.headers, answer.read()
                except urllib.error.HTTPError as error:
                    status, headers, payload = error.code, error.headers, error.read()
                proxy.exchanges.append(
                    {
                        'method': self.command,
                        'path': self.path,
                        'headers': dict(self.headers.items()),
                        'body': body,
                        'status': status,
                        'response_headers': headers,
                        'response': payload,
                    }
                )
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in ('transfer-encoding', 'connection', 'content-length', 'server', 'date'):
                        self.send_header(name, value)
                self.send_header('Content-Length', str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_any

            def log_message(self, *args):  # pylint: disable=arguments-differ
                del args

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope='module')
def recorded(tmp_path_factory, ec_ca):
    """The exchanges of one playbook run over every module operation (shared by the tests of this file)."""
    tmp_path = tmp_path_factory.mktemp('modules')
    # This checkout as the collection aop.cloudflare: a link is enough for ansible-playbook.
    namespace = tmp_path / 'collections' / 'ansible_collections' / 'aop'
    namespace.mkdir(parents=True)
    (namespace / 'cloudflare').symlink_to(REPO_ROOT)
    leaf = ec_ca.issue()
    with new_emulator() as emulator:
        proxy = RecordingProxy(emulator.base_url.rsplit(API_PREFIX, 1)[0])
        try:
            playbook = tmp_path / 'playbook.yml'
            playbook.write_text(PLAYBOOK)
            extra_vars = tmp_path / 'vars.json'
            # The schema's AOP operations declare only the global key + e-mail scheme (the API takes tokens too):
            # the run uses the key, so that requests validate against the schema as it is.
            credentials = emulator.credentials
            extra_vars.write_text(
                json.dumps(
                    {
                        'proxy_url': proxy.url + API_PREFIX,
                        'api_key': credentials.api_key,
                        'api_email': credentials.api_email,
                        'certificate': leaf.cert_pem,
                        'private_key': leaf.key_pem,
                    }
                )
            )
            env = dict(
                os.environ,
                ANSIBLE_COLLECTIONS_PATH=str(tmp_path / 'collections'),
                ANSIBLE_LOCALHOST_WARNING='false',
                ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
                ANSIBLE_NOCOLOR='1',
            )
            run = subprocess.run(
                [
                    os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
                    str(playbook),
                    '-e',
                    '@%s' % extra_vars,
                    '-e',
                    'ansible_python_interpreter=%s' % sys.executable,
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert run.returncode == 0, run.stdout + run.stderr
        finally:
            proxy.stop()
    return proxy.exchanges


def test_every_module_request_and_answer_conforms(recorded, schema_checker):
    operations = set()
    for exchange in recorded:
        path = urlsplit(exchange['path']).path
        query = dict(pair.split('=', 1) for pair in urlsplit(exchange['path']).query.split('&') if pair)
        body = exchange['body'] or None
        if exchange['method'] == 'DELETE':
            # The schema marks a (schema-less) body required on DELETE; the official SDKs send none, and so do we.
            assert body is None
            body = b'{}'
        request = MockRequest(SCHEMA_HOST, exchange['method'].lower(), path, args=query, data=body, headers=exchange['headers'])
        schema_checker.spec_2024.openapi.validate_request(request)
        api_path = path[len(API_PREFIX) :]
        if api_path.endswith('/settings/tls_client_auth'):
            # openapi-core does not pick this file's path parameter out of the path by itself: give it.
            zone_identifier = api_path.split('/')[2]
            schema_checker.spec_2023.openapi.validate_request(
                MockRequest(
                    SCHEMA_HOST, exchange['method'].lower(), path, data=body, headers=exchange['headers'], view_args={'zone_identifier': zone_identifier}
                )
            )
        schema_checker.check(
            Exchange(exchange['method'], SCHEMA_HOST + exchange['path'], exchange['status'], exchange['response_headers'], exchange['response'])
        )
        operations.add((exchange['method'], schema_checker.spec_2024.path_template(api_path)))

    # The run must have exercised every operation the modules know, or this test proves less than it says.
    assert operations == {
        ('GET', '/zones'),
        ('GET', '/zones/{zone_id}/origin_tls_client_auth/hostnames/certificates'),
        ('POST', '/zones/{zone_id}/origin_tls_client_auth/hostnames/certificates'),
        ('GET', '/zones/{zone_id}/origin_tls_client_auth/hostnames/certificates/{certificate_id}'),
        ('DELETE', '/zones/{zone_id}/origin_tls_client_auth/hostnames/certificates/{certificate_id}'),
        ('GET', '/zones/{zone_id}/settings/{setting_id}'),
        ('PATCH', '/zones/{zone_id}/settings/{setting_id}'),
        ('PUT', '/zones/{zone_id}/origin_tls_client_auth/hostnames'),
        ('GET', '/zones/{zone_id}/origin_tls_client_auth/hostnames'),
        ('GET', '/zones/{zone_id}/origin_tls_client_auth/hostnames/{hostname}'),
    }


def test_the_void_is_sent_with_the_cert_id_and_enabled_null(recorded):
    """Cloudflare's documented removal: enabled=null with the association's cert_id, never enabled=false."""
    puts = [json.loads(exchange['body']) for exchange in recorded if exchange['method'] == 'PUT']
    voided = [item for body in puts for item in body['config'] if item['enabled'] is None]
    assert [item['hostname'] for item in voided] == ['api.example.com', 'app.example.com']
    assert all(item['cert_id'] for item in voided)
    assert yaml.safe_dump(puts).count('enabled: false') == 1, 'only the hostname declared disabled is sent enabled=false'
