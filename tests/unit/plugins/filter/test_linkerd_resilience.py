# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.meshlab.linkerd.plugins.filter.linkerd_resilience import (
    linkerd_resilience_experiments, linkerd_resilience_measure, linkerd_resilience_missing, linkerd_resilience_plan,
    linkerd_resilience_queries, linkerd_resilience_seconds, linkerd_resilience_stale)
from ansible_collections.meshlab.linkerd.plugins.module_utils import resilience as r

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
FIX = os.path.join(ROOT, 'tests', 'unit', 'plugins', 'fixtures', 'resilience')
EDGE = 'edge-26.8.3'
STABLE = 'stable-2.14.10'


def defaults():
    with open(os.path.join(ROOT, 'roles', 'resilience', 'defaults', 'main.yml')) as f:
        return yaml.safe_load(f)


def policies():
    return copy.deepcopy(defaults()['resilience_policies'])


def by_name(name):
    return [p for p in policies() if p['name'] == name][0]


def answers(name):
    with open(os.path.join(FIX, name + '.json')) as f:
        return json.load(f)


def uri_results(policy, doc):
    """What ansible.builtin.uri registers for the queries of one policy, answered by a fixture."""
    return [{'item': {'policy': policy['name'], 'namespace': policy['namespace'], 'name': k}, 'status': 200, 'json': v}
            for k, v in doc.items()]


class TestLine:
    @pytest.mark.parametrize('version,line', [
        ('stable-2.14.10', 'serviceprofile'), ('stable-2.15.7', 'serviceprofile'), ('edge-24.7.4', 'serviceprofile'),
        ('edge-24.7.5', 'annotations'), ('edge-26.1.1', 'annotations'), ('edge-26.8.3', 'annotations'),
        ('stable-2.16.1', 'annotations')])
    def test_line_per_release(self, version, line):
        assert r.line_of(version) == line

    def test_not_a_release(self):
        plan = linkerd_resilience_plan(policies(), 'latest')
        assert plan['errors'] == ["'latest' is not a Linkerd release (stable-X.Y.Z or edge-YY.M.P)"]
        assert plan['objects'] == []


class TestValidation:
    def test_defaults_are_valid_on_both_lines(self):
        for v in (EDGE, STABLE):
            assert linkerd_resilience_plan(policies(), v)['errors'] == []

    @pytest.mark.parametrize('field,value,message', [
        ('retry.timeout', '5', "resilience_policies[books-create].retry.timeout: '5' is not a duration like 300ms or 5s"),
        ('retry.timeout', '1.5s', "resilience_policies[books-create].retry.timeout: '1.5s' is not a duration like 300ms or 5s"),
        ('retry.limit', 'three', "resilience_policies[books-create].retry.limit: 'three' is not an integer 1-10"),
        ('retry.limit', 0, 'resilience_policies[books-create].retry.limit: 0 is not an integer 1-10'),
        ('retry.statuses', ['5xx', '600'], "resilience_policies[books-create].retry.statuses: '600' is not 5xx, gateway-error, NNN or NNN-MMM"),
        ('retry.statuses', ['504-502'], "resilience_policies[books-create].retry.statuses: '504-502' is an empty range"),
        ('timeout.request', '10sec', "resilience_policies[books-create].timeout.request: '10sec' is not a duration like 300ms or 5s"),
        ('timeout.total', '1s', "resilience_policies[books-create].timeout: unknown key 'total'"),
        ('port', 70000, 'resilience_policies[books-create].port: 70000 is not a port number 1-65535'),
        ('match.path', 'books.json', "resilience_policies[books-create].match.path: 'books.json' does not start with /"),
        ('match.method', 'FETCH', "resilience_policies[books-create].match.method: 'FETCH' is not an HTTP method"),
        ('expect', 'better', "resilience_policies[books-create].expect: 'better' is not one of improve, unchanged, any"),
    ])
    def test_each_bad_field_named(self, field, value, message):
        ps = policies()
        target = ps[0]
        keys = field.split('.')
        for k in keys[:-1]:
            target = target.setdefault(k, {})
        target[keys[-1]] = value
        plan = linkerd_resilience_plan(ps, EDGE)
        assert plan['objects'] == [] and plan['baseline'] == []
        assert any(e.startswith(message) for e in plan['errors']), plan['errors']

    def test_grpc_statuses_only_retryable_ones(self):
        p = {'name': 'vote', 'namespace': 'emojivoto', 'service': 'voting-svc', 'port': 8080, 'client': 'web',
             'protocol': 'grpc', 'match': {'service': 'emojivoto.v1.VotingService', 'method': 'VoteDoughnut'},
             'retry': {'statuses': ['unavailable', 'unknown']}}
        assert linkerd_resilience_plan([p], EDGE)['errors'] == [
            "resilience_policies[vote].retry.statuses: 'unknown' is not a retryable gRPC status "
            "(cancelled, deadline-exceeded, internal, resource-exhausted, unavailable)"]

    def test_every_bad_item_reported_at_once(self):
        ps = policies()
        ps[0]['retry']['limit'] = 'x'
        ps[1]['timeout']['request'] = '5'
        del ps[2]['client']
        errors = linkerd_resilience_plan(ps, EDGE)['errors']
        assert len(errors) == 3
        assert [e.split(']', maxsplit=1)[0] for e in errors] == [
            'resilience_policies[books-create', 'resilience_policies[authors-get', 'resilience_policies[web-vote']

    def test_nothing_to_configure_and_duplicates(self):
        p = by_name('books-create')
        del p['retry']
        assert linkerd_resilience_plan([p], EDGE)['errors'] == [
            'resilience_policies[books-create]: neither retry nor timeout: nothing to configure']
        assert 'appears twice' in linkerd_resilience_plan([by_name('books-create')] * 2, EDGE)['errors'][0]


class TestObjectsAnnotations:
    def test_httproute_per_route_with_annotations(self):
        plan = linkerd_resilience_plan(policies(), EDGE)
        assert plan['line'] == 'annotations'
        books = plan['objects'][0]
        assert books['apiVersion'] == 'policy.linkerd.io/v1beta3' and books['kind'] == 'HTTPRoute'
        assert books['metadata'] == {'name': 'books-create', 'namespace': 'booksapp',
                                     'labels': {'app.kubernetes.io/managed-by': 'meshlab-resilience'},
                                     'annotations': {'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/limit': '3'}}
        assert books['spec'] == {'parentRefs': [{'group': 'core', 'kind': 'Service', 'name': 'books', 'port': 7002}],
                                 'rules': [{'matches': [{'path': {'type': 'Exact', 'value': '/books.json'}, 'method': 'POST'}]}]}
        authors = plan['objects'][1]
        assert authors['metadata']['annotations'] == {'timeout.linkerd.io/request': '250ms'}
        assert authors['spec']['rules'][0]['matches'][0]['path'] == {'type': 'RegularExpression', 'value': r'/authors/\d+\.json'}
        assert plan['notes'] == []

    def test_baseline_is_the_same_routes_without_policy(self):
        plan = linkerd_resilience_plan(policies(), EDGE)
        assert [o['metadata']['name'] for o in plan['baseline']] == [o['metadata']['name'] for o in plan['objects']]
        assert all('annotations' not in o['metadata'] for o in plan['baseline'])
        assert [o['spec'] for o in plan['baseline']] == [o['spec'] for o in plan['objects']]

    def test_grpc_route_and_per_try_timeout(self):
        p = {'name': 'vote-doughnut', 'namespace': 'emojivoto', 'service': 'voting-svc', 'port': 8080, 'client': 'web',
             'protocol': 'grpc', 'match': {'service': 'emojivoto.v1.VotingService', 'method': 'VoteDoughnut'},
             'retry': {'statuses': ['unavailable', 'internal'], 'limit': 2, 'timeout': '300ms'}, 'timeout': {'request': '2s'}}
        obj = linkerd_resilience_plan([p], EDGE)['objects'][0]
        assert obj['apiVersion'] == 'gateway.networking.k8s.io/v1' and obj['kind'] == 'GRPCRoute'
        assert obj['metadata']['annotations'] == {'retry.linkerd.io/grpc': 'unavailable,internal', 'retry.linkerd.io/limit': '2',
                                                  'retry.linkerd.io/timeout': '300ms', 'timeout.linkerd.io/request': '2s'}
        assert obj['spec']['rules'] == [{'matches': [{'method': {'type': 'Exact', 'service': 'emojivoto.v1.VotingService',
                                                                 'method': 'VoteDoughnut'}}]}]

    def test_disabled_policy_renders_nothing(self):
        ps = policies()
        ps[1]['enabled'] = False
        assert [o['metadata']['name'] for o in linkerd_resilience_plan(ps, EDGE)['objects']] == ['books-create', 'web-vote']


class TestObjectsServiceProfile:
    def test_one_profile_per_service(self):
        plan = linkerd_resilience_plan(policies(), STABLE, {'retryRatio': 0.2, 'minRetriesPerSecond': 10, 'ttl': '10s'})
        assert plan['line'] == 'serviceprofile'
        names = [(o['kind'], o['apiVersion'], o['metadata']['name']) for o in plan['objects']]
        assert names == [('ServiceProfile', 'linkerd.io/v1alpha2', 'authors.booksapp.svc.cluster.local'),
                         ('ServiceProfile', 'linkerd.io/v1alpha2', 'books.booksapp.svc.cluster.local'),
                         ('ServiceProfile', 'linkerd.io/v1alpha2', 'web-svc.emojivoto.svc.cluster.local')]
        books = plan['objects'][1]['spec']
        assert books['routes'] == [{'name': 'books-create', 'condition': {'pathRegex': r'/books\.json', 'method': 'POST'},
                                    'isRetryable': True,
                                    'responseClasses': [{'condition': {'status': {'min': 500, 'max': 599}}, 'isFailure': True}]}]
        assert books['retryBudget'] == {'retryRatio': 0.2, 'minRetriesPerSecond': 10, 'ttl': '10s'}
        authors = plan['objects'][0]['spec']
        assert authors == {'routes': [{'name': 'authors-get', 'condition': {'pathRegex': r'/authors/\d+\.json', 'method': 'GET'},
                                       'timeout': '250ms'}]}

    def test_what_the_line_cannot_express_is_said(self):
        plan = linkerd_resilience_plan(policies(), STABLE)
        assert plan['notes'] == [
            'booksapp/books-create on stable-2.14.10 (ServiceProfile): ignored retry.limit (the retry budget is the only limit)',
            'emojivoto/web-vote on stable-2.14.10 (ServiceProfile): ignored retry.limit (the retry budget is the only limit)']

    def test_baseline_keeps_routes_drops_policy(self):
        plan = linkerd_resilience_plan(policies(), STABLE, {'retryRatio': 0.2})
        for o in plan['baseline']:
            assert 'retryBudget' not in o['spec']
            for route in o['spec']['routes']:
                assert set(route) == {'name', 'condition'}

    def test_path_prefix_and_gateway_error(self):
        p = {'name': 'api', 'namespace': 'emojivoto', 'service': 'web-svc', 'port': 80, 'client': 'vote-bot',
             'match': {'path': '/api/', 'path_type': 'PathPrefix'}, 'retry': {'statuses': ['gateway-error', '429']}}
        route = linkerd_resilience_plan([p], STABLE)['objects'][0]['spec']['routes'][0]
        assert route['condition'] == {'pathRegex': r'/api(/.*)?'}
        assert [c['condition']['status'] for c in route['responseClasses']] == [{'min': 502, 'max': 504}, {'min': 429, 'max': 429}]


class TestStaleAndMissing:
    def test_stale_only_ours_and_unwanted(self):
        desired = linkerd_resilience_plan(policies(), EDGE)['objects']
        found = copy.deepcopy(desired) + [
            {'apiVersion': 'policy.linkerd.io/v1beta3', 'kind': 'HTTPRoute',
             'metadata': {'name': 'old', 'namespace': 'booksapp', 'labels': {'app.kubernetes.io/managed-by': 'meshlab-resilience'}}},
            {'apiVersion': 'policy.linkerd.io/v1beta3', 'kind': 'HTTPRoute',
             'metadata': {'name': 'users-own', 'namespace': 'booksapp'}}]
        assert linkerd_resilience_stale(found, desired) == [
            {'apiVersion': 'policy.linkerd.io/v1beta3', 'kind': 'HTTPRoute', 'namespace': 'booksapp', 'name': 'old'}]

    def test_everything_stale_when_no_policy(self):
        found = linkerd_resilience_plan(policies(), EDGE)['objects']
        assert len(linkerd_resilience_stale(found, linkerd_resilience_plan([], EDGE)['objects'])) == 3

    def test_missing_service_and_port(self):
        services = {'booksapp': [{'metadata': {'name': 'books'}, 'spec': {'ports': [{'port': 7002}]}},
                                 {'metadata': {'name': 'authors'}, 'spec': {'ports': [{'port': 7009}]}}], 'emojivoto': []}
        assert linkerd_resilience_missing(policies(), services) == [
            'resilience_policies[authors-get]: Service booksapp/authors has no port 7001 (it has 7009)',
            'resilience_policies[web-vote]: no Service emojivoto/web-svc in the cluster (is its app stage in the lab?)']


class TestQueries:
    def test_annotation_line_queries_as_stat_outbound(self):
        qs = dict((q['name'], q['query']) for q in linkerd_resilience_queries([by_name('books-create')], EDGE, '2m'))
        lab = '{deployment="webapp", namespace="booksapp", parent_name="books", parent_port="7002", route_name="books-create"}'
        assert qs['effective'] == 'sum(increase(outbound_http_route_request_statuses_total%s[2m])) by (http_status, error)' % lab
        assert qs['actual'] == 'sum(increase(outbound_http_route_backend_response_statuses_total%s[2m])) by (http_status, error)' % lab
        assert qs['retries'] == 'sum(increase(outbound_http_route_retry_requests_total%s[2m]))' % lab
        assert qs['p99'] == 'histogram_quantile(0.99, sum(irate(outbound_http_route_request_duration_seconds_bucket%s[2m])) by (le))' % lab

    def test_serviceprofile_line_queries_as_viz_routes_to(self):
        qs = dict((q['name'], q['query']) for q in linkerd_resilience_queries([by_name('books-create')], STABLE, '2m'))
        lab = ('{deployment="webapp", direction="outbound", dst=~"(books.booksapp.svc.cluster.local)(:\\\\d+)?", '
               'namespace="booksapp", rt_route="books-create"}')
        assert qs['effective'] == 'sum(increase(route_response_total%s[2m])) by (classification)' % lab
        assert qs['actual'] == 'sum(increase(route_actual_response_total%s[2m])) by (classification)' % lab
        assert 'retries' not in qs

    def test_bad_window(self):
        with pytest.raises(AnsibleFilterError, match="window '2 minutes' is not a duration"):
            linkerd_resilience_queries(policies(), EDGE, '2 minutes')


class TestMeasure:
    """The numbers of Linkerd's booksapp docs, from Prometheus answers of the documented shape."""

    def numbers(self, fixture_name, version=EDGE, policy='books-create'):
        p = by_name(policy)
        return linkerd_resilience_measure(uri_results(p, answers(fixture_name)), [p], version, '2m')['%s/%s' % (p['namespace'], p['name'])]

    def test_docs_54_73_93(self):
        before = self.numbers('edge_books_create_no_retry')
        one = self.numbers('edge_books_create_retry1')
        three = self.numbers('edge_books_create_retry3')
        assert round(before['success_rate'] * 100, 2) == 54.27
        assert round(one['success_rate'] * 100, 2) == 73.17
        assert round(one['backend_success_rate'] * 100, 2) == 48.13
        assert round(one['retry_rate'] * 100, 2) == 34.22
        assert round(three['success_rate'] * 100, 2) == 92.78
        assert round(three['retry_rate'] * 100, 2) == 47.28
        assert before['rps'] == pytest.approx(2.0) and before['retry_rate'] == 0
        assert before['p95_ms'] == pytest.approx(207) and one['p95_ms'] == pytest.approx(460)

    def test_docs_2_14_serviceprofile(self):
        before = self.numbers('sp_before', STABLE)
        after = self.numbers('sp_after', STABLE)
        assert round(before['success_rate'] * 100, 2) == 50.85
        assert after['success_rate'] == 1.0
        assert round(after['backend_success_rate'] * 100, 2) == 58.45
        assert after['actual_rps'] > after['rps'] and after['retry_rate'] > 0
        assert after['timeouts'] is None and after['p99_ms'] == 95.0

    def test_no_traffic_is_no_data_never_100(self):
        n = self.numbers('edge_no_traffic')
        assert n['no_data'] is True and 'success_rate' not in n
        assert n['reason'].startswith('no requests on route books-create in the last 2m')

    def test_prometheus_error_is_no_data(self):
        p = by_name('books-create')
        doc = dict((k, answers('prometheus_error')) for k in ('effective', 'actual', 'retries', 'p50', 'p95', 'p99'))
        n = linkerd_resilience_measure(uri_results(p, doc), [p], EDGE, '2m')['booksapp/books-create']
        assert n == {'no_data': True, 'reason': 'Prometheus: invalid parameter "query": 1:1: parse error'}

    def test_unreachable_prometheus_is_no_data(self):
        p = by_name('books-create')
        res = [{'item': {'policy': 'books-create', 'namespace': 'booksapp', 'name': k}, 'status': -1,
                'msg': 'Status code was -1 and not [200]: Request failed: <urlopen error [Errno 111] Connection refused>'}
               for k in ('effective', 'actual', 'retries', 'p50', 'p95', 'p99')]
        n = linkerd_resilience_measure(res, [p], EDGE, '2m')['booksapp/books-create']
        assert n['no_data'] and 'Connection refused' in n['reason']

    def test_timeouts_counted(self):
        p = by_name('books-create')
        doc = answers('edge_books_create_no_retry')
        doc['effective']['data']['result'].append({'metric': {'http_status': '', 'error': 'REQUEST_TIMEOUT'}, 'value': [0, '60']})
        n = linkerd_resilience_measure(uri_results(p, doc), [p], EDGE, '2m')['booksapp/books-create']
        assert n['timeouts'] == 60 and n['timeout_rate'] == pytest.approx(0.2)
        assert n['success_rate'] == pytest.approx(130.248 / 300)


class TestExperiments:
    def test_line_and_verdict(self):
        p = by_name('books-create')
        before = linkerd_resilience_measure(uri_results(p, answers('edge_books_create_no_retry')), [p], EDGE, '2m')
        after = linkerd_resilience_measure(uri_results(p, answers('edge_books_create_retry3')), [p], EDGE, '2m')
        res = linkerd_resilience_experiments(before, after, [p])
        exp = res['experiments'][0]
        assert exp['passed'] is True and exp['target'] == 'deploy/webapp -> svc/books:7002 books-create (POST /books.json)'
        assert res['lines'] == ['booksapp/books-create (POST /books.json): 54.3% -> 92.8% (retries 47%, p99 249 -> 492 ms): PASS']

    def test_no_data_line(self):
        p = by_name('books-create')
        none = linkerd_resilience_measure(uri_results(p, answers('edge_no_traffic')), [p], EDGE, '2m')
        res = linkerd_resilience_experiments(none, none, [p])
        assert res['experiments'][0]['passed'] is None
        assert res['lines'][0].startswith('booksapp/books-create (POST /books.json): not enough data (no requests')

    @pytest.mark.parametrize('before,after,expect,passed', [
        (0.85, 0.86, 'unchanged', True), (0.85, 0.95, 'unchanged', False), (0.54, 0.54, 'improve', False),
        (0.54, 0.93, 'improve', True), (0.54, 0.93, 'any', None)])
    def test_verdicts(self, before, after, expect, passed):
        assert r.verdict({'no_data': False, 'success_rate': before}, {'no_data': False, 'success_rate': after}, expect) is passed

    def test_report_reads_the_record(self):
        """The class report's resilience lines take this record as it is written."""
        from ansible_collections.meshlab.linkerd.plugins.module_utils.report import _resilience_lines
        p = by_name('books-create')
        before = linkerd_resilience_measure(uri_results(p, answers('edge_books_create_no_retry')), [p], EDGE, '2m')
        after = linkerd_resilience_measure(uri_results(p, answers('edge_books_create_retry3')), [p], EDGE, '2m')
        record = {'schema': 'meshlab.resilience/v1', 'experiments': linkerd_resilience_experiments(before, after, [p])['experiments']}
        assert _resilience_lines(record) == [
            'books-create (deploy/webapp -> svc/books:7002 books-create (POST /books.json)): success rate 54.27 % -> 92.78 %, '
            'p99 249 ms -> 492 ms, RPS 2.00 -> 1.62: PASS']


def test_seconds():
    assert linkerd_resilience_seconds('300ms') == pytest.approx(0.3)
    assert linkerd_resilience_seconds('2m') == 120
    assert linkerd_resilience_seconds('0s') == 0
    with pytest.raises(AnsibleFilterError):
        linkerd_resilience_seconds('5')


def test_record_matches_the_schema():
    """The record the role writes (numbers and no-data alike) is valid against docs/resilience.schema.json."""
    jsonschema = pytest.importorskip('jsonschema')
    with open(os.path.join(ROOT, 'docs', 'resilience.schema.json')) as f:
        schema = json.load(f)
    p = by_name('books-create')
    before = linkerd_resilience_measure(uri_results(p, answers('edge_books_create_no_retry')), [p], EDGE, '2m')
    after = linkerd_resilience_measure(uri_results(p, answers('edge_books_create_retry3')), [p], EDGE, '2m')
    none = linkerd_resilience_measure(uri_results(p, answers('edge_no_traffic')), [p], EDGE, '2m')
    for b, a in ((before, after), (none, none)):
        record = {'schema': 'meshlab.resilience/v1', 'host': 'h', 'line': 'annotations', 'window': '2m',
                  'experiments': linkerd_resilience_experiments(b, a, [p])['experiments']}
        jsonschema.validate(record, schema)
