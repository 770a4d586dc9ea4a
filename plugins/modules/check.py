#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: check
short_description: Run C(linkerd check) and return its results as structured data
version_added: 0.1.0
description:
  - Runs C(linkerd check) (or C(linkerd <extension> check)) with C(--output json) and returns
    every check as data, so that a play can assert on them instead of a person reading dozens of lines.
  - C(linkerd check -o json) prints one JSON document for the core checks and then one per installed
    extension; all of them are parsed and combined, in output order.
  - If the CLI cannot produce JSON (it rejects the C(--output) flag), the human table format
    (V(√), V(‼), V(×)) is parsed instead and RV(format) says so.
  - A failed fatal check makes Linkerd stop, so later categories are simply absent from RV(categories).
  - Warnings never make C(linkerd check) exit non-zero; this module reports them in RV(warning_checks)
    and fails on them only with O(fail_on_warning=true).
  - With O(timeout), the whole check is re-run every O(interval) seconds until it succeeds or the time
    budget is used. C(--wait) only retries some checks; checks run right after an install often fail for a while.
  - Every CLI call is bounded by O(command_timeout), so a hanging CLI or cluster cannot hang the play.
  - The module only reads; it never reports a change.
author:
  - meshlab.linkerd maintainers (@meshlab)
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads cluster state, it runs the same way in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  linkerd_path:
    description:
      - Path of the Linkerd CLI.
      - When not set, V(linkerd) is searched on E(PATH), then V(/usr/local/bin/linkerd) (where the
        M(meshlab.linkerd.cli) role installs it), then V(~/.linkerd2/bin/linkerd) (the upstream install script).
    type: path
  kubeconfig:
    description:
      - Kubeconfig file passed as C(--kubeconfig). It must exist.
      - When not set, the CLI uses E(KUBECONFIG) or V(~/.kube/config) of the remote user.
    type: path
  context:
    description: Kubeconfig context, passed as C(--context).
    type: str
  linkerd_namespace:
    description: Namespace of the Linkerd control plane, passed as C(--linkerd-namespace).
    type: str
    default: linkerd
  pre:
    description:
      - Run the pre-installation checks (C(--pre)).
      - Mutually exclusive with O(crds) and O(proxy); not available with O(extension).
    type: bool
    default: false
  crds:
    description:
      - Only check that the Linkerd CRDs are installed (C(--crds)).
      - Mutually exclusive with O(pre) and O(proxy); not available with O(extension).
    type: bool
    default: false
  proxy:
    description: Also run the data-plane checks (C(--proxy)).
    type: bool
    default: false
  namespace:
    description: Namespace for the data-plane checks (C(--namespace)). Only valid with O(proxy=true).
    type: str
  extension:
    description:
      - Run the checks of this extension, for example V(viz) runs C(linkerd viz check), instead of the core checks.
      - Note that the core C(linkerd check) already includes the checks of every installed extension.
    type: str
  expected_version:
    description:
      - Version the control plane and CLI are compared with (C(--expected-version)).
      - Setting it avoids the online lookup of the latest version, which warns on offline machines.
    type: str
  wait:
    description:
      - Seconds Linkerd itself retries the checks that support retrying (C(--wait <n>s)).
      - When not set, O(timeout) is used, so that one attempt fits the time budget; V(0) (a single attempt)
        gives C(--wait 0s), the state as it is now. The CLI's own default (5 minutes) would let one attempt
        outlast any smaller budget.
    type: int
  timeout:
    description:
      - Time budget, in seconds, for re-running the whole check until it succeeds.
      - V(0) means a single attempt. A started attempt is never interrupted by this budget
        (O(command_timeout) bounds it), and one last attempt is made when the budget runs out.
    type: int
    default: 0
  interval:
    description: Seconds to wait between two attempts when O(timeout) is set.
    type: int
    default: 10
  fail_on_warning:
    description: Treat checks with result V(warning) as failures.
    type: bool
    default: false
  command_timeout:
    description:
      - Hard limit, in seconds, for one call of the CLI. A call that takes longer is killed and counts as a failed attempt.
      - Defaults to O(wait) (or 300, the CLI default for C(--wait)) plus 60 seconds.
    type: int
notes:
  - The overall result is the AND of the C(success) field of every JSON document, of the check results and of the exit code.
  - The CLI version is read with C(linkerd version --client --short) and returned as RV(version).
seealso:
  - name: Linkerd check reference
    description: What each check means and how to fix it.
    link: https://linkerd.io/2/checks/
requirements:
  - The Linkerd CLI on the managed host (see the M(meshlab.linkerd.cli) role).
'''

EXAMPLES = r'''
- name: Pre-installation checks, offline classroom (no version lookup)
  meshlab.linkerd.check:
    pre: true
    expected_version: stable-2.14.10
    kubeconfig: /etc/kubernetes/admin.conf

- name: Wait up to 5 minutes for a fresh control plane to become healthy
  meshlab.linkerd.check:
    wait: 60
    timeout: 300
    interval: 15
  register: linkerd_health

- name: Show what is only a warning
  ansible.builtin.debug:
    var: linkerd_health.warning_checks

- name: Check the data plane of the emojivoto namespace and be strict about warnings
  meshlab.linkerd.check:
    proxy: true
    namespace: emojivoto
    fail_on_warning: true

- name: Check the viz extension with another kubeconfig context
  meshlab.linkerd.check:
    extension: viz
    context: minikube
    linkerd_path: /usr/local/bin/linkerd

- name: Collect results without failing, then decide
  meshlab.linkerd.check:
  register: result
  ignore_errors: true

- name: Fail only when Linkerd is really missing
  ansible.builtin.assert:
    that: result.failed_checks | selectattr('category', 'equalto', 'linkerd-existence') | list | length == 0
'''

RETURN = r'''
success:
  description: True when no check has result V(error) (nor V(warning) with O(fail_on_warning=true)), every JSON
    document reported success and the CLI exited 0.
  returned: always
  type: bool
  sample: false
categories:
  description: Categories in output order, each with its checks. Categories after a failed fatal check are absent.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Category name, for example V(kubernetes-api) or V(linkerd-viz).
      type: str
    checks:
      description: Checks of the category, in output order.
      type: list
      elements: dict
      contains:
        description:
          description: Check description (may span several lines).
          type: str
        result:
          description: One of V(success), V(warning), V(error).
          type: str
        error:
          description: Error text, null when the check passed (may span several lines).
          type: str
        hint:
          description: URL of the hint, null when the check passed.
          type: str
  sample:
    - name: linkerd-existence
      checks:
        - description: "'linkerd-config' config map exists"
          result: error
          error: configmaps "linkerd-config" not found
          hint: https://linkerd.io/2/checks/#l5d-existence-linkerd-config
failed_checks:
  description: Checks with result V(error), flattened.
  returned: always
  type: list
  elements: dict
  contains:
    category:
      description: Category of the check.
      type: str
    description:
      description: Check description.
      type: str
    error:
      description: Error text.
      type: str
    hint:
      description: Hint URL.
      type: str
  sample:
    - category: linkerd-existence
      description: "'linkerd-config' config map exists"
      error: configmaps "linkerd-config" not found
      hint: https://linkerd.io/2/checks/#l5d-existence-linkerd-config
warning_checks:
  description: Checks with result V(warning), flattened like RV(failed_checks).
  returned: always
  type: list
  elements: dict
  sample:
    - category: linkerd-version
      description: cli is up-to-date
      error: "unsupported version channel: stable-2.14.10"
      hint: https://linkerd.io/2.14/checks/#l5d-version-cli
summary:
  description: Number of checks per result.
  returned: always
  type: dict
  contains:
    success:
      description: Checks that passed.
      type: int
    warning:
      description: Checks that warned.
      type: int
    error:
      description: Checks that failed.
      type: int
  sample: {success: 40, warning: 2, error: 0}
attempts:
  description: How many times the check was run (more than one only with O(timeout)). V(0) when the CLI could not be run at all.
  returned: always
  type: int
  sample: 3
cmd:
  description: Argument vector of the last check run.
  returned: always
  type: list
  elements: str
  sample: [/usr/local/bin/linkerd, check, --linkerd-namespace, linkerd, --expected-version, stable-2.14.10, --output, json]
rc:
  description: Exit code of the last check run; null when it could not be run or was killed.
  returned: always
  type: int
  sample: 1
version:
  description: Client version of the CLI, null when it could not be determined.
  returned: always
  type: str
  sample: stable-2.14.10
format:
  description: Output format that was parsed, V(json) or V(table); null when nothing could be parsed.
  returned: always
  type: str
  sample: json
failure_reason:
  description:
    - Short tag of what went wrong, null on success. One of V(checks_failed), V(warnings), V(binary_missing),
      V(not_executable), V(kubeconfig_missing), V(kubeconfig_invalid), V(api_unreachable), V(pod_unreachable), V(not_installed),
      V(extension_missing), V(timeout), V(bad_output), V(command_failed), V(exec_failed).
  returned: always
  type: str
  sample: not_installed
stderr:
  description: Standard error of the last run (linkerd prints some failures, like C(Failed to run extensions checks), only there).
  returned: always
  type: str
  sample: ""
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.meshlab.linkerd.plugins.module_utils.linkerd_cli import (
    LinkerdCLIError,
    check_kubeconfig,
    cli_version,
    default_command_timeout,
    diagnose,
    find_linkerd,
    global_args,
    looks_like_unknown_flag,
    parse_check_output,
    retry_until,
    run_cli,
    summarize,
)


def build_check_argv(binary, params, output='json'):
    argv = [binary]
    if params['extension']:
        argv.append(params['extension'])
    argv.append('check')
    argv.extend(global_args(params['kubeconfig'], params['context'], params['linkerd_namespace']))
    if params['pre']:
        argv.append('--pre')
    if params['crds']:
        argv.append('--crds')
    if params['proxy']:
        argv.append('--proxy')
    if params['namespace']:
        argv.extend(['--namespace', params['namespace']])
    if params['expected_version']:
        argv.extend(['--expected-version', params['expected_version']])
    if params['wait'] is not None:
        argv.extend(['--wait', '%ds' % params['wait']])
    if output:
        argv.extend(['--output', output])
    return argv


_DIAG_REASONS = (
    ('Kubernetes client could not be configured', 'kubeconfig_invalid'),
    ('API server is unreachable', 'api_unreachable'),
    ('could not reach a pod', 'pod_unreachable'),
    ('Linkerd is not installed', 'not_installed'),
    ('CRDs are not installed', 'not_installed'),
    ('extension', 'extension_missing'),
)


def run_once(binary, params, runner, command_timeout):
    """One attempt. Returns a dict describing it; never raises for CLI failures."""
    argv = build_check_argv(binary, params)
    outcome = {'cmd': argv, 'rc': None, 'stdout': '', 'stderr': '', 'parsed': None, 'error': None}
    try:
        rc, out, err = runner(argv, command_timeout)
        outcome.update(rc=rc, stdout=out, stderr=err)
        parsed = parse_check_output(out)
        if parsed is None and rc != 0 and looks_like_unknown_flag(err + out):
            # An old or unusual CLI that cannot print JSON: ask for the table.
            argv = build_check_argv(binary, params, output=None)
            rc, out, err = runner(argv, command_timeout)
            outcome.update(cmd=argv, rc=rc, stdout=out, stderr=err)
            parsed = parse_check_output(out)
        outcome['parsed'] = parsed
    except LinkerdCLIError as e:
        outcome['error'] = e
        if e.details.get('cmd'):
            outcome['cmd'] = e.details['cmd']
    outcome['ok'] = evaluate(outcome, params)['success']
    return outcome


def evaluate(outcome, params):
    parsed = outcome['parsed']
    categories = parsed['categories'] if parsed else []
    failed, warned, summary = summarize(categories)
    success = (
        outcome['error'] is None and parsed is not None and outcome['rc'] == 0
        and parsed['reported_success'] is not False and not failed
        and not (params['fail_on_warning'] and warned)
        and summary['success'] + summary['warning'] > 0
    )
    return {
        'success': success,
        'categories': categories,
        'failed_checks': failed,
        'warning_checks': warned,
        'summary': summary,
        'format': parsed['format'] if parsed else None,
    }


def _fmt_check(item):
    text = u'- [%s] %s' % (item['category'], item['description'].replace(u'\n', u' / '))
    if item.get('error'):
        text += u': %s' % item['error'].replace(u'\n', u' ')
    if item.get('hint'):
        text += u' (hint: %s)' % item['hint']
    return text


def failure_message(outcome, result, params, attempts):
    """(msg, reason) for a failed run."""
    what = u'linkerd %scheck' % (params['extension'] + u' ' if params['extension'] else u'')
    tries = u' after %d attempts' % attempts if attempts > 1 else u''
    err = outcome['error']
    if err is not None:
        return u'%s could not be run%s: %s' % (what, tries, err.msg), err.reason

    failed, warned = result['failed_checks'], result['warning_checks']
    stderr = (outcome['stderr'] or u'').strip()
    if outcome['parsed'] is None:
        shown = (outcome['stdout'] or u'').strip() or stderr
        shown = shown[:500] + (u'...' if len(shown) > 500 else u'')
        if params['extension'] and 'unknown command' in shown:
            return (u'%s is not available: this Linkerd CLI has no %s command (%s). Install the extension CLI '
                    u'(linkerd-%s on PATH) or check the extension name.'
                    % (what, params['extension'], shown, params['extension']), 'extension_missing')
        if outcome['rc'] != 0:
            return (u'%s exited with rc=%s%s without check results: %s'
                    % (what, outcome['rc'], tries, shown or u'(no output)'), 'command_failed')
        return (u'%s printed output that is neither JSON nor the check table%s; is %s really the '
                u'Linkerd CLI? Output: %s' % (what, tries, outcome['cmd'][0], shown or u'(empty)'), 'bad_output')

    lines = []
    reason = 'checks_failed'
    if failed:
        diag = diagnose(failed, params['linkerd_namespace'], params['extension'])
        head = u'%s failed%s: %d check(s) failed.' % (what, tries, len(failed))
        if diag:
            head += u' ' + diag
            for key, tag in _DIAG_REASONS:
                if key in diag:
                    reason = tag
                    break
        lines.append(head)
        lines.extend(_fmt_check(i) for i in failed)
    if params['fail_on_warning'] and warned:
        if not failed:
            lines.append(u'%s failed%s: %d warning(s) and fail_on_warning is set.' % (what, tries, len(warned)))
            reason = 'warnings'
        else:
            lines.append(u'Warnings (fail_on_warning is set):')
        lines.extend(_fmt_check(i) for i in warned)
    if not lines:
        if result['summary']['success'] + result['summary']['warning'] == 0:
            lines.append(u'%s returned no check results%s.' % (what, tries))
            reason = 'bad_output'
        else:
            lines.append(u'%s reported failure (rc=%s)%s although no single check failed.'
                         % (what, outcome['rc'], tries))
            reason = 'command_failed'
        if stderr:
            lines.append(u'stderr: %s' % stderr)
    elif stderr and outcome['rc'] != 0:
        lines.append(u'stderr: %s' % stderr)
    return u'\n'.join(lines), reason


def run_module(module, runner=None, clock=None, sleep=None):
    params = module.params
    runner = runner or run_cli
    base = dict(changed=False, success=False, categories=[], failed_checks=[], warning_checks=[],
                summary={'success': 0, 'warning': 0, 'error': 0}, attempts=0, cmd=[], rc=None,
                version=None, format=None, failure_reason=None, stderr=u'')

    # Option rules that AnsibleModule cannot express for booleans with defaults.
    chosen = [name for name in ('pre', 'crds', 'proxy') if params[name]]
    if len(chosen) > 1:
        module.fail_json(msg='Options %s are mutually exclusive.' % ', '.join(chosen), **base)
    if params['namespace'] and not params['proxy']:
        module.fail_json(msg='Option namespace is only valid with proxy=true.', **base)
    if params['extension'] and (params['pre'] or params['crds']):
        module.fail_json(msg='Options pre and crds are not available with extension.', **base)
    for name in ('wait', 'timeout', 'interval', 'command_timeout'):
        if params[name] is not None and params[name] < 0:
            module.fail_json(msg='Option %s must not be negative.' % name, **base)
    if params['extension'] and not params['extension'].replace('-', '').replace('_', '').isalnum():
        module.fail_json(msg='Option extension must be a plain name such as viz.', **base)

    try:
        binary = find_linkerd(params['linkerd_path'])
        kubeconfig = check_kubeconfig(params['kubeconfig'])
    except LinkerdCLIError as e:
        base['failure_reason'] = e.reason
        module.fail_json(msg=e.msg, **base)
    if kubeconfig:
        params['kubeconfig'] = kubeconfig

    if params['wait'] is None:
        # the CLI's own default (--wait 5m) would let one attempt outlast a smaller budget
        params['wait'] = params['timeout']
    command_timeout = params['command_timeout'] or default_command_timeout(params['wait'])
    base['version'] = cli_version(binary, min(command_timeout, 30), runner=runner)

    outcome, attempts, dummy = retry_until(
        lambda: run_once(binary, params, runner, command_timeout),
        lambda o: o['ok'],
        timeout=params['timeout'], interval=params['interval'], clock=clock, sleep=sleep)

    result = evaluate(outcome, params)
    base.update(result)
    base.update(attempts=attempts, cmd=outcome['cmd'], rc=outcome['rc'], stderr=outcome['stderr'])
    if not result['success']:
        msg, reason = failure_message(outcome, result, params, attempts)
        base['failure_reason'] = reason
        module.fail_json(msg=msg, **base)
    module.exit_json(**base)


def build_module():
    return AnsibleModule(
        argument_spec=dict(
            linkerd_path=dict(type='path'),
            kubeconfig=dict(type='path'),
            context=dict(type='str'),
            linkerd_namespace=dict(type='str', default='linkerd'),
            pre=dict(type='bool', default=False),
            crds=dict(type='bool', default=False),
            proxy=dict(type='bool', default=False),
            namespace=dict(type='str'),
            extension=dict(type='str'),
            expected_version=dict(type='str'),
            wait=dict(type='int'),
            timeout=dict(type='int', default=0),
            interval=dict(type='int', default=10),
            fail_on_warning=dict(type='bool', default=False),
            command_timeout=dict(type='int'),
        ),
        supports_check_mode=True,
    )


def main():
    run_module(build_module())


if __name__ == '__main__':
    main()
