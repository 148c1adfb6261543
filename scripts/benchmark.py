"""Benchmark: hostname_aop (one PUT for all hostnames, reads a few at a time) against one-hostname-per-call.

Run through `bash scripts/benchmark.sh [--hostnames N] [--latency-ms MS]`. It starts the emulator with an added
latency per API call (a stand-in for the round trip to Cloudflare), uploads one certificate per 100 hostnames
(Cloudflare's limit per certificate), then measures:
  aop.cloudflare  - ansible-playbook running aop.cloudflare.hostname_aop for N hostnames: first run, then a second run
  per-hostname    - the shape Terraform gives (one resource per hostname): for each hostname, read it, then PUT it
                    alone, 10 hostnames at a time (Terraform's default -parallelism)
and prints API calls, writes, seconds, ratios, and the share of Cloudflare's budget of 1,200 calls per 5 minutes that a
run spends (past it, Cloudflare blocks every call for 5 minutes). The playbook figures include ansible-playbook's own
start-up (about 1.5 s).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

CLOUDFLARE_BUDGET = 1200  # calls per 5 minutes, per user or token
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

PLAYBOOK = """
- name: Benchmark hostname_aop
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Associate the hostnames
      aop.cloudflare.hostname_aop:
        base_url: "{{ base_url }}"
        api_token: "{{ api_token }}"
        zone_id: "{{ zone_id }}"
        config: "{{ config }}"
"""


class Emulator(object):
    """The emulator as a subprocess, with its request log."""

    def __init__(self, latency_ms):
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(REPO, 'tests', 'emulator', 'server.py'), '--port', '0', '--zone', 'example.com',
             '--latency-ms', str(latency_ms), '--activation-seconds', '0', '--rate-limit', '1000000'],
            stdout=subprocess.PIPE, text=True)
        self.info = json.loads(self.process.stdout.readline())
        self.zone_id = self.info['zones']['example.com']
        self.headers = {'Authorization': 'Bearer %s' % self.info['api_token']}

    def calls(self):
        log = requests.get(self.info['control_url'] + '/requests', timeout=10).json()
        entries = log['result'] if isinstance(log, dict) else log
        return len(entries), sum(1 for entry in entries if entry['method'] != 'GET')

    def clear_log(self):
        requests.delete(self.info['control_url'] + '/requests', timeout=10)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def upload_certificate(emulator, pki_dir, name):
    with open(os.path.join(pki_dir, name + '.crt')) as cert, open(os.path.join(pki_dir, name + '.key')) as key:
        body = {'certificate': cert.read(), 'private_key': key.read()}
    url = '%s/zones/%s/origin_tls_client_auth/hostnames/certificates' % (emulator.info['base_url'], emulator.zone_id)
    return requests.post(url, json=body, headers=emulator.headers, timeout=30).json()['result']['id']


def run_playbook(emulator, workdir, config):
    playbook = os.path.join(workdir, 'bench.yml')
    extra_vars = os.path.join(workdir, 'bench-vars.json')
    with open(playbook, 'w') as handle:
        handle.write(PLAYBOOK)
    with open(extra_vars, 'w') as handle:
        json.dump({'base_url': emulator.info['base_url'], 'api_token': emulator.info['api_token'],
                   'zone_id': emulator.zone_id, 'config': config}, handle)
    start = time.time()
    subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), playbook, '-e', '@' + extra_vars,
                    '-e', 'ansible_python_interpreter=%s' % sys.executable], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false'))
    return time.time() - start


def run_per_hostname(emulator, config, workers):
    """One resource per hostname: refresh (GET) then, when it differs, a PUT of that hostname alone."""
    local = threading.local()
    base = '%s/zones/%s/origin_tls_client_auth/hostnames' % (emulator.info['base_url'], emulator.zone_id)

    def apply(item):
        if not hasattr(local, 'session'):
            local.session = requests.Session()
            local.session.headers.update(emulator.headers)
        current = local.session.get('%s/%s' % (base, item['hostname']), timeout=30)
        result = current.json().get('result') or {}
        if current.status_code == 404 or result.get('cert_id') != item['cert_id'] or result.get('enabled') is not True:
            change = {'hostname': item['hostname'], 'cert_id': item['cert_id'], 'enabled': True}
            local.session.put(base, json={'config': [change]}, timeout=30)

    start = time.time()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(apply, config))
    return time.time() - start


def measure(emulator, action):
    emulator.clear_log()
    seconds = action()
    calls, writes = emulator.calls()
    return {'calls': calls, 'writes': writes, 'seconds': seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hostnames', type=int, default=100)
    parser.add_argument('--latency-ms', type=int, default=50)
    parser.add_argument('--baseline-workers', type=int, default=10, help="per-hostname calls at a time (Terraform's default: 10)")
    args = parser.parse_args()
    rows = []
    names = ['client%d' % index for index in range((args.hostnames + 99) // 100)]
    with tempfile.TemporaryDirectory() as workdir:
        subprocess.run([sys.executable, os.path.join(HERE, 'make_demo_pki.py'), workdir] + ['--client=' + name for name in names],
                       check=True, stdout=subprocess.DEVNULL)
        for label in ('aop.cloudflare', 'per-hostname'):
            emulator = Emulator(args.latency_ms)
            try:
                cert_ids = [upload_certificate(emulator, workdir, name) for name in names]
                config = [{'hostname': 'host%04d.example.com' % index, 'cert_id': cert_ids[index // 100]}
                          for index in range(args.hostnames)]
                if label == 'aop.cloudflare':
                    def action():
                        return run_playbook(emulator, workdir, config)
                else:
                    def action():
                        return run_per_hostname(emulator, config, args.baseline_workers)
                rows.append(dict(measure(emulator, action), scenario=label, run='first'))
                rows.append(dict(measure(emulator, action), scenario=label, run='second'))
            finally:
                emulator.stop()

    print('hostnames=%d certificates=%d latency_ms=%d (per API call, added by the emulator) baseline_workers=%d'
          % (args.hostnames, len(names), args.latency_ms, args.baseline_workers))
    print('%-16s %-7s %7s %7s %9s %8s' % ('scenario', 'run', 'calls', 'writes', 'seconds', 'budget'))
    for row in rows:
        budget_share = 100.0 * row['calls'] / CLOUDFLARE_BUDGET
        print('%-16s %-7s %7d %7d %9.2f %7.0f%%' % (row['scenario'], row['run'], row['calls'], row['writes'], row['seconds'], budget_share))
    ours = dict((row['run'], row) for row in rows if row['scenario'] == 'aop.cloudflare')
    theirs = dict((row['run'], row) for row in rows if row['scenario'] == 'per-hostname')
    for run in ('first', 'second'):
        writes = '%.0fx' % (theirs[run]['writes'] / float(ours[run]['writes'])) if ours[run]['writes'] else 'both 0'
        print('%s run, per-hostname / aop.cloudflare: calls %.1fx, writes %s, seconds %.1fx' % (
            run, theirs[run]['calls'] / float(ours[run]['calls']), writes, theirs[run]['seconds'] / ours[run]['seconds']))


if __name__ == '__main__':
    main()
