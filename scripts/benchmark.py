"""Benchmark: the per_hostname_aop role, run by ansible-playbook against the emulator, in three scenarios.

Run through `bash scripts/benchmark.sh [--only a,b,c] [--hostnames N] [--latency-ms MS] [--rate-limit N] [--rate-window S]`.
Every figure comes from a real run against the emulator, which adds a latency to each API call (a stand-in for the
round trip to Cloudflare); calls, writes and 429s are read from its request log. Each zone is an inventory host
(`per_hostname_aop_zone: "{{ inventory_hostname }}"`), its certificate sets in its host_vars.
  a) Full zone no-op: one zone, 10 certificates x N hostnames. The role converges it, then its no-op re-run is timed
     against a Terraform-like peer refresh (one GET per hostname and per certificate, 10 at a time).
  b) 10 zones x N hostnames, one certificate each: the first run at --forks 1 and at --forks 10, each on a fresh
     emulator with Cloudflare's budget (1,200 calls per 5 minutes); what each zone got is read from the emulator's state.
  c) One zone, 10 certificates x N hostnames, run twice back to back under a smaller budget (--rate-limit calls per
     --rate-window seconds): the client paces itself by the Ratelimit header, so a run over the budget slows down
     instead of meeting 429s.
  d) 100 zones x N hostnames (one certificate each), one inventory host per zone: the no-op re-run at --forks 10,
     its calls against Cloudflare's 1,200 per window and the seconds the shared budget made the modules wait.
Section a times the role's no-op twice: reading the zone's associations with the listing, and with the emulator's
listing turned off (one read per hostname, the fallback). Each run of the role starts with a ledger of its own, so
that the budget it measures is the emulator's fresh one.
The role's wall times include ansible-playbook's own start-up. Section a also times Ansible's floor for the role's
shape: the same inventory and ansible-playbook, running three module processes (ansible.builtin.ping) that call nothing.
"""

import argparse
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

CLOUDFLARE_BUDGET = 1200  # calls per 5 minutes, per user or token
CLOUDFLARE_WINDOW = 300
CERTIFICATES_PER_ZONE = 10  # Cloudflare's maximum
ZONES = 10  # section b
MANY_ZONES = 100  # section d
WAITED = re.compile(r'"waited_seconds": ([0-9.]+)')
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

PLAYBOOK = """
- name: Benchmark the per_hostname_aop role
  hosts: zones
  gather_facts: false
  roles:
    - role: aop.cloudflare.per_hostname_aop
"""


class Emulator:
    """The emulator as a subprocess serving `zones`, with its control API."""

    def __init__(self, zones, latency_ms, rate_limit, rate_window):
        self.rate_limit = rate_limit
        # Stopped by __exit__ (the class is a context manager).
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [
                sys.executable,
                os.path.join(REPO, 'tests', 'emulator', 'server.py'),
                '--port',
                '0',
                '--latency-ms',
                str(latency_ms),
                '--activation-seconds',
                '0',
                '--rate-limit',
                str(rate_limit),
                '--rate-window',
                str(rate_window),
            ]
            + ['--zone=' + zone for zone in zones],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None  # stdout=PIPE
        self.info = json.loads(self.process.stdout.readline())

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.process.terminate()
        self.process.wait(timeout=10)

    def control(self, method, path, body=None):
        response = requests.request(method, self.info['control_url'] + path, json=body, timeout=10)
        response.raise_for_status()
        return response.json()['result']

    def fresh_budget(self):
        """Setting the rate limit starts a new window, so each measured run begins with the whole budget."""
        self.control('PATCH', '/config', {'rate_limit': self.rate_limit})

    def zone_state(self, zone):
        return next(item for item in self.control('GET', '/state')['zones'] if item['name'] == zone)


def measure(emulator, action):
    """Run action() on a cleared request log: wall seconds, API calls, writes, calls refused with 429, and the exit code
    action() returns (None when it is not a playbook)."""
    emulator.control('DELETE', '/requests')
    start = time.monotonic()
    outcome = action()
    seconds = time.monotonic() - start
    log = emulator.control('GET', '/requests')
    return {
        'seconds': seconds,
        'calls': len(log),
        'writes': sum(1 for entry in log if entry['method'] != 'GET'),
        'refused': sum(1 for entry in log if entry['status'] == 429),
        'rc': outcome,
    }


def hostnames_of(zone, first, count):
    return ['host%04d.%s' % (index, zone) for index in range(first, first + count)]


def certificate_set(pki_dir, client, hostnames):
    """One item of the role's per_hostname_aop_certificates: demo client certificate number `client`."""
    return {
        'certificate_file': os.path.join(pki_dir, 'client%d.crt' % client),
        'private_key_file': os.path.join(pki_dir, 'client%d.key' % client),
        'hostnames': hostnames,
    }


def full_zone(pki_dir, zone, per_certificate):
    """Every certificate a zone may hold, each with `per_certificate` hostnames."""
    return [certificate_set(pki_dir, client, hostnames_of(zone, client * per_certificate, per_certificate)) for client in range(CERTIFICATES_PER_ZONE)]


def write_inventory(workdir, emulator, zones):
    """workdir/inventory: one host per zone (zones: {zone: certificate sets}); and workdir/benchmark.yml, the play."""
    inventory = os.path.join(workdir, 'inventory')
    os.makedirs(os.path.join(inventory, 'host_vars'), exist_ok=True)
    with open(os.path.join(inventory, 'hosts.yml'), 'w', encoding='utf-8') as handle:
        json.dump(
            {
                'zones': {
                    'hosts': dict.fromkeys(zones),
                    'vars': {
                        'ansible_connection': 'local',
                        'ansible_python_interpreter': '{{ ansible_playbook_python }}',
                        'per_hostname_aop_zone': '{{ inventory_hostname }}',
                        'per_hostname_aop_base_url': emulator.info['base_url'],
                        'per_hostname_aop_api_token': emulator.info['api_token'],
                    },
                }
            },
            handle,
        )
    for zone, certificates in zones.items():
        with open(os.path.join(inventory, 'host_vars', zone + '.yml'), 'w', encoding='utf-8') as handle:
            json.dump({'per_hostname_aop_certificates': certificates}, handle)
    with open(os.path.join(workdir, 'benchmark.yml'), 'w', encoding='utf-8') as handle:
        handle.write(PLAYBOOK)


# Ansible's own cost of the role's shape: start-up, then three module runs on the controller that call nothing.
FLOOR_PLAYBOOK = """
- name: Ansible's floor for three module runs
  hosts: zones
  gather_facts: false
  tasks:
    - name: A module run that calls nothing
      ansible.builtin.ping:
      loop: [1, 2, 3]
"""


def run_floor(workdir):
    """ansible-playbook over the same inventory with FLOOR_PLAYBOOK; returns its exit code."""
    playbook = os.path.join(workdir, 'floor.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        handle.write(FLOOR_PLAYBOOK)
    return run_playbook(workdir, playbook, forks=1)


def run_role(workdir, forks=1, waits=None):
    """The role over the inventory (see run_playbook)."""
    return run_playbook(workdir, os.path.join(workdir, 'benchmark.yml'), forks, waits)


def run_playbook(workdir, playbook, forks=1, waits=None):
    """ansible-playbook over the inventory; returns its exit code, and shows its output when it failed. waits: a list
    that gets the seconds each module run waited for the shared budget (its rate_limit result)."""
    ledger = tempfile.mkdtemp(prefix='ledger-', dir=workdir)
    result = subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
            '-i',
            os.path.join(workdir, 'inventory'),
            '--forks',
            str(forks),
            playbook,
            '-v',
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        env=dict(os.environ, ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_CALLBACK_RESULT_FORMAT='json', AOP_CLOUDFLARE_RATELIMIT_DIR=ledger),
    )
    if result.returncode:
        sys.stderr.write('ansible-playbook failed (exit %d); its last lines:\n%s\n' % (result.returncode, '\n'.join(result.stdout.splitlines()[-30:])))
    elif waits is not None:
        # Every module result is printed at -v: its rate_limit says how long the shared budget held it back.
        waits.extend(float(seconds) for seconds in WAITED.findall(result.stdout))
    return result.returncode


def run_peer(emulator, zone_id, associations, cert_ids, workers):
    """Terraform's shape: one resource per certificate and per hostname, each refreshed with one GET, `workers` at a
    time; a hostname whose association differs is then PUT alone."""
    local = threading.local()
    base = '%s/zones/%s/origin_tls_client_auth/hostnames' % (emulator.info['base_url'], zone_id)

    def session():
        if not hasattr(local, 'session'):
            local.session = requests.Session()
            local.session.headers['Authorization'] = 'Bearer %s' % emulator.info['api_token']
        return local.session

    def refresh_certificate(cert_id):
        session().get('%s/certificates/%s' % (base, cert_id), timeout=30)

    def refresh_hostname(item):
        current = session().get('%s/%s' % (base, item['hostname']), timeout=30)
        result = current.json().get('result') or {}
        if current.status_code == 404 or result.get('cert_id') != item['cert_id'] or result.get('enabled') is not True:
            change = {'hostname': item['hostname'], 'cert_id': item['cert_id'], 'enabled': True}
            session().put(base, json={'config': [change]}, timeout=30)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(refresh_certificate, cert_ids))
        list(pool.map(refresh_hostname, associations))


def zone_outcome(emulator, zone, certificates):
    """What the emulator holds for a zone against what was declared."""
    state = emulator.zone_state(zone)
    declared = {hostname for certificate in certificates for hostname in certificate['hostnames']}
    enabled = {item['hostname'] for item in state['associations'] if item['enabled'] is True} & declared
    return {
        'certificates': sum(1 for item in state['certificates'] if not item['deleted_at']),
        'enabled': len(enabled),
        'declared': len(declared),
        'setting': state['settings']['tls_client_auth']['value'],
        'configured': enabled == declared and state['settings']['tls_client_auth']['value'] == 'on',
    }


def zone_cell(outcome):
    done = 'done' if outcome['configured'] else 'NOT DONE'
    return '  %-8s %2d cert, %4d/%-4d %-3s' % (done, outcome['certificates'], outcome['enabled'], outcome['declared'], outcome['setting'])


def print_runs(rows):
    """One line per run; budget is the share of Cloudflare's 1,200 calls per 5 minutes."""
    print('%-30s %4s %9s %7s %7s %7s %6s' % ('run', 'rc', 'seconds', 'calls', 'writes', 'budget', '429s'))
    for label, row in rows:
        exit_code = '-' if row['rc'] is None else row['rc']
        share = 100.0 * row['calls'] / CLOUDFLARE_BUDGET
        print('%-30s %4s %9.2f %7d %7d %6.0f%% %6d' % (label, exit_code, row['seconds'], row['calls'], row['writes'], share, row['refused']))


def require_success(row, what):
    if row['rc']:
        sys.exit('%s failed (ansible-playbook exit %d): the figures would mean nothing' % (what, row['rc']))


def section_a(args, pki_dir):
    zone = 'example-0.com'
    certificates = full_zone(pki_dir, zone, args.hostnames)
    with Emulator([zone], args.latency_ms, CLOUDFLARE_BUDGET, CLOUDFLARE_WINDOW) as emulator, tempfile.TemporaryDirectory() as workdir:
        write_inventory(workdir, emulator, {zone: certificates})
        rows = [('role, first run (converge)', measure(emulator, lambda: run_role(workdir)))]
        require_success(rows[0][1], 'The converging run')
        outcome = zone_outcome(emulator, zone, certificates)
        if not outcome['configured']:
            sys.exit('The role did not converge the zone (%(enabled)d of %(declared)d hostnames enabled, tls_client_auth %(setting)s)' % outcome)
        emulator.fresh_budget()
        rows.append(('role, no-op re-run (listing)', measure(emulator, lambda: run_role(workdir))))
        require_success(rows[1][1], 'The no-op run')
        emulator.control('PATCH', '/config', {'association_listing': 'off'})
        emulator.fresh_budget()
        rows.append(('role, no-op, listing off', measure(emulator, lambda: run_role(workdir))))
        require_success(rows[2][1], 'The no-op run without the listing')
        state = emulator.zone_state(zone)
        associations = [{'hostname': item['hostname'], 'cert_id': item['cert_id']} for item in state['associations']]
        cert_ids = [item['id'] for item in state['certificates']]
        emulator.fresh_budget()
        rows.append(
            (
                'peer refresh, %d at a time' % args.peer_workers,
                measure(emulator, lambda: run_peer(emulator, state['id'], associations, cert_ids, args.peer_workers)),
            )
        )
        rows.append(("Ansible's floor: 3 pings", measure(emulator, lambda: run_floor(workdir))))
        require_success(rows[4][1], "The floor's run")
    print(
        '\na) Full zone no-op: 1 zone, %d certificates x %d hostnames; %d ms per API call; each run starts with a fresh '
        'budget of %d calls' % (CERTIFICATES_PER_ZONE, args.hostnames, args.latency_ms, CLOUDFLARE_BUDGET)
    )
    print_runs(rows)
    peer, floor = rows[3][1], rows[4][1]
    for label, role in (('listing', rows[1][1]), ('listing off', rows[2][1])):
        print(
            'no-op (%s) vs peer: seconds %.2fx (%+.2f s), calls %.2fx (%+d); above the floor: %.2f s'
            % (
                label,
                role['seconds'] / peer['seconds'],
                role['seconds'] - peer['seconds'],
                float(role['calls']) / peer['calls'],
                role['calls'] - peer['calls'],
                role['seconds'] - floor['seconds'],
            )
        )


def section_b(args, pki_dir):
    zones = ['example-%d.com' % index for index in range(ZONES)]
    declared = {zone: [certificate_set(pki_dir, index, hostnames_of(zone, 0, args.hostnames))] for index, zone in enumerate(zones)}
    rows, outcomes = [], {}
    for forks in (1, ZONES):
        with Emulator(zones, args.latency_ms, CLOUDFLARE_BUDGET, CLOUDFLARE_WINDOW) as emulator, tempfile.TemporaryDirectory() as workdir:
            write_inventory(workdir, emulator, declared)
            row = measure(emulator, functools.partial(run_role, workdir, forks))
            per_zone = outcomes['--forks %d' % forks] = [zone_outcome(emulator, zone, declared[zone]) for zone in zones]
        rows.append(('--forks %d, zones done %d/%d' % (forks, sum(item['configured'] for item in per_zone), ZONES), row))
    print(
        '\nb) %d zones x %d hostnames (1 certificate each), one inventory host per zone, first run on a fresh emulator; '
        '%d ms per API call; budget %d calls per %d s' % (ZONES, args.hostnames, args.latency_ms, CLOUDFLARE_BUDGET, CLOUDFLARE_WINDOW)
    )
    print_runs(rows)
    # The emulator's state, not the play's recap, says which zones were configured.
    print('per zone: certificates, declared hostnames enabled, tls_client_auth')
    print('  %-15s' % 'zone' + ''.join('  %-31s' % label for label in outcomes))
    for index, zone in enumerate(zones):
        print('  %-15s' % zone + ''.join(zone_cell(per_zone[index]) for per_zone in outcomes.values()))


def section_c(args, pki_dir):
    zone = 'example-0.com'
    certificates = full_zone(pki_dir, zone, args.hostnames)
    with Emulator([zone], args.latency_ms, args.rate_limit, args.rate_window) as emulator, tempfile.TemporaryDirectory() as workdir:
        write_inventory(workdir, emulator, {zone: certificates})
        rows = [(label, measure(emulator, lambda: run_role(workdir))) for label in ('first run', 'second run, right after')]
    print(
        '\nc) 1 zone, %d certificates x %d hostnames, two runs back to back; %d ms per API call; budget %d calls per %g s '
        '(the budget column stays the share of Cloudflare\'s %d)'
        % (CERTIFICATES_PER_ZONE, args.hostnames, args.latency_ms, args.rate_limit, args.rate_window, CLOUDFLARE_BUDGET)
    )
    print_runs(rows)


def section_d(args, pki_dir):
    zones = ['example-%d.com' % index for index in range(MANY_ZONES)]
    declared = {zone: [certificate_set(pki_dir, index % CERTIFICATES_PER_ZONE, hostnames_of(zone, 0, args.hostnames))] for index, zone in enumerate(zones)}
    waits: list[float] = []
    with Emulator(zones, args.latency_ms, CLOUDFLARE_BUDGET, CLOUDFLARE_WINDOW) as emulator, tempfile.TemporaryDirectory() as workdir:
        write_inventory(workdir, emulator, declared)
        # The converging run is not measured; a budget far above Cloudflare's lets it through at once.
        emulator.control('PATCH', '/config', {'rate_limit': 100000})
        require_success({'rc': run_role(workdir, ZONES)}, 'The converging run')
        emulator.rate_limit = CLOUDFLARE_BUDGET
        emulator.fresh_budget()
        row = measure(emulator, functools.partial(run_role, workdir, ZONES, waits))
        require_success(row, 'The no-op run')
        done = sum(zone_outcome(emulator, zone, declared[zone])['configured'] for zone in zones)
    print(
        '\nd) %d zones x %d hostnames (1 certificate each), one inventory host per zone, the no-op re-run at --forks %d; %d ms '
        'per API call; budget %d calls per %d s' % (MANY_ZONES, args.hostnames, ZONES, args.latency_ms, CLOUDFLARE_BUDGET, CLOUDFLARE_WINDOW)
    )
    print_runs([('no-op, zones done %d/%d' % (done, MANY_ZONES), row)])
    print('module runs that waited for the budget: %d of %d (%.1f s in all)' % (sum(1 for wait in waits if wait > 0), len(waits), sum(waits)))


SECTIONS = {'a': section_a, 'b': section_b, 'c': section_c, 'd': section_d}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', default='a,b,c,d', help='sections to run, comma-separated (default a,b,c,d)')
    parser.add_argument(
        '--hostnames',
        type=int,
        default=100,
        choices=range(1, 101),
        metavar='1-100',
        help='hostnames per certificate (default 100, Cloudflare\'s maximum); fewer for a quick try',
    )
    parser.add_argument('--latency-ms', type=int, default=50, help='added by the emulator to each API call (default 50)')
    parser.add_argument('--rate-limit', type=int, default=300, help='section c: calls per window (default 300)')
    parser.add_argument('--rate-window', type=float, default=30, help='section c: window in seconds (default 30)')
    parser.add_argument('--peer-workers', type=int, default=10, help="section a: the peer's calls at a time (Terraform's default: 10)")
    args = parser.parse_args()
    only = args.only.split(',')
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error('--only: unknown section(s) %s (choose from a, b, c, d)' % ', '.join(sorted(unknown)))
    with tempfile.TemporaryDirectory() as pki_dir:
        subprocess.run(
            [sys.executable, os.path.join(HERE, 'make_demo_pki.py'), pki_dir] + ['--client=client%d' % index for index in range(CERTIFICATES_PER_ZONE)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for name in sorted(set(only)):
            SECTIONS[name](args, pki_dir)


if __name__ == '__main__':
    main()
