# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""STAND-IN for the Linkerd CLI, used only by the molecule scenario `check` (via files/linkerd-standin).

It is NOT linkerd. It replays recorded `linkerd check` outputs (the unit-test
fixtures, installed in FIXTURES) and appends its argv, one JSON list a line,
to LOG so that the scenario can assert which flags the module passed.

It imitates the parts of the real CLI the module relies on:
* `version --client --short` prints a version;
* `check` / `viz check` flag validation (unknown flags, --pre with --proxy or --crds,
  Go durations for --wait) with the real error texts and exit code 1;
* the kubeconfig lookup (--kubeconfig, then $KUBECONFIG, then ~/.kube/config) and
  --context, answering with the real "can initialize the client" failure;
* exit code 1 only when a check has result "error".
What it replays is chosen by $LINKERD_STANDIN_SCENARIO (see SCENARIOS below).
"""

import json
import os
import re
import sys
import time

FIXTURES = os.environ.get('LINKERD_STANDIN_FIXTURES', '/usr/local/share/linkerd-standin')
STATE = os.environ.get('LINKERD_STANDIN_STATE', '/var/lib/linkerd-standin')
LOG = os.path.join(STATE, 'argv.log')

BOOL_FLAGS = {'--pre', '--crds', '--proxy', '--verbose'}
VALUE_FLAGS = {'--kubeconfig', '--context', '--linkerd-namespace', '-L', '--namespace', '-n',
               '--expected-version', '--wait', '--output', '-o'}


def replay(name, rc=None, stderr=''):
    with open(os.path.join(FIXTURES, name), encoding='utf-8') as f:
        text = f.read()
    sys.stdout.write(text)
    if stderr:
        sys.stderr.write(stderr)
    if rc is None:
        rc = 1 if '"result": "error"' in text or '\u00d7 ' in text else 0
    sys.exit(rc)


def fail(msg):
    sys.stderr.write('Error: %s\n' % msg)
    sys.exit(1)


def main(argv):
    os.makedirs(STATE, exist_ok=True)
    with open(LOG, 'a', encoding='utf-8') as f:
        f.write(json.dumps(argv) + '\n')

    if argv[:1] == ['version']:
        print('stable-2.14.10')
        return 0
    ext = None
    if argv[:1] == ['viz']:
        ext, argv = 'viz', argv[1:]
    if argv[:1] != ['check']:
        fail('unknown command "%s" for "linkerd"' % (argv[0] if argv else ''))

    flags = {}
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in BOOL_FLAGS:
            flags[a] = True
            i += 1
        elif a in VALUE_FLAGS and i + 1 < len(argv):
            flags[a] = argv[i + 1]
            i += 2
        else:
            fail('unknown flag: %s' % a)
    scenario = os.environ.get('LINKERD_STANDIN_SCENARIO', 'healthy')
    output = flags.get('--output', flags.get('-o', 'table'))
    if scenario == 'no-json' and ('--output' in flags or '-o' in flags):
        fail('unknown flag: --output')
    if output not in ('table', 'json', 'short'):
        fail("Validation error when executing check command: Invalid output type '%s'" % output)
    if '--pre' in flags and ('--proxy' in flags or '--crds' in flags):
        fail('Validation error when executing check command: --pre and --proxy/--crds flags are mutually exclusive')
    if ext and ('--pre' in flags or '--crds' in flags):
        fail('unknown flag: --pre')
    if '--wait' in flags and not re.match(r'^\d+(ms|s|m|h)$', flags['--wait']):
        fail('invalid argument "%s" for "--wait" flag: time: invalid duration' % flags['--wait'])

    def pick(base):
        return base + ('.json' if output == 'json' else '_table.txt')

    # kubeconfig lookup like client-go
    kubeconfig = flags.get('--kubeconfig') or os.environ.get('KUBECONFIG') or os.path.expanduser('~/.kube/config')
    if not os.path.isfile(kubeconfig):
        replay('check_no_kubeconfig.json', 1, open(os.path.join(FIXTURES, 'check_no_kubeconfig.stderr')).read())
    if '--context' in flags:
        with open(kubeconfig, encoding='utf-8') as f:
            if not re.search(r'^\s*-?\s*name:\s*%s\s*$' % re.escape(flags['--context']), f.read(), re.M):
                doc = {'success': False, 'categories': [{'categoryName': 'kubernetes-api', 'checks': [{
                    'description': 'can initialize the client',
                    'hint': 'https://linkerd.io/2.14/checks/#k8s-api',
                    'error': 'error configuring Kubernetes API client: context "%s" does not exist' % flags['--context'],
                    'result': 'error'}]}]}
                print(json.dumps(doc, indent=2))
                return 1

    if scenario == 'hang':
        time.sleep(3600)
    if scenario == 'garbage':
        replay('garbage.txt', 0)
    if scenario == 'api-down':
        replay('check_api_unreachable.json')
    if scenario == 'not-installed':
        replay('check_not_installed.json' if output == 'json' else 'check_not_installed_table.txt')
    if scenario == 'warnings' or scenario == 'no-json':
        replay(pick('check_warnings'))
    if scenario == 'flaky':
        # fails the first N calls (control plane not ready yet), then succeeds once and starts over
        fail_first = int(os.environ.get('LINKERD_STANDIN_FAIL_FIRST', '2'))
        counter = os.path.join(STATE, os.environ.get('LINKERD_STANDIN_COUNTER', 'flaky.count'))
        count = int(open(counter).read()) if os.path.exists(counter) else 0
        if count < fail_first:
            with open(counter, 'w') as f:
                f.write(str(count + 1))
            replay(pick('check_control_plane_not_ready'))
        os.remove(counter)
        replay(pick('check_healthy'))
    if ext == 'viz':
        replay('viz_check_healthy.json')
    if '--pre' in flags:
        replay('check_pre.json')
    if '--crds' in flags:
        replay('check_crds.json')
    replay(pick('check_healthy'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
