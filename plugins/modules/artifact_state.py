#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: artifact_state
short_description: Look once at what a host has of one installed artifact
version_added: 0.2.0
description:
  - INTERNAL, used by the download pipeline (M(meshlab.linkerd.artifact) entry point C(fetch)). One call
    answers everything a rerun needs to know about one artifact on one host, so that the pipeline only
    fetches, installs, links, renders completion or asks the version where something differs.
  - The installed file must be a regular file owned by root with O(mode).
  - The stable symlink O(link), when given, must point at O(path).
  - With O(version_argv), the command is run (when the file is installed) and its trimmed output must
    contain O(version_regex).
  - With O(completion_argv), the command is run (when the file is installed) and O(completion_path)
    must hold exactly its output (trailing newlines stripped, one added), with owner root and mode C(0644).
  - The module only reads; it never reports a change.
author:
  - meshlab.linkerd maintainers (@meshlab)
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads; it runs the same way in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  path:
    description: Versioned install path of the artifact.
    type: path
    required: true
  mode:
    description: Expected mode of the installed file, in octal.
    type: str
    default: '0755'
  link:
    description: Stable symlink that must point at O(path); empty for none.
    type: path
    default: ''
  version_argv:
    description: Command (first element) and arguments that print the version; empty to skip the question.
    type: list
    elements: str
    default: []
  version_regex:
    description: Regular expression the trimmed version output must contain.
    type: str
    default: ''
  completion_argv:
    description: Command that prints the bash completion; empty to skip the question.
    type: list
    elements: str
    default: []
  completion_path:
    description: File that must hold the output of O(completion_argv), trailing newlines stripped, followed by one newline.
    type: path
    default: ''
  command_timeout:
    description: Seconds each command may run.
    type: int
    default: 30
'''

EXAMPLES = r'''
- name: Look at kubectl on this host
  meshlab.linkerd.artifact_state:
    path: /opt/meshlab/kubectl/v1.32.4/kubectl
    link: /usr/local/bin/kubectl
    version_argv: [/usr/local/bin/kubectl, version, --client]
    version_regex: 'Client Version: v1[.]32[.]4'
    completion_argv: [/usr/local/bin/kubectl, completion, bash]
    completion_path: /etc/bash_completion.d/kubectl
  register: kubectl_state
'''

RETURN = r'''
installed:
  description: O(path) is a regular file owned by root with O(mode).
  returned: always
  type: bool
link_ok:
  description: O(link) points at O(path) (true when no link is wanted).
  returned: always
  type: bool
version_ok:
  description: The version output matches O(version_regex); null when not asked (or not installed).
  returned: always
  type: bool
version_stdout:
  description: Trimmed output of O(version_argv).
  returned: always
  type: str
completion_ok:
  description: O(completion_path) holds the current completion; null when not asked (or not installed).
  returned: always
  type: bool
completion_stdout:
  description: Output of O(completion_argv), to be written when RV(completion_ok) is false.
  returned: when asked and the completion file differs
  type: str
up_to_date:
  description: Everything asked about is in place; nothing needs doing on this host.
  returned: always
  type: bool
reasons:
  description: What differs, one phrase each.
  returned: always
  type: list
  elements: str
'''

import os
import re
import stat
import subprocess

from ansible.module_utils.basic import AnsibleModule


def run(argv, timeout):
    """(rc, stdout, stderr) of argv, bounded by timeout seconds; rc 127 when it cannot start."""
    env = dict(os.environ, NO_COLOR='1')
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return 124, '', 'did not answer within %s seconds' % timeout
    except OSError as exc:
        return 127, '', str(exc)
    return (proc.returncode, proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace'))


def file_state(path, mode):
    """(ok, reason) for a regular root-owned file at path with the octal mode string."""
    try:
        st = os.lstat(path)
    except OSError:
        return False, '%s is missing' % path
    if not stat.S_ISREG(st.st_mode):
        return False, '%s is not a regular file' % path
    want = int(mode, 8)
    have = stat.S_IMODE(st.st_mode)
    if have != want:
        return False, '%s has mode %04o, not %04o' % (path, have, want)
    if st.st_uid != 0 or st.st_gid != 0:
        return False, '%s is not owned by root:root' % path
    return True, ''


def link_state(link, target):
    """(ok, reason) for a symlink at link pointing at target ('' link: nothing wanted)."""
    if not link:
        return True, ''
    try:
        points = os.readlink(link)
    except OSError:
        return False, '%s is not a symlink' % link
    if points != target:
        return False, '%s points at %s, not %s' % (link, points, target)
    return True, ''


def completion_state(path, rendered):
    """(ok, reason) for the completion file holding rendered + newline, root-owned, 0644."""
    ok, reason = file_state(path, '0644')
    if not ok:
        return False, reason
    try:
        with open(path, 'rb') as handle:
            content = handle.read()
    except OSError as exc:
        return False, '%s cannot be read: %s' % (path, exc)
    # what the pipeline writes: the command's output without trailing newlines (as Ansible's
    # command stdout), plus one
    if content != rendered.rstrip('\r\n').encode('utf-8') + b'\n':
        return False, '%s differs from what the command renders' % path
    return True, ''


def look(params, runner=run):
    """The whole answer for one artifact; runner(argv, timeout) runs the commands."""
    result = {'installed': False, 'link_ok': False, 'version_ok': None, 'version_stdout': '',
              'completion_ok': None, 'reasons': []}
    reasons = result['reasons']
    result['installed'], why = file_state(params['path'], params['mode'])
    if why:
        reasons.append(why)
    result['link_ok'], why = link_state(params['link'], params['path'])
    if why:
        reasons.append(why)
    # the questions go to the versioned file itself: its answer holds whatever the link points at
    usable = result['installed']
    timeout = params['command_timeout']
    if params['version_argv'] and usable:
        rc, out, err = runner(params['version_argv'], timeout)
        result['version_stdout'] = out.strip() if rc == 0 else (out + err).strip()
        result['version_ok'] = rc == 0 and re.search(params['version_regex'], result['version_stdout']) is not None
        if not result['version_ok']:
            reasons.append('%s reports %r' % (params['version_argv'][0], result['version_stdout'][:200]))
    if params['completion_argv'] and usable:
        rc, out, err = runner(params['completion_argv'], timeout)
        if rc != 0:
            result['completion_ok'] = False
            reasons.append('%s failed: %s' % (' '.join(params['completion_argv']), err.strip()[:200]))
        else:
            result['completion_ok'], why = completion_state(params['completion_path'], out)
            if why:
                reasons.append(why)
                result['completion_stdout'] = out
    result['up_to_date'] = (usable and result['link_ok'] and result['version_ok'] is not False
                            and result['completion_ok'] is not False)
    return result


def build_module():
    return AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            mode=dict(type='str', default='0755'),
            link=dict(type='path', default=''),
            version_argv=dict(type='list', elements='str', default=[]),
            version_regex=dict(type='str', default=''),
            completion_argv=dict(type='list', elements='str', default=[]),
            completion_path=dict(type='path', default=''),
            command_timeout=dict(type='int', default=30),
        ),
        required_by=dict(completion_argv=['completion_path']),
        supports_check_mode=True,
    )


def run_module(module):
    if module.params['version_argv'] and not module.params['version_regex']:
        module.fail_json(msg='version_regex is required with version_argv')
    try:
        int(module.params['mode'], 8)
    except ValueError:
        module.fail_json(msg='mode must be octal, got %r' % module.params['mode'])
    module.exit_json(changed=False, **look(module.params))


def main():
    run_module(build_module())


if __name__ == '__main__':
    main()
