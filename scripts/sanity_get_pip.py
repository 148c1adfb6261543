"""Offline stand-in for the get-pip bootstrap that ansible-test sanity downloads (its host is unreachable here).

ansible-test runs it in each small venv it builds: install pip from the interpreter's own wheel, then what it asks.
"""

import subprocess
import sys


def main():
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade'])
    # The real get-pip also takes --no-setuptools and --no-wheel; plain pip does not.
    args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
    if args:
        subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    main()
