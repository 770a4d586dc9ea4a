# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes fixtures/class30.json: what the report play would collect from a class of 30 hosts in mixed
states (deterministic; re-run only to change the fixture, then regenerate the golden file).

Prometheus answers have the documented shape of GET /api/v1/query (prometheus docs/querying/api.md:
{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {...}, "value": [ts, "str"]}]}});
the check results have the shape of the meshlab.linkerd.check module's return values.
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TS = 1796158800.0
APPS = ('emoji', 'voting', 'web', 'vote-bot')
HINT = 'https://linkerd.io/2/checks/#l5d-'


def vector(series):
    return {'status': 'success', 'data': {'resultType': 'vector',
                                          'result': [{'metric': m, 'value': [TS, v]} for m, v in series]}}


def answers(rnd, sr_web, sr_voting, scale=1.0, empty=False):
    if empty:
        return {k: vector([]) for k in ('requests', 'p50_ms', 'p95_ms', 'p99_ms')}
    req, lat = [], {'p50_ms': [], 'p95_ms': [], 'p99_ms': []}
    for dep, rps, sr in (('emoji', 2.0, 1.0), ('voting', 1.0, sr_voting), ('web', 3.0, sr_web)):
        total = rps * 60 * scale
        for cls, n in (('success', total * sr), ('failure', total * (1 - sr))):
            if n > 0:
                req.append(({'namespace': 'emojivoto', 'deployment': dep, 'classification': cls, 'tls': 'true'}, '%.6f' % n))
        base = {'emoji': 1.0, 'voting': 1.2, 'web': 3.0}[dep] * scale
        for key, f in (('p50_ms', 1.0), ('p95_ms', 2.9), ('p99_ms', 4.7)):
            lat[key].append(({'namespace': 'emojivoto', 'deployment': dep}, '%.6f' % (base * f + rnd.random())))
    out = {'requests': vector(req)}
    out.update({k: vector(v) for k, v in lat.items()})
    return out


def pods(meshed=True, apps=True):
    out = []
    for ns, deps in (('linkerd', ('linkerd-destination', 'linkerd-identity', 'linkerd-proxy-injector')),
                     ('linkerd-viz', ('metrics-api', 'tap', 'tap-injector', 'web')),
                     ('monitoring', ('prometheus-server', 'grafana'))):
        for d in deps:
            out.append({'namespace': ns, 'name': d + '-7d9f8b6c5d-abcde', 'deployment': d, 'phase': 'Running',
                        'ready': True, 'meshed': ns != 'monitoring'})
    if apps:
        for d in APPS:
            out.append({'namespace': 'emojivoto', 'name': d + '-6b8d9c7f4-xyz12', 'deployment': d, 'phase': 'Running',
                        'ready': True, 'meshed': meshed})
    return out


def check(ok=True, failed=None, warnings=0):
    failed = failed or []
    warn = [{'category': 'linkerd-version', 'description': 'cli is up-to-date',
             'error': 'is running version edge-26.8.3 but the latest edge version is edge-26.11.2',
             'hint': HINT + 'version-cli'}] * warnings
    return {'success': ok and not failed, 'categories': [{'name': 'kubernetes-api', 'checks': []}],
            'summary': {'success': 62 - len(failed), 'warning': warnings, 'error': len(failed)},
            'failed_checks': failed, 'warning_checks': warn}


def urls(h):
    return [{'name': 'Linkerd viz dashboard', 'url': 'http://127.0.0.1:50750', 'state': 'active/running'},
            {'name': 'emojivoto web UI', 'url': 'http://127.0.0.1:8080', 'state': 'active/running'},
            {'name': 'Grafana', 'url': 'http://127.0.0.1:50750/grafana/', 'state': 'active/running'}]


ALL = {s: True for s in ('docker', 'cluster', 'cli', 'control_plane', 'monitoring', 'viz', 'emojivoto')}


def record(h, **kw):
    rec = {'render_only': False, 'stages': dict(ALL), 'linkerd_version': 'edge-26.8.3', 'kubernetes_version': 'v1.32.4',
           'pods': pods(), 'urls': urls(h), 'check': check(),
           'prometheus': {'url': 'http://127.0.0.1:9090', 'error': None, 'answers': {}},
           'grafana_password_file': '/home/teacher/.local/share/meshlab/secrets/%s/grafana-admin-password' % h}
    rec.update(kw)
    return rec


def main():
    rnd = random.Random(12)
    hosts = ['student%02d' % i for i in range(1, 31)]
    records, collected, reached = {}, list(hosts), []
    results = {}
    for i, h in enumerate(hosts, 1):
        rec = record(h)
        rec['prometheus']['answers'] = {'emojivoto': answers(rnd, 0.93 - (i % 5) * 0.01, 0.85 + (i % 3) * 0.02,
                                                             scale=1.0 + (i % 4) * 0.25)}
        if i in (3, 17):  # linkerd check failed
            rec['check'] = check(failed=[{'category': 'linkerd-control-plane-proxy' if i == 3 else 'linkerd-identity',
                                          'description': 'control plane proxies are healthy' if i == 3
                                          else 'issuer cert is within its validity period',
                                          'error': 'pod/linkerd-destination-7d9f8b6c5d-abcde container linkerd-proxy is not ready'
                                          if i == 3 else 'issuer certificate is not valid anymore. Expired on 2026-11-30T10:00:00Z',
                                          'hint': HINT + ('cp-proxy-healthy' if i == 3 else 'identity-issuer-cert-is-time-valid')}])
        if i == 5:  # a half-finished run: stopped at viz
            rec['stages'].update(viz=False, emojivoto=False)
            rec['pods'] = [p for p in pods(apps=False) if p['namespace'] != 'linkerd-viz']
            rec['prometheus']['answers'] = {'emojivoto': answers(rnd, 1, 1, empty=True)}
            rec['check'] = check(warnings=1)
        if i == 8:  # Prometheus unreachable
            rec['prometheus'] = {'url': 'http://127.0.0.1:9090', 'error': 'Status code was -1: Connection refused', 'answers': {}}
        if i == 11:  # fresh install, no samples yet
            rec['prometheus']['answers'] = {'emojivoto': answers(rnd, 1, 1, empty=True)}
        if i == 14:  # nothing has run
            rec = record(h, stages={s: False for s in ALL}, linkerd_version=None, kubernetes_version=None, pods=[], urls=[],
                         check=None, prometheus=None, grafana_password_file=None)
        if i == 20:  # render only
            rec = record(h, render_only=True, linkerd_version=None, kubernetes_version=None, pods=[], urls=[], check=None,
                         prometheus=None, grafana_password_file=None)
        if i in (2, 4, 6):
            rec['check'] = check(warnings=1)
        if i in (9, 23):  # unreachable: in the play, never answered
            records.pop(h, None)
            continue
        if i == 27:  # left out by --limit
            collected.remove(h)
            continue
        records[h] = rec
        reached.append(h)
        if i in (1, 2, 3):
            results[h] = {
                'resilience': {'schema': 'meshlab.resilience/v1', 'generated_at': '2026-12-01T20:00:00Z', 'experiments': [
                    {'name': 'retries', 'target': 'deploy/vote-bot -> svc/web-svc GET /api/vote',
                     'before': {'success_rate': 0.925, 'rps': 1.0, 'p99_ms': 9.8},
                     'after': {'success_rate': 0.9906 if i != 3 else 0.93, 'rps': 1.4, 'p99_ms': 14.2},
                     'expected': {'success_rate': 0.99}, 'passed': i != 3}]},
                'policy': {'schema': 'meshlab.policy/v1', 'generated_at': '2026-12-01T20:05:00Z',
                           'edges': [{'src': 'web', 'dst': 'emoji', 'secured': True, 'client_id': 'web.emojivoto.serviceaccount.identity.linkerd.cluster.local',
                                      'server_id': 'emoji.emojivoto.serviceaccount.identity.linkerd.cluster.local', 'no_tls_reason': ''},
                                     {'src': 'web', 'dst': 'voting', 'secured': i != 2,
                                      'client_id': 'web.emojivoto.serviceaccount.identity.linkerd.cluster.local',
                                      'server_id': 'voting.emojivoto.serviceaccount.identity.linkerd.cluster.local',
                                      'no_tls_reason': '' if i != 2 else 'not_provided_by_remote'}],
                           'denials': [{'probe': 'unmeshed curl pod', 'target': 'svc/web-svc:80', 'denied': True, 'expected_denied': True}],
                           'passed': i != 2}}
    fixture = {'lab_hosts': hosts, 'records': records, 'collected': collected, 'reached': reached, 'results': results,
               'generated_at': '2026-12-01T21:00:00Z', 'run_id': '20261201T210000Z', 'window': '1m'}
    with open(os.path.join(HERE, 'fixtures', 'class30.json'), 'w') as f:
        json.dump(fixture, f, indent=1, sort_keys=True)
        f.write('\n')
    # Recorded answers for the STAND-IN Prometheus (prometheus_standin.py), by exact query text.
    import importlib.util
    spec = importlib.util.spec_from_file_location('report', os.path.join(HERE, '..', '..', 'plugins', 'module_utils', 'report.py'))
    lib = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lib)
    recorded = answers(random.Random(7), 0.93, 0.85)
    by_query = {q: recorded[name] for name, q in lib.stat_queries('emojivoto', '1m').items()}
    with open(os.path.join(HERE, 'fixtures', 'prometheus', 'emojivoto-1m.json'), 'w') as f:
        json.dump(by_query, f, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
