# -*- coding: utf-8 -*-
# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""examples/webservers/ run as it is: each web server declares in its host_vars what it serves, nginx is configured
as the origin, then the role configures the zone once with the sum. The emulator's edge then pulls from a real nginx.

The example's files are copied unchanged; only what stands in for the managed hosts comes from the command line
(a local connection, no sudo, no package install, and a private nginx's directories, port and reload command), as
extra variables."""

import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from cryptography import x509

from tests.pki import fingerprint  # pylint: disable=import-error  # conftest puts the repository on sys.path

from .conftest import MAKE_PKI, REPO_ROOT, collections_root
from .test_origin import NO_CERTIFICATE, ORIGIN_ANSWER, TEMP_PATHS, Edge, Origin, load_pem, readme_nginx_block, server_pki

EXAMPLE = REPO_ROOT / 'examples' / 'webservers'
SERVED = {'web1.example.com': 'app.example.com', 'web2.example.com': 'api.example.com', 'web3.example.com': 'shop.example.com'}
TEMPLATE = EXAMPLE / 'templates' / 'aop-origin.conf.j2'


def nginx_with_sites(directory, upstream):
    """nginx.conf for the example's sites: every file the playbook writes to conf.d, and the application upstream."""
    temp_paths = ''.join('    %s_temp_path %s;\n' % (name, directory / name) for name in TEMP_PATHS)
    return (
        'daemon off;\nworker_processes 1;\npid %s;\nerror_log %s info;\nevents { worker_connections 64; }\nhttp {\n%s    access_log off;\n'
        '    server { listen 127.0.0.1:%d; return 200 "%s"; }\n    include %s/*.conf;\n}\n'
    ) % (directory / 'nginx.pid', directory / 'error.log', temp_paths, upstream, ORIGIN_ANSWER.replace('\n', '\\n'), directory / 'conf.d')


def listening(port):
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=1):
            return True
    except OSError:
        return False


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class WebServers:
    """The example in a directory of its own, its PKI, a private nginx for the three web servers, and how to run it."""

    def __init__(self, tmp_path, emulator, ansible):
        self.directory = tmp_path / 'webservers'
        shutil.copytree(str(EXAMPLE), str(self.directory))
        self.pki = self.directory / 'pki'
        subprocess.run([sys.executable, str(MAKE_PKI), str(self.pki), '--client', 'client', '--client', 'client2'], check=True, capture_output=True)
        server_pki(self.pki)
        self.emulator, self.ansible = emulator, ansible
        nginx = tmp_path / 'nginx'
        (nginx / 'conf.d').mkdir(parents=True)
        (nginx / 'tls').mkdir()
        self.upstream = free_port()
        self.origin = Origin(nginx, config=lambda directory, _port: nginx_with_sites(directory, self.upstream), ready=lambda _port: listening(self.upstream))
        self.origin.ca_file = self.pki / 'origin-ca.crt'
        self.edge = Edge(emulator, self.origin)
        self.extra_vars = {
            'ansible_connection': 'local',
            'ansible_python_interpreter': sys.executable,
            'ansible_become': False,
            'nginx_install': False,
            'nginx_conf_dir': str(nginx / 'conf.d'),
            'nginx_tls_dir': str(nginx / 'tls'),
            'nginx_listen': '127.0.0.1:%d' % self.origin.port,
            'nginx_upstream': 'http://127.0.0.1:%d' % self.upstream,
            'nginx_reload_command': ' '.join(self.origin.command + ['-s', 'reload']),
        }
        self.env = {'CLOUDFLARE_BASE_URL': emulator.base_url, 'CLOUDFLARE_API_TOKEN': emulator.api_token}

    def run(self, *args, playbook='site.yml'):
        (self.directory / 'extra.yml').write_text(yaml.safe_dump(self.extra_vars))
        run = self.ansible(
            str(self.directory / playbook), '-i', str(self.directory / 'hosts.yml'), '-e', '@' + str(self.directory / 'extra.yml'), *args, env_extra=self.env
        )
        # nginx reloads in the background: its new workers serve once a handshake succeeds on the sites' port.
        deadline = time.monotonic() + 10
        while not listening(self.origin.port) and time.monotonic() < deadline:
            time.sleep(0.1)
        return run

    def host_vars(self, host, **values):
        path = self.directory / 'host_vars' / (host + '.yml')
        given = yaml.safe_load(path.read_text())
        given.update(values)
        path.write_text(yaml.safe_dump(given))

    def stop(self):
        self.origin.stop()


@pytest.fixture
def webservers(tmp_path, emulator, ansible):
    running = WebServers(tmp_path, emulator, ansible)
    yield running
    running.stop()


def associations(emulator):
    return {item['hostname']: (item['cert_id'], item['enabled']) for item in emulator.zone()['associations']}


def pull(webservers, hostname):
    result, _path = webservers.edge.pull(hostname)
    return result


def assert_served_with(webservers, hostname, certificate):
    result = pull(webservers, hostname)
    assert (result['status'], result['body'], result['error']) == (200, ORIGIN_ANSWER, None), (hostname, result)
    assert result['presented']['fingerprint_sha256'] == fingerprint(load_pem(certificate), ':')


def assert_refused(webservers, hostname):
    result = pull(webservers, hostname)
    assert (result['presented'], result['status']) == (None, 400) and NO_CERTIFICATE in result['body'], (hostname, result)


def test_the_template_is_the_readme_s_tested_block():
    """The example configures nginx with the block the README shows and tests/e2e/test_origin.py runs."""

    def directives(text):
        lines = [line.split('#', 1)[0].strip() for line in text.splitlines()]
        return [line for line in lines if line and not line.startswith(('log_format', 'access_log'))]

    readme_values = {
        '{{ nginx_listen }}': '443',
        '{{ public_hostname }}': 'app.example.com api.example.com',
        '{{ nginx_tls_dir }}': '/etc/nginx/tls',
        '{{ nginx_upstream }}': 'http://127.0.0.1:8080',
    }
    rendered = TEMPLATE.read_text()
    for variable, value in readme_values.items():
        rendered = rendered.replace(variable, value)
    assert directives(rendered) == directives(readme_nginx_block())


def test_each_server_declares_its_hostname_and_the_zone_is_configured_once_with_the_sum(webservers, emulator):
    client = webservers.pki / 'client.crt'

    first = webservers.run()

    assert first.rc == 0, first
    assert 'configures zone example.com (merged from 3 hosts)' in first.output, first
    assert first.output.count('zone example.com is configured by web1.example.com (merged from 3 hosts)') == 2, first
    (certificate,) = emulator.zone()['certificates']
    assert associations(emulator) == dict.fromkeys(SERVED.values(), (certificate['id'], True))
    assert sorted(method for method, _path in emulator.writes()) == ['PATCH', 'POST', 'PUT'], 'one upload, one setting, one PUT for the three hosts'
    for hostname in SERVED.values():
        assert_served_with(webservers, hostname, client)
    assert_refused(webservers, 'www.example.com')
    assert 'PRIVATE KEY' not in first.output

    emulator.clear_requests()
    second = webservers.run()
    assert second.rc == 0 and {counts['changed'] for counts in second.recap.values()} == {0}, second
    assert emulator.writes() == []


def test_decommissioning_one_server_voids_its_hostname_keeps_the_shared_certificate_and_converges(webservers, emulator):
    assert webservers.run().rc == 0
    (certificate,) = emulator.zone()['certificates']
    webservers.host_vars('web3.example.com', per_hostname_aop_state='absent')

    emulator.clear_requests()
    predicted = webservers.run('--check', '--diff')
    assert predicted.rc == 0, predicted
    assert emulator.writes() == []
    kept = 'kept certificate %s: declared absent by web3.example.com, and present by web1.example.com and web2.example.com' % certificate_subject(emulator)
    for line in ('1 hostname(s) voided: shop.example.com', 'changed shop.example.com: absent', kept):
        assert line in predicted.output, predicted
    assert 'deleted certificate' not in predicted.output and 'None' not in summary_of(predicted), predicted

    real = webservers.run()
    assert real.rc == 0, real
    assert summary_of(real) == summary_of(predicted), 'check mode predicted exactly what the run did'
    assert associations(emulator) == {'app.example.com': (certificate['id'], True), 'api.example.com': (certificate['id'], True)}
    assert [item['id'] for item in emulator.zone()['certificates']] == [certificate['id']]
    assert [method for method, _path in emulator.writes()] == ['PUT'], 'no DELETE that Cloudflare would refuse'
    assert_served_with(webservers, 'app.example.com', webservers.pki / 'client.crt')
    assert_refused(webservers, 'shop.example.com')

    emulator.clear_requests()
    again = webservers.run()
    assert again.rc == 0 and {counts['changed'] for counts in again.recap.values()} == {0}, again
    assert emulator.writes() == []


def certificate_subject(emulator):
    (certificate,) = emulator.zone()['certificates']
    return certificate_subject_of(certificate)


def load_pem_text(text):
    return x509.load_pem_x509_certificate(text.encode())


def summary_of(run):
    """The lines of the zone's closing report, as the run printed them."""
    block = run.output.split('Show each certificate and what changed', 1)[1].split('PLAY RECAP', 1)[0]
    return [line.strip().strip('",') for line in block.splitlines() if line.strip().startswith('"') and '=>' not in line]


ROLLING = [
    {
        'name': 'Rotate the client certificate one web server at a time',
        'hosts': 'webservers',
        'serial': 1,
        'gather_facts': False,
        'roles': ['aop.cloudflare.per_hostname_aop'],
    }
]


def test_a_rolling_rotation_keeps_every_hostname_served_and_the_last_batch_deletes_the_old_certificate(webservers, emulator):
    assert webservers.run().rc == 0
    (old,) = emulator.zone()['certificates']
    (webservers.directory / 'rolling.yml').write_text(yaml.safe_dump(ROLLING))
    group_vars = webservers.directory / 'group_vars' / 'webservers.yml'
    group_vars.write_text(group_vars.read_text().replace('pki/client.', 'pki/client2.'))
    results, done = [], threading.Event()

    def pull_continuously():
        deadline = time.monotonic() + 300
        while not done.is_set() and time.monotonic() < deadline:
            for hostname in SERVED.values():
                results.append((hostname, pull(webservers, hostname)))
            done.wait(0.2)

    emulator.clear_requests()
    puller = threading.Thread(target=pull_continuously)
    puller.start()
    try:
        rolling = webservers.run(playbook='rolling.yml')
    finally:
        done.set()
        puller.join()

    assert rolling.rc == 0, rolling
    failed = [(hostname, result) for hostname, result in results if (result['status'], result['error']) != (200, None)]
    assert not failed and len(results) >= 3 * 5, (failed, len(results))
    (new,) = emulator.zone()['certificates']
    assert new['id'] != old['id']
    for hostname in SERVED.values():
        assert_served_with(webservers, hostname, webservers.pki / 'client2.crt')
    writes = emulator.writes()
    deletes = [path for method, path in writes if method == 'DELETE']
    assert deletes == [path for path in deletes if path.endswith(old['id'])] and len(deletes) == 1, writes
    assert [method for method, _path in writes][-1] == 'DELETE', 'the old certificate goes with the batch that releases its last hostname'
    assert rolling.output.count('kept certificate %s' % old['id']) == 2, 'the first two batches keep it, naming who still uses it'
    assert 'kept certificate %s (%s): still used by api.example.com, shop.example.com' % (old['id'], certificate_subject_of(old)) in rolling.output


def certificate_subject_of(certificate):
    return load_pem_text(certificate['certificate']).subject.rfc4514_string()


def test_the_example_as_an_awx_job_through_ansible_runner_leaves_no_key_in_events_or_artifacts(webservers, emulator, tmp_path):
    """AWX runs jobs with ansible-runner: a private data dir with the project, the inventory and the credential's
    environment. The job succeeds, and no job event or artifact the run writes holds a line of the private key or the
    token (ansible-runner's own command and env files excepted: they hold what AWX injects, by design)."""
    data = tmp_path / 'runner'
    shutil.copytree(str(webservers.directory), str(data / 'project'))
    (data / 'inventory').mkdir()
    for part in ('hosts.yml', 'group_vars', 'host_vars'):
        shutil.move(str(data / 'project' / part), str(data / 'inventory' / part))
    (data / 'env').mkdir()
    (data / 'env' / 'envvars').write_text(
        yaml.safe_dump(dict(webservers.env, ANSIBLE_COLLECTIONS_PATH=str(collections_root()), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false'))
    )
    (data / 'env' / 'extravars').write_text(yaml.safe_dump(webservers.extra_vars))
    runner = str(Path(sys.executable).parent / 'ansible-runner')

    completed = subprocess.run(
        [runner, 'run', str(data), '-p', 'site.yml', '--ident', 'job1', '-v'],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={'PATH': '%s:/usr/bin:/bin' % Path(sys.executable).parent, 'HOME': str(tmp_path)},
    )

    artifacts = data / 'artifacts' / 'job1'
    assert completed.returncode == 0 and (artifacts / 'status').read_text() == 'successful', completed.stdout[-4000:] + completed.stderr[-2000:]
    assert sorted(associations(emulator)) == sorted(SERVED.values())
    events = sorted((artifacts / 'job_events').glob('*.json'))
    assert len(events) > 20, 'the job wrote its events'
    key_lines = [line for line in (webservers.pki / 'client.key').read_text().splitlines()[1:-1] if len(line) >= 40]
    written = [path for path in artifacts.rglob('*') if path.is_file() and path.name not in ('command', 'env')]
    for path in written:
        text = path.read_text(errors='replace')
        assert 'PRIVATE KEY' not in text and not [line for line in key_lines if line in text], path
        assert emulator.api_token not in text, path
