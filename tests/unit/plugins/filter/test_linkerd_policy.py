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
from ansible_collections.meshlab.linkerd.plugins.filter.linkerd_policy import (
    linkerd_policy_api, linkerd_policy_authz, linkerd_policy_edges, linkerd_policy_objects,
    linkerd_policy_probe, linkerd_policy_restarts, linkerd_policy_stale, linkerd_policy_validate)
from ansible_collections.meshlab.linkerd.tests.unit.plugins.linkerd_fixtures import fixture

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
EDGE = 'edge-26.8.3'
STABLE = 'stable-2.14.10'


def role_default_apps():
    with open(os.path.join(ROOT, 'roles', 'policy', 'defaults', 'main.yml')) as f:
        return yaml.safe_load(f)['policy_apps']


def emojivoto():
    return copy.deepcopy(role_default_apps()[0])


def by_kind(objects, kind):
    return dict((o['metadata']['name'], o) for o in objects if o['kind'] == kind)


class TestApi(object):
    def test_lines(self):
        assert linkerd_policy_api(STABLE)['server'] == 'policy.linkerd.io/v1beta1'
        assert linkerd_policy_api(STABLE)['audit'] is False
        assert 'audit' not in linkerd_policy_api(STABLE)['policies']
        assert linkerd_policy_api(EDGE)['server'] == 'policy.linkerd.io/v1beta3'
        assert linkerd_policy_api(EDGE)['authz'] == 'policy.linkerd.io/v1alpha1'
        assert 'audit' in linkerd_policy_api(EDGE)['policies']

    def test_audit_starts_with_edge_24_7_5(self):
        assert linkerd_policy_api('edge-24.7.4')['audit'] is False
        assert linkerd_policy_api('edge-24.7.4')['server'] == 'policy.linkerd.io/v1beta1'
        assert linkerd_policy_api('edge-24.7.5')['audit'] is True

    @pytest.mark.parametrize('bad', ['', 'latest', 'stable-2.13.7', None])
    def test_refused(self, bad):
        with pytest.raises(AnsibleFilterError):
            linkerd_policy_api(bad)


class TestDefaultPolicyData(object):
    def test_ports_match_the_pinned_manifest(self):
        """The declared workloads are those of the pinned emojivoto manifest (labels, SA, ports)."""
        path = os.path.join(ROOT, 'extensions', 'molecule', 'mesh_apps', 'files', 'emojivoto.yml.orig')
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        deployments = dict((d['metadata']['name'], d['spec']['template']) for d in docs if d['kind'] == 'Deployment')
        workloads = emojivoto()['workloads']
        assert sorted(workloads) == sorted(deployments)
        for name, w in workloads.items():
            tmpl = deployments[name]
            assert tmpl['metadata']['labels']['app'] == w['labels']['app']
            assert tmpl['spec'].get('serviceAccountName', 'default') == w['service_account']
            ports = dict((p['name'], p['containerPort']) for c in tmpl['spec']['containers'] for p in c.get('ports') or [])
            assert ports == w['ports'], name
        # and the live-port check accepts the manifest as the cluster would return it
        live = {'emojivoto': [d for d in docs if d['kind'] == 'Deployment']}
        assert linkerd_policy_validate([emojivoto()], EDGE, live) == []

    @pytest.mark.parametrize('version', [STABLE, EDGE])
    def test_official_intent(self, version):
        plan = linkerd_policy_objects(role_default_apps(), version)
        assert plan['errors'] == []
        servers = by_kind(plan['objects'], 'Server')
        assert sorted(servers) == ['admin', 'emoji-grpc', 'prom', 'voting-grpc', 'web-http']
        assert set(o['apiVersion'] for o in servers.values()) == {linkerd_policy_api(version)['server']}
        # only web may call emoji and voting
        mtls = by_kind(plan['objects'], 'MeshTLSAuthentication')
        assert sorted(mtls) == ['emoji-grpc-sa', 'voting-grpc-sa']
        for m in mtls.values():
            assert m['spec'] == {'identityRefs': [{'kind': 'ServiceAccount', 'name': 'web'}]}
        # web UI, metrics ports and every proxy's admin port: anyone
        nets = by_kind(plan['objects'], 'NetworkAuthentication')
        assert sorted(nets) == ['admin-net', 'prom-net', 'web-http-net']
        assert nets['admin-net']['spec']['networks'] == [{'cidr': '0.0.0.0/0'}, {'cidr': '::/0'}]
        assert servers['admin']['spec']['podSelector'] == {}
        assert servers['admin']['spec']['port'] == 'linkerd-admin'
        assert servers['prom']['spec']['podSelector'] == {
            'matchExpressions': [{'key': 'app', 'operator': 'In', 'values': ['emoji-svc', 'voting-svc']}]}
        assert servers['voting-grpc']['spec']['proxyProtocol'] == 'gRPC'
        policies = by_kind(plan['objects'], 'AuthorizationPolicy')
        assert policies['voting-grpc-sa']['spec'] == {
            'targetRef': {'group': 'policy.linkerd.io', 'kind': 'Server', 'name': 'voting-grpc'},
            'requiredAuthenticationRefs': [{'group': 'policy.linkerd.io', 'kind': 'MeshTLSAuthentication',
                                            'name': 'voting-grpc-sa'}]}
        # every object labelled, Servers applied last
        for o in plan['objects']:
            assert o['metadata']['labels']['app.kubernetes.io/managed-by'] == 'meshlab-policy'
            assert o['metadata']['namespace'] == 'emojivoto'
        kinds = [o['kind'] for o in plan['objects']]
        assert kinds.index('Server') > max(i for i, k in enumerate(kinds) if k != 'Server')
        assert plan['default_policies'] == {'emojivoto': 'all-unauthenticated'}

    def test_access_policy_only_where_served(self):
        stable = by_kind(linkerd_policy_objects(role_default_apps(), STABLE)['objects'], 'Server')
        assert all('accessPolicy' not in s['spec'] for s in stable.values())
        edge = by_kind(linkerd_policy_objects(role_default_apps(), EDGE)['objects'], 'Server')
        assert set(s['spec']['accessPolicy'] for s in edge.values()) == {'deny'}
        audit = by_kind(linkerd_policy_objects(role_default_apps(), EDGE, mode='audit')['objects'], 'Server')
        assert set(s['spec']['accessPolicy'] for s in audit.values()) == {'audit'}


class TestBadInput(object):
    def errors(self, app, version=EDGE, mode='enforce', deployments=None):
        plan = linkerd_policy_objects([app], version, deployments, mode)
        assert plan['objects'] == [] or not plan['errors']
        return plan['errors']

    def test_unknown_default_policy(self):
        app = emojivoto()
        app['default_inbound_policy'] = 'allow-all'
        errors = self.errors(app)
        assert len(errors) == 1 and 'policy_apps[emojivoto]' in errors[0] and "'allow-all'" in errors[0]

    def test_audit_refused_on_stable_2_14(self):
        app = emojivoto()
        app['default_inbound_policy'] = 'audit'
        assert 'edge-24.7.5' in self.errors(app, STABLE)[0]
        assert self.errors(app, EDGE) == []
        assert 'accessPolicy' in self.errors(emojivoto(), STABLE, mode='audit')[0]

    def test_port_not_in_app(self):
        app = emojivoto()
        app['servers'][1]['port'] = 'http'
        errors = self.errors(app)
        assert len(errors) == 1
        assert errors[0].startswith('policy_apps[emojivoto].servers[voting-grpc]: port ')
        assert 'workload voting' in errors[0]
        app['servers'][1]['port'] = 9999
        assert 'does not exist' in self.errors(app)[0]
        app['servers'][1]['port'] = 8080
        assert self.errors(app) == []

    def test_port_missing_in_live_deployment(self):
        live = {'emojivoto': [{'spec': {'template': {'metadata': {'labels': {'app': 'voting-svc'}},
                                                     'spec': {'containers': [{'ports': [{'name': 'grpc', 'containerPort': 8080}]}]}}}}]}
        errors = self.errors(emojivoto(), deployments=live)
        assert any('servers[emoji-grpc]' in e and 'no Deployment' in e for e in errors)
        assert any('servers[prom]' in e and 'has only grpc' in e for e in errors)

    def test_empty_client_list(self):
        app = emojivoto()
        app['servers'][0]['clients'] = []
        errors = self.errors(app)
        assert errors == ['policy_apps[emojivoto].servers[emoji-grpc]: clients is empty: a Server without clients '
                          'denies everything; list who may call it (service_account, identity or networks)']

    def test_other_mistakes_are_named(self):
        app = emojivoto()
        app['servers'][0]['clients'] = [{'service_account': 'web', 'networks': ['10.0.0.0/8']}]
        app['servers'][2]['clients'] = [{'networks': ['10.0.0.0/33']}]
        app['servers'][3]['workloads'] = ['emoji', 'nosuch']
        app['edges'].append({'src': 'web', 'dst': 'db'})
        errors = self.errors(app)
        assert len(errors) == 4, errors
        assert 'exactly one of' in errors[0] and "'10.0.0.0/33' is not a CIDR" in errors[1]
        assert 'nosuch' in errors[2] and "dst 'db'" in errors[3]

    def test_two_apps_one_namespace(self):
        apps = [emojivoto(), dict(emojivoto(), name='copy')]
        assert 'already used by app emojivoto' in linkerd_policy_validate(apps, EDGE)[0]

    def test_disabled_app_renders_nothing(self):
        app = emojivoto()
        app['enabled'] = False
        plan = linkerd_policy_objects([app], EDGE)
        assert plan['objects'] == [] and plan['errors'] == [] and plan['namespace_objects'] == []


class TestIdentitiesAndNamespaces(object):
    def test_client_from_another_namespace_and_raw_identity(self):
        app = emojivoto()
        app['servers'][4]['clients'] = [{'service_account': 'prometheus', 'namespace': 'linkerd-viz'},
                                        {'identity': '*'}]
        objs = linkerd_policy_objects([app], EDGE)['objects']
        mtls = by_kind(objs, 'MeshTLSAuthentication')
        assert mtls['admin-sa']['spec'] == {'identityRefs': [{'kind': 'ServiceAccount', 'name': 'prometheus',
                                                              'namespace': 'linkerd-viz'}]}
        assert mtls['admin-id']['spec'] == {'identities': ['*']}
        assert 'admin-net' not in by_kind(objs, 'NetworkAuthentication')


def obj(kind, name, ns='emojivoto', managed=True):
    labels = {'app.kubernetes.io/managed-by': 'meshlab-policy'} if managed else {}
    return {'apiVersion': 'policy.linkerd.io/v1alpha1', 'kind': kind,
            'metadata': {'name': name, 'namespace': ns, 'labels': labels}}


class TestStale(object):
    def test_dropped_objects_servers_first(self):
        desired = linkerd_policy_objects(role_default_apps(), EDGE)['objects']
        existing = desired + [obj('AuthorizationPolicy', 'old-sa'), obj('Server', 'old'),
                              obj('Server', 'theirs', managed=False)]
        stale = linkerd_policy_stale(existing, desired)
        assert [(s['kind'], s['name']) for s in stale] == [('Server', 'old'), ('AuthorizationPolicy', 'old-sa')]
        assert linkerd_policy_stale(desired, desired) == []

    def test_everything_when_no_app(self):
        desired = linkerd_policy_objects(role_default_apps(), STABLE)['objects']
        assert len(linkerd_policy_stale(desired, [])) == len(desired) == 15

    def test_namespaces_by_field_manager(self):
        ours = {'apiVersion': 'v1', 'kind': 'Namespace',
                'metadata': {'name': 'emojivoto', 'annotations': {'config.linkerd.io/default-inbound-policy': 'deny'},
                             'managedFields': [{'manager': 'meshlab-policy'}]}}
        theirs = copy.deepcopy(ours)
        theirs['metadata'].update(name='other', managedFields=[{'manager': 'kubectl'}])
        assert linkerd_policy_stale([ours, theirs], [])[0]['name'] == 'emojivoto'
        assert len(linkerd_policy_stale([ours, theirs], [])) == 1
        wanted = linkerd_policy_objects(role_default_apps(), EDGE)['namespace_objects']
        assert linkerd_policy_stale([ours, theirs], wanted) == []


def pod(deploy, policy=None, meshed=True, record=None, annotation=None, ns='emojivoto', phase='Running', deleting=False):
    h = '5d8f9c7b6'
    containers = [{'name': deploy + '-svc'}]
    if meshed:
        env = [{'name': 'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY', 'value': policy}] if policy else []
        containers.append({'name': 'linkerd-proxy', 'env': env})
    ann = {}
    if record:
        ann['policy.meshlab.io/default-inbound-policy'] = record
    if annotation:
        ann['config.linkerd.io/default-inbound-policy'] = annotation
    meta = {'name': '%s-%s-x1' % (deploy, h), 'namespace': ns, 'labels': {'pod-template-hash': h},
            'annotations': ann, 'ownerReferences': [{'kind': 'ReplicaSet', 'name': '%s-%s' % (deploy, h)}]}
    if deleting:
        meta['deletionTimestamp'] = '2026-12-01T20:00:00Z'
    return {'metadata': meta, 'spec': {'containers': containers}, 'status': {'phase': phase}}


class TestRestarts(object):
    def test_only_what_differs(self):
        pods = [pod('web', 'all-unauthenticated'), pod('voting', 'deny'), pod('voting', 'deny'),
                pod('emoji', 'all-unauthenticated', deleting=True), pod('vote-bot', meshed=False),
                pod('web', 'all-unauthenticated', ns='other')]
        out = linkerd_policy_restarts(pods, {'emojivoto': 'deny'})
        assert [(r['deployment'], r['from'], r['to']) for r in out] == [('web', 'all-unauthenticated', 'deny')]
        assert 'proxy env LINKERD2_PROXY_INBOUND_DEFAULT_POLICY' in out[0]['reason']

    def test_nothing_when_unchanged(self):
        pods = [pod(d, 'deny') for d in ('web', 'emoji', 'voting', 'vote-bot')]
        assert linkerd_policy_restarts(pods, {'emojivoto': 'deny'}) == []

    def test_env_wins_then_annotation_then_record(self):
        assert linkerd_policy_restarts([pod('web', 'deny', record='all-unauthenticated')], {'emojivoto': 'deny'}) == []
        assert linkerd_policy_restarts([pod('web', annotation='deny', record='audit')], {'emojivoto': 'deny'}) == []
        assert linkerd_policy_restarts([pod('web', record='deny')], {'emojivoto': 'deny'}) == []
        out = linkerd_policy_restarts([pod('web', record='all-unauthenticated')], {'emojivoto': 'deny'})
        assert out[0]['from'] == 'all-unauthenticated' and 'policy.meshlab.io' in out[0]['reason']

    def test_unknown_value_is_restarted(self):
        out = linkerd_policy_restarts([pod('web')], {'emojivoto': 'deny'})
        assert out[0]['from'] == 'unknown'

    def test_finished_and_ownerless_pods_left_alone(self):
        done = pod('web', 'all-unauthenticated', phase='Succeeded')
        bare = pod('web', 'all-unauthenticated')
        bare['metadata']['ownerReferences'] = []
        assert linkerd_policy_restarts([done, bare], {'emojivoto': 'deny'}) == []


def load(name):
    return json.loads(fixture(name))


class TestEdges(object):
    def test_all_secured(self):
        v = linkerd_policy_edges(load('viz_edges_emojivoto_secured.json'), emojivoto())
        assert v['ok'] and v['failures'] == [] and v['total'] == 4 and v['secured'] == 4

    def test_unsecured_edge_is_named(self):
        v = linkerd_policy_edges(load('viz_edges_emojivoto_unsecured.json'), emojivoto())
        assert not v['ok']
        assert v['failures'][0] == ('edge emojivoto/web -> emojivoto/voting is not secured by mTLS: '
                                    'Not Provided By Remote')
        assert v['secured'] == 3

    def test_missing_edge(self):
        v = linkerd_policy_edges(load('viz_edges_emojivoto_missing.json'), emojivoto())
        assert v['failures'] == ['edge emojivoto/web -> emojivoto/voting not seen (no open connection: '
                                 'is web sending traffic?)']

    def test_wrong_identity(self):
        v = linkerd_policy_edges(load('viz_edges_emojivoto_wrong_identity.json'), emojivoto())
        assert v['failures'] == ['edge emojivoto/web -> emojivoto/voting has identities default.emojivoto -> '
                                 'voting.emojivoto, expected web.emojivoto -> voting.emojivoto']

    def test_upstream_golden(self):
        v = linkerd_policy_edges(load('upstream_edges_one_output_json.golden'), emojivoto())
        assert v['ok'] and v['total'] == 3

    def test_no_edges(self):
        v = linkerd_policy_edges([], emojivoto())
        assert len(v['failures']) == 3

    def test_not_a_list(self):
        with pytest.raises(AnsibleFilterError):
            linkerd_policy_edges({'error': 'x'}, emojivoto())


class TestAuthz(object):
    def test_allowed(self):
        v = linkerd_policy_authz(load('viz_authz_voting_allowed.json'))
        assert v['unauthorized_rps'] == 0 and v['unauthorized_servers'] == []
        assert v['by_authorization']['authorizationpolicy/voting-grpc-sa'] == 1.0
        assert v['allowed_rps'] == 1.3 and v['rows'] == 4

    def test_denied(self):
        v = linkerd_policy_authz(load('viz_authz_voting_denied.json'))
        assert v['unauthorized_rps'] == 1.0
        assert v['unauthorized_servers'] == ['voting-grpc (route default): 1.0 rps unauthorized']

    def test_audit(self):
        v = linkerd_policy_authz(load('viz_authz_voting_audit.json'), 'audit')
        assert v['audit_rps'] == 0.1 and v['unauthorized_rps'] == 0 and v['allowed_rps'] == 0.9


class TestProbe(object):
    def test_denied_in_enforce(self):
        v = linkerd_policy_probe(fixture('grpcurl_permission_denied.log'), 1, 'Failed')
        assert v['ok'] and v['observed'] == 'denied'
        assert 'PermissionDenied' in v['detail']

    def test_reached_is_a_failure_in_enforce(self):
        v = linkerd_policy_probe(fixture('grpcurl_no_reflection.log'), 1, 'Failed')
        assert not v['ok'] and v['observed'] == 'reached'

    def test_audit_expects_reached(self):
        assert linkerd_policy_probe(fixture('grpcurl_no_reflection.log'), 1, 'Failed', 'audit')['ok']
        assert not linkerd_policy_probe(fixture('grpcurl_permission_denied.log'), 1, 'Failed', 'audit')['ok']

    def test_unreachable_proves_nothing(self):
        v = linkerd_policy_probe(fixture('grpcurl_unreachable.log'), 1, 'Failed')
        assert not v['ok'] and v['observed'] == 'unreachable'

    def test_not_finished(self):
        assert linkerd_policy_probe('', None, 'Pending')['observed'] == 'not finished'


class TestBooksapp(object):
    """booksapp is one more data entry (disabled until its stage is in the lab)."""

    def booksapp(self):
        app = copy.deepcopy([a for a in role_default_apps() if a['name'] == 'booksapp'][0])
        app['enabled'] = True
        return app

    def test_disabled_by_default(self):
        plan = linkerd_policy_objects(role_default_apps(), EDGE)
        assert 'booksapp' not in [n['namespace'] for n in plan['namespaces']]

    @pytest.mark.parametrize('version', [STABLE, EDGE])
    def test_enabled(self, version):
        plan = linkerd_policy_objects(role_default_apps()[:1] + [self.booksapp()], version)
        assert plan['errors'] == []
        mine = [o for o in plan['objects'] if o['metadata']['namespace'] == 'booksapp']
        assert sorted(by_kind(mine, 'Server')) == ['admin', 'authors-http', 'books-http', 'webapp-http']
        assert by_kind(mine, 'MeshTLSAuthentication')['authors-http-sa']['spec']['identityRefs'] == [
            {'kind': 'ServiceAccount', 'name': 'webapp'}, {'kind': 'ServiceAccount', 'name': 'books'}]
        assert plan['default_policies'] == {'emojivoto': 'all-unauthenticated', 'booksapp': 'all-unauthenticated'}

    def test_probe_needs_a_method_or_a_path(self):
        app = self.booksapp()
        del app['denial_probe']['http_path']
        assert linkerd_policy_validate([app], EDGE) == [
            'policy_apps[booksapp].denial_probe: give grpc_method (grpcurl) or http_path (curl)']

    def test_http_probe_verdicts(self):
        assert linkerd_policy_probe('HTTP 403\n', 0, 'Succeeded')['observed'] == 'denied'
        assert linkerd_policy_probe('HTTP 200\n', 0, 'Succeeded')['observed'] == 'reached'
        refused = 'curl: (7) Failed to connect to authors.booksapp port 7001 after 2 ms: Connection refused\nHTTP 000\n'
        assert linkerd_policy_probe(refused, 7, 'Failed')['observed'] == 'unreachable'
