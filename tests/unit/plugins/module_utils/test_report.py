# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Verdicts, golden metrics and bad data of the class report (plugins/module_utils/report.py)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.meshlab.linkerd.plugins.module_utils import report as r

TS = 1796158800.0
ALL = dict((s, True) for s in r.STAGES)


def vector(series):
    return {'status': 'success', 'data': {'resultType': 'vector',
                                          'result': [{'metric': m, 'value': [TS, v]} for m, v in series]}}


def answers(web_success=90, web_failure=10, p99='12.5'):
    m = {'namespace': 'emojivoto', 'deployment': 'web', 'tls': 'true'}
    return {'emojivoto': {
        'requests': vector([(dict(m, classification='success'), str(web_success)),
                            (dict(m, classification='failure'), str(web_failure))]),
        'p50_ms': vector([({'namespace': 'emojivoto', 'deployment': 'web'}, '2')]),
        'p95_ms': vector([({'namespace': 'emojivoto', 'deployment': 'web'}, '8')]),
        'p99_ms': vector([({'namespace': 'emojivoto', 'deployment': 'web'}, p99)])}}


PODS = [{'namespace': 'emojivoto', 'name': 'web-1', 'deployment': 'web', 'phase': 'Running', 'ready': True, 'meshed': True},
        {'namespace': 'emojivoto', 'name': 'vote-bot-1', 'deployment': 'vote-bot', 'phase': 'Running', 'ready': True,
         'meshed': True},
        {'namespace': 'emojivoto', 'name': 'job-1', 'deployment': None, 'phase': 'Succeeded', 'ready': False, 'meshed': True}]


def record(**kw):
    rec = {'stages': dict(ALL), 'pods': PODS, 'linkerd_version': 'edge-26.8.3', 'kubernetes_version': 'v1.32.4',
           'check': {'success': True, 'categories': [{'name': 'x'}], 'summary': {'success': 40, 'warning': 1, 'error': 0},
                     'failed_checks': [], 'warning_checks': []},
           'prometheus': {'url': 'http://127.0.0.1:9090', 'error': None, 'answers': answers()}}
    rec.update(kw)
    return rec


def row(rec, state='collected'):
    return r.host_report('h1', rec, state, ['emojivoto'])


def test_queries_are_linkerd_viz_stat_s():
    q = r.stat_queries('emojivoto', '1m')
    assert q['requests'] == ('sum(increase(response_total{direction="inbound", namespace="emojivoto"}[1m])) '
                             'by (namespace, deployment, classification, tls)')
    assert q['p99_ms'] == ('histogram_quantile(0.99, sum(irate(response_latency_ms_bucket{direction="inbound", '
                           'namespace="emojivoto"}[1m])) by (le, namespace, deployment))')
    assert sorted(q) == ['p50_ms', 'p95_ms', 'p99_ms', 'requests']


def test_success_rate_and_rps_as_viz_stat_computes_them():
    res = row(record())
    web = [d for d in res['metrics']['deployments'] if d['deployment'] == 'web'][0]
    assert web['success_rate'] == 0.9
    assert web['rps'] == round(100 / 60.0, 3)
    assert (web['p50_ms'], web['p95_ms'], web['p99_ms']) == (2.0, 8.0, 12.5)
    assert res['summary'] == {'success_rate': 0.9, 'rps': round(100 / 60.0, 3), 'p99_ms': 12.5}
    assert res['verdict'] == 'OK'


def test_deployment_without_inbound_traffic_is_no_data_not_zero():
    res = row(record())
    bot = [d for d in res['metrics']['deployments'] if d['deployment'] == 'vote-bot'][0]
    assert bot['success_rate'] is None and bot['rps'] is None and bot['p99_ms'] is None


def test_prometheus_unreachable_is_no_data():
    res = row(record(prometheus={'url': 'http://127.0.0.1:9090', 'error': 'Connection refused', 'answers': {}}))
    assert res['metrics']['status'] == 'unreachable'
    assert res['summary'] == {'success_rate': None, 'rps': None, 'p99_ms': None}
    assert 'Prometheus unreachable' in res['reason']
    assert r.fmt_pct(res['summary']['success_rate']) == 'no data'


def test_no_samples_yet_is_no_data():
    empty = {'emojivoto': dict((k, vector([])) for k in ('requests', 'p50_ms', 'p95_ms', 'p99_ms'))}
    res = row(record(prometheus={'url': 'u', 'error': None, 'answers': empty}))
    assert res['metrics']['status'] == 'no data'
    assert res['summary']['success_rate'] is None


def test_zero_requests_and_nan_latency_are_no_data():
    res = row(record(prometheus={'url': 'u', 'error': None, 'answers': answers(0, 0, 'NaN')}))
    web = [d for d in res['metrics']['deployments'] if d['deployment'] == 'web'][0]
    assert web['success_rate'] is None and web['p99_ms'] is None
    assert web['requests'] == 0.0
    assert res['metrics']['status'] == 'no data'


def test_all_failures_is_zero_percent_not_no_data():
    res = row(record(prometheus={'url': 'u', 'error': None, 'answers': answers(0, 50)}))
    assert res['summary']['success_rate'] == 0.0
    assert r.fmt_pct(0.0) == '0.00 %'


def test_error_answer_of_prometheus_is_a_bad_answer():
    bad = {'emojivoto': {'requests': {'status': 'error', 'errorType': 'bad_data', 'error': 'parse error'}}}
    res = row(record(prometheus={'url': 'u', 'error': None, 'answers': bad}))
    assert res['metrics']['status'] == 'bad answer'
    assert res['summary']['success_rate'] is None


def test_half_finished_run_names_the_stage_it_stopped_at():
    stages = dict(ALL, viz=False, emojivoto=False)
    res = row(record(stages=stages))
    assert res['verdict'] == 'FAILED'
    assert res['stopped_at'] == 'viz'
    assert 'stopped at stage viz' in res['reason']


def test_monitoring_not_wanted_is_not_a_stop():
    res = row(record(stages=dict(ALL, monitoring=None)))
    assert res['verdict'] == 'OK' and res['stopped_at'] is None


def test_exercises_left_out_are_not_a_stop():
    res = row(record(stages=dict(ALL, booksapp=False, resilience=False, policy=False)))
    assert res['verdict'] == 'OK' and res['stopped_at'] is None
    assert [s['name'] for s in res['stages'] if not s['done']] == ['booksapp', 'resilience', 'policy']


def test_an_exercise_missing_before_a_later_stage_is_where_the_run_stopped():
    res = row(record(stages=dict(ALL, resilience=False)))
    assert res['verdict'] == 'FAILED' and res['stopped_at'] == 'resilience'


def test_host_record_knows_the_exercise_stages():
    manifests = {'results': [{'item': s, 'stat': {'exists': s in ('emojivoto', 'resilience')}}
                             for s in r.MANIFEST_STAGES]}
    raw = {'docker': {'stat': {'exists': True}}, 'kubeconfig': {'stat': {'exists': True}},
           'linkerd_cli': {'stat': {'exists': True}}, 'manifests': manifests,
           'namespaces': {'resources': [{'metadata': {'name': n}} for n in
                                        ('linkerd', 'monitoring', 'linkerd-viz', 'emojivoto', 'booksapp')]},
           'linkerd_config': {'resources': [{'metadata': {}, 'data': {'values': 'linkerdVersion: edge-26.8.3\n'}}]}}
    stages = r.host_record(raw)['stages']
    assert (stages['booksapp'], stages['resilience'], stages['policy']) == (True, True, False)
    rendered = r.host_record(dict(raw, render_only=True))['stages']
    assert [s for s in r.MANIFEST_STAGES if rendered[s]] == ['emojivoto', 'resilience']


def test_nothing_run_is_not_run():
    res = row(record(stages=dict((s, False) for s in r.STAGES), check=None, prometheus=None, pods=[]))
    assert res['verdict'] == 'NOT RUN'


def test_failed_check_lists_checks_and_hints():
    chk = {'success': False, 'categories': [{'name': 'x'}], 'summary': {'success': 10, 'warning': 0, 'error': 1},
           'failed_checks': [{'category': 'linkerd-identity', 'description': 'issuer cert is valid',
                              'error': 'expired', 'hint': 'https://linkerd.io/2/checks/#l5d-identity'}]}
    res = row(record(check=chk))
    assert res['verdict'] == 'FAILED'
    assert res['check']['failed'][0]['hint'] == 'https://linkerd.io/2/checks/#l5d-identity'
    assert res['check']['counts'] == {'success': 10, 'warning': 0, 'error': 1}


def test_check_that_could_not_run_is_failed_with_its_message():
    res = row(record(check={'success': False, 'categories': [], 'summary': {}, 'failed_checks': [],
                            'msg': 'linkerd: not found'}))
    assert res['verdict'] == 'FAILED' and 'linkerd: not found' in res['reason']


def test_api_down_is_failed():
    res = row(record(api_error='connection refused'))
    assert res['verdict'] == 'FAILED' and 'Kubernetes API' in res['reason']


def test_render_only_is_rendered():
    assert row(record(render_only=True, check=None, prometheus=None))['verdict'] == 'RENDERED'


def test_class_has_every_host_worst_first():
    rep = r.build_report(['a', 'b', 'c', 'd'], {'a': record(), 'b': record(), 'c': {'unreachable_msg': 'ssh: refused'}},
                         collected=['a', 'b', 'c'], reached=['a', 'b'])
    assert [(h['host'], h['verdict']) for h in rep['hosts']] == [('c', 'UNREACHABLE'), ('d', 'NOT RUN'), ('a', 'OK'), ('b', 'OK')]
    assert rep['hosts'][0]['reason'] == 'ssh: refused'
    assert rep['totals']['hosts'] == 4 and rep['totals']['UNREACHABLE'] == 1


def test_worker_is_reported_with_its_control_plane():
    rep = r.build_report(['cp', 'w1'], {'cp': record(), 'w1': {'worker': True}}, ['cp', 'w1'], ['cp', 'w1'],
                         workers={'w1': 'cp'})
    w1 = [h for h in rep['hosts'] if h['host'] == 'w1'][0]
    assert w1['verdict'] == 'OK' and w1['worker_of'] == 'cp'


def test_compact_pods_meshed_and_deployment():
    pods = [{'metadata': {'namespace': 'emojivoto', 'name': 'web-5f86686c4d-58p7k',
                          'labels': {'pod-template-hash': '5f86686c4d'},
                          'ownerReferences': [{'kind': 'ReplicaSet', 'name': 'web-5f86686c4d'}]},
             'spec': {'containers': [{'name': 'web-svc'}, {'name': 'linkerd-proxy'}]},
             'status': {'phase': 'Running', 'containerStatuses': [{'ready': True}, {'ready': True}]}},
            {'metadata': {'namespace': 'kube-system', 'name': 'coredns-1', 'labels': {}},
             'spec': {'containers': [{'name': 'coredns'}]}, 'status': {'phase': 'Running'}}]
    out = r.compact_pods(pods)
    assert out[0] == {'namespace': 'emojivoto', 'name': 'web-5f86686c4d-58p7k', 'deployment': 'web',
                      'phase': 'Running', 'ready': True, 'meshed': True}
    assert out[1]['meshed'] is False and out[1]['ready'] is False


def test_host_record_from_registered_results():
    raw = {'docker': {'stat': {'exists': True}}, 'kubeconfig': {'stat': {'exists': True}},
           'linkerd_cli': {'stat': {'exists': True}},
           'namespaces': {'resources': [{'metadata': {'name': n}} for n in ('linkerd', 'monitoring', 'linkerd-viz')]},
           'linkerd_config': {'resources': [{'metadata': {}, 'data': {'values': 'linkerdVersion: edge-26.8.3\n'}}]},
           'cluster_info': {'version': {'server': {'kubernetes': {'gitVersion': 'v1.32.4'}}}},
           'pods': {'resources': []},
           'units': {'stdout_lines': ['meshlab-viz-dashboard.service loaded active running meshlab Linkerd viz dashboard '
                                      'on http://127.0.0.1:50750']},
           'prometheus_url': 'http://127.0.0.1:9090',
           'prometheus': {'results': [{'item': {'namespace': 'emojivoto', 'name': 'requests'}, 'status': -1,
                                       'msg': 'Status code was -1 and not [200]: Connection refused'}]}}
    rec = r.host_record(raw)
    assert rec['stages'] == dict(ALL, emojivoto=False, booksapp=False, resilience=False, policy=False)
    assert rec['linkerd_version'] == 'edge-26.8.3' and rec['kubernetes_version'] == 'v1.32.4'
    assert rec['urls'] == [{'name': 'Linkerd viz dashboard', 'url': 'http://127.0.0.1:50750', 'state': 'active/running'}]
    assert rec['prometheus']['error'].startswith('Status code was -1')
    res = r.host_report('h', rec, 'collected', ['emojivoto'])
    assert res['verdict'] == 'FAILED' and res['stopped_at'] == 'emojivoto'


def test_host_record_api_down():
    raw = {'docker': {'stat': {'exists': True}}, 'kubeconfig': {'stat': {'exists': True}},
           'namespaces': {'failed': False, 'msg': 'Failed to get client due to HTTPSConnectionPool: refused'}}
    rec = r.host_record(raw)
    assert 'refused' in rec['api_error']
    assert r.host_report('h', rec, 'collected', ['emojivoto'])['verdict'] == 'FAILED'


def test_bad_window_is_refused():
    with pytest.raises(ValueError):
        r.stat_queries('emojivoto', 'one minute')


def test_html_is_self_contained_and_marks_no_data():
    rep = r.build_report(['a', 'b'], {'a': record(prometheus={'url': 'u', 'error': 'down', 'answers': {}})}, ['a', 'b'], ['a'])
    page = r.render_html(rep)
    assert '<script' not in page and 'src=' not in page and '<link' not in page
    assert 'class="nodata n">no data<' in page
    assert page.count('<svg') == 2


def test_host_outside_the_play_is_not_run_with_a_limit_and_failed_without():
    with_limit = r.build_report(['a', 'b'], {'a': record()}, ['a'], ['a'], limit='a')
    assert [(h['host'], h['verdict']) for h in with_limit['hosts']] == [('b', 'NOT RUN'), ('a', 'OK')]
    assert '--limit a' in with_limit['hosts'][0]['reason']
    dropped = r.build_report(['a', 'b'], {'a': record()}, ['a'], ['a'], limit='')
    assert dropped['hosts'][0]['verdict'] == 'FAILED' and 'earlier stage' in dropped['hosts'][0]['reason']
