"""Offline stand-in for https://ci-files.testing.ansible.com/ansible-test/get-pip-24.2.py.

That host is unreachable here. ansible-test runs:
  python get_pip.py --disable-pip-version-check pip==24.2 [setuptools==X] [wheel==Y] [--no-setuptools] [--no-wheel]
This bootstraps pip from the interpreter's bundled ensurepip wheel, then lets pip fetch the
exact pinned versions from PyPI (reachable). ci/test.sh places it in ~/.ansible/test/cache/.
"""
import subprocess
import sys

argv = sys.argv[1:]
args = [a for a in argv if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet'] + args)
if '--no-setuptools' in argv:
    subprocess.call([sys.executable, '-m', 'pip', 'uninstall', '--yes', '--quiet', 'setuptools'])
