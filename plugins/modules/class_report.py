#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: class_report
short_description: Write the class report (JSON, Markdown, self-contained HTML) on the controller
version_added: 0.3.0
description:
  - Builds the class report from what the report play collected on every lab host and writes it under
    O(report_dir) as C(<run_id>/report.json), C(report.md) and C(report.html), then points the symlink
    C(<report_dir>/latest) at that run.
  - Every host of O(lab_hosts) gets a row, worst first. Hosts of O(collected) that are missing from
    O(reached) are V(UNREACHABLE); hosts not in O(collected) (for example left out by C(--limit)) are V(NOT RUN).
  - Reads C(<results_dir>/<host>/resilience.json) and C(policy.json) when they exist (written by the
    resilience and policy stages).
  - The JSON follows C(docs/report.schema.json); the HTML page has inline CSS and SVG only (no script,
    nothing fetched).
  - "Run it once on the controller (C(delegate_to: localhost), C(run_once: true))."
author:
  - meshlab.linkerd maintainers (@meshlab)
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  lab_hosts:
    description: Every host of the inventory's lab group.
    type: list
    elements: str
    required: true
  records:
    description: Host name to the record the report play collected on it.
    type: dict
    default: {}
  collected:
    description: Hosts the report play ran on (C(ansible_play_hosts_all)).
    type: list
    elements: str
    default: []
  reached:
    description:
      - Hosts that answered until the end; default the hosts of O(records) with a record that has no
        C(unreachable_msg).
    type: list
    elements: str
  limit:
    description:
      - The run's C(--limit) (C(ansible_limit)). Lab hosts missing from O(collected) are V(NOT RUN) when it is
        set, else V(FAILED) (an earlier play of the same run dropped them).
    type: str
    default: ""
  workers:
    description: kubeadm worker host to the control-plane host whose mesh it belongs to.
    type: dict
    default: {}
  report_dir:
    description: Directory of the reports on the controller (one folder per run plus C(latest)).
    type: path
    required: true
  results_dir:
    description: Directory where the resilience and policy stages keep C(<host>/resilience.json) and C(<host>/policy.json).
    type: path
  run_id:
    description: Name of this run's folder; default the UTC time C(YYYYmmddTHHMMSSZ).
    type: str
  generated_at:
    description: Time stamp shown in the report; default now (UTC, ISO 8601).
    type: str
  app_namespaces:
    description: Namespaces of the lab apps whose deployments get golden metrics.
    type: list
    elements: str
    default: [emojivoto, booksapp]
  window:
    description: Time window of the metrics queries (as C(linkerd viz stat -t)).
    type: str
    default: 1m
  title:
    description: Title of the report.
    type: str
    default: "Linkerd lab: class report"
  keep:
    description: Number of run folders to keep (older ones are removed); V(0) keeps all.
    type: int
    default: 0
notes:
  - In check mode it renders and writes nothing.
'''

EXAMPLES = r'''
- name: Write the class report
  meshlab.linkerd.class_report:
    lab_hosts: "{{ groups['lab'] }}"
    records: "{{ {'student01': hostvars['student01'].report_record} }}"
    collected: "{{ ansible_play_hosts_all }}"
    report_dir: ~/.local/share/meshlab/reports
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
html:
  description: Path of the HTML page.
  returned: always
  type: str
  sample: /home/teacher/.local/share/meshlab/reports/20261201T210000Z/report.html
markdown:
  description: Path of the Markdown report.
  returned: always
  type: str
json:
  description: Path of the JSON report.
  returned: always
  type: str
latest:
  description: Path of the C(latest) symlink.
  returned: always
  type: str
totals:
  description: Hosts per verdict, and V(hosts).
  returned: always
  type: dict
  sample: {hosts: 30, OK: 25, FAILED: 2, UNREACHABLE: 1, "NOT RUN": 1, RENDERED: 1}
lines:
  description: One line per host, worst first.
  returned: always
  type: list
  elements: str
render_seconds:
  description: Time the rendering took.
  returned: always
  type: float
'''

import datetime
import json
import os
import shutil
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.meshlab.linkerd.plugins.module_utils.report import (
    build_report, render_html, render_json, render_markdown, window_seconds)


def read_results(results_dir, host):
    out = {}
    if not results_dir:
        return out
    for name in ('resilience', 'policy'):
        path = os.path.join(results_dir, host, name + '.json')
        if not os.path.exists(path):
            continue
        try:
            with open(path) as f:
                doc = json.load(f)
            out[name] = doc if isinstance(doc, dict) else {'error': '%s is not a JSON object' % path}
        except (IOError, OSError, ValueError) as e:
            out[name] = {'error': '%s: %s' % (path, e)}
    return out


def write(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            lab_hosts=dict(type='list', elements='str', required=True),
            records=dict(type='dict', default={}),
            collected=dict(type='list', elements='str', default=[]),
            reached=dict(type='list', elements='str'),
            limit=dict(type='str', default=''),
            workers=dict(type='dict', default={}),
            report_dir=dict(type='path', required=True),
            results_dir=dict(type='path'),
            run_id=dict(type='str'),
            generated_at=dict(type='str'),
            app_namespaces=dict(type='list', elements='str', default=['emojivoto', 'booksapp']),
            window=dict(type='str', default='1m'),
            title=dict(type='str', default='Linkerd lab: class report'),
            keep=dict(type='int', default=0),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        window_seconds(p['window'])
    except ValueError as e:
        module.fail_json(msg=str(e))
    now = datetime.datetime.now(datetime.timezone.utc)
    run_id = p['run_id'] or now.strftime('%Y%m%dT%H%M%SZ')
    if '/' in run_id or run_id in ('', '.', '..', 'latest'):
        module.fail_json(msg='run_id must be a plain folder name, got %r' % run_id)
    generated_at = p['generated_at'] or now.strftime('%Y-%m-%dT%H:%M:%SZ')
    records = {}
    reached = p['reached']
    if reached is None:
        reached = [h for h, rec in (p['records'] or {}).items() if rec and not rec.get('unreachable_msg')]
    for h, rec in (p['records'] or {}).items():
        if rec is None:
            continue
        rec = dict(rec)
        rec['results'] = read_results(p['results_dir'], h)
        records[h] = rec
    for h in p['lab_hosts']:
        if h not in records and read_results(p['results_dir'], h):
            records[h] = {'results': read_results(p['results_dir'], h)}

    start = time.time()
    report = build_report(p['lab_hosts'], records, p['collected'], reached, p['app_namespaces'], p['window'],
                          generated_at, run_id, p['workers'], p['title'], limit=p['limit'])
    texts = {'report.json': render_json(report), 'report.md': render_markdown(report), 'report.html': render_html(report)}
    render_seconds = round(time.time() - start, 4)

    run_dir = os.path.join(p['report_dir'], run_id)
    latest = os.path.join(p['report_dir'], 'latest')
    result = dict(changed=True, html=os.path.join(run_dir, 'report.html'), markdown=os.path.join(run_dir, 'report.md'),
                  json=os.path.join(run_dir, 'report.json'), latest=latest, totals=report['totals'],
                  lines=['%s: %s: %s' % (r['host'], r['verdict'], r['reason']) for r in report['hosts']],
                  render_seconds=render_seconds, run_dir=run_dir)
    if module.check_mode:
        module.exit_json(**result)
    try:
        if not os.path.isdir(run_dir):
            os.makedirs(run_dir, 0o755)
        for name, text in texts.items():
            write(os.path.join(run_dir, name), text)
        tmp_link = latest + '.tmp'
        if os.path.lexists(tmp_link):
            os.remove(tmp_link)
        os.symlink(run_id, tmp_link)
        os.rename(tmp_link, latest)
        if p['keep'] > 0:
            runs = sorted(d for d in os.listdir(p['report_dir'])
                          if d != 'latest' and os.path.isdir(os.path.join(p['report_dir'], d))
                          and os.path.isfile(os.path.join(p['report_dir'], d, 'report.json')))
            for old in runs[:-p['keep']]:
                if old != run_id:
                    shutil.rmtree(os.path.join(p['report_dir'], old))
    except (IOError, OSError) as e:
        module.fail_json(msg='Could not write the report under %s: %s' % (p['report_dir'], e), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
