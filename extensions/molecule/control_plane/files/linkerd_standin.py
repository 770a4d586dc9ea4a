# -*- coding: utf-8 -*-
# Copyright (c) meshlab.linkerd contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""STAND-IN for the Linkerd CLI, used by the molecule scenarios `control_plane`, `mesh_apps` and `site`
(via files/linkerd-standin).

It is NOT linkerd. It answers the commands the role runs with small, plausible output and
appends its argv, one JSON list a line, to LOG:
* `version --client --short`: the version in /etc/linkerd-standin/version, else edge-26.8.3;
* `install --crds` / `upgrade --crds`: one CustomResourceDefinition (policy.linkerd.io);
* `install` / `upgrade`: Namespace, ConfigMap linkerd-config (data.values holds linkerdVersion and
  the --values file), ConfigMap linkerd-identity-trust-roots and, for install, Secret
  linkerd-identity-issuer with the issuer certificate and key;
* `prune`: nothing to prune; `check`: a healthy one-category JSON document;
* `viz install [--values F] [--ignore-cluster | --skip-checks | --kubeconfig K]`: without
  --ignore-cluster/--skip-checks the real CLI first checks the control plane in the cluster; there
  is none here, so it fails like the real one without a reachable API server. Otherwise it prints a
  small, plausible linkerd-viz manifest: the Namespace (label linkerd.io/extension=viz, annotation
  viz.linkerd.io/external-prometheus when prometheusUrl is set), the web dashboard, the tap webhook
  Secret with a NEW key on every render (as the real chart regenerates it), and viz's own
  Prometheus only when prometheus.enabled is not false. Its values file is read with a tiny parser
  (no PyYAML on the test hosts): two levels of `key: value`.
Like the real CLI it refuses unknown flags, an identity flag without the other two, and a
cluster-less render without --ignore-cluster (no kubeconfig). Unlike the real CLI, `install`
also refuses to generate its own certificates: the role must always pass all three files.
"""

import base64
import json
import os
import re
import sys

STATE = os.environ.get('LINKERD_STANDIN_STATE', '/var/lib/linkerd-standin')
LOG = os.path.join(STATE, 'argv.log')
VERSION_FILE = '/etc/linkerd-standin/version'
IDENTITY = ('--identity-trust-anchors-file', '--identity-issuer-certificate-file', '--identity-issuer-key-file')
VALUE_FLAGS = {'--kubeconfig', '--context', '--linkerd-namespace', '-L', '--values', '-f', '--output', '-o',
               '--expected-version', '--wait'} | set(IDENTITY)
BOOL_FLAGS = {'--crds', '--ignore-cluster', '--pre', '--proxy', '--force'}

CRD = '''apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servers.policy.linkerd.io
  annotations:
    linkerd.io/created-by: linkerd/cli {version}
  labels:
    linkerd.io/control-plane-ns: {ns}
spec:
  group: policy.linkerd.io
  names:
    kind: Server
    listKind: ServerList
    plural: servers
    singular: server
    shortNames: [srv]
  scope: Namespaced
  versions:
    - name: v1beta3
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-preserve-unknown-fields: true
'''

CONTROL_PLANE = '''apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
  annotations:
    linkerd.io/inject: disabled
  labels:
    linkerd.io/is-control-plane: "true"
    config.linkerd.io/admission-webhooks: disabled
    linkerd.io/control-plane-ns: {ns}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: linkerd-config
  namespace: {ns}
  annotations:
    linkerd.io/created-by: linkerd/cli {version}
  labels:
    linkerd.io/control-plane-component: controller
    linkerd.io/control-plane-ns: {ns}
data:
  values: |
{values}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: linkerd-identity-trust-roots
  namespace: {ns}
  annotations:
    linkerd.io/created-by: linkerd/cli {version}
data:
  ca-bundle.crt: |
{anchors}
'''

ISSUER_SECRET = '''---
apiVersion: v1
kind: Secret
metadata:
  name: linkerd-identity-issuer
  namespace: {ns}
  annotations:
    linkerd.io/created-by: linkerd/cli {version}
    linkerd.io/identity-issuer-expiry: "2027-11-27T00:00:00Z"
type: kubernetes.io/tls
data:
  ca.crt: {ca}
  tls.crt: {crt}
  tls.key: {key}
'''


def fail(msg, rc=1):
    sys.stderr.write('Error: %s\n' % msg)
    sys.exit(rc)


def indent(text, n=4):
    return '\n'.join((' ' * n + line) if line else '' for line in text.rstrip('\n').split('\n'))


def read(path, what):
    try:
        with open(path, encoding='utf-8') as f:
            return f.read()
    except OSError as e:
        fail('failed to read the %s file %s: %s' % (what, path, e.strerror))


def parse(args):
    flags = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a in BOOL_FLAGS:
            flags[a] = True
            i += 1
        elif a in VALUE_FLAGS:
            if i + 1 >= len(args):
                fail('flag needs an argument: %s' % a)
            flags[a] = args[i + 1]
            i += 2
        else:
            fail('unknown flag: %s' % a)
    return flags


def version():
    if os.path.exists(VERSION_FILE):
        return read(VERSION_FILE, 'version').strip()
    return 'edge-26.8.3'


def need_cluster(flags):
    if flags.get('--ignore-cluster'):
        return
    kubeconfig = flags.get('--kubeconfig') or os.environ.get('KUBECONFIG') or os.path.expanduser('~/.kube/config')
    if not os.path.isfile(kubeconfig):
        fail('error configuring Kubernetes API client: stat %s: no such file or directory' % kubeconfig)
    fail('STAND-IN: no cluster can be reached here; render with --ignore-cluster')


def render(cmd, flags):
    ns = flags.get('--linkerd-namespace', flags.get('-L', 'linkerd'))
    ver = version()
    if flags.get('--crds'):
        sys.stdout.write(CRD.format(version=ver, ns=ns))
        return 0
    if cmd == 'upgrade' and flags.get('--ignore-cluster'):
        fail('unknown flag: --ignore-cluster')
    given = [f for f in IDENTITY if f in flags]
    if cmd == 'install':
        if given and '--identity-trust-anchors-file' not in flags:
            fail('a trust anchors file must be specified if other credentials are provided')
        if given and len(given) != 3:
            fail('a certificate file and a key file must be specified if other credentials are provided')
        if not given:
            fail('STAND-IN: refusing to generate certificates; pass ' + ', '.join(IDENTITY))
    elif given:
        sys.stderr.write('warning: passing identity files to upgrade rotates the trust anchor\n')
    values = 'linkerdVersion: %s\n' % ver
    if flags.get('--values') or flags.get('-f'):
        values += read(flags.get('--values') or flags['-f'], 'values')
    anchors = '# trust anchors are kept in the cluster (linkerd-config-overrides)\n'
    if given:
        anchors = read(flags['--identity-trust-anchors-file'], 'trust anchors')
        if '-----BEGIN CERTIFICATE-----' not in anchors:
            fail('failed to read trust anchors: not a PEM certificate')
    sys.stdout.write(CONTROL_PLANE.format(ns=ns, version=ver, values=indent(values), anchors=indent(anchors)))
    if given:
        def b64(path, what):
            return base64.b64encode(read(path, what).encode()).decode()
        sys.stdout.write(ISSUER_SECRET.format(
            ns=ns, version=ver,
            ca=b64(flags['--identity-trust-anchors-file'], 'trust anchors'),
            crt=b64(flags['--identity-issuer-certificate-file'], 'issuer certificate'),
            key=b64(flags['--identity-issuer-key-file'], 'issuer key')))
    return 0


def read_values(path):
    """{'a': 'x', 'b.c': 'y'} from a two-level YAML mapping (enough for the role's values.yaml)."""
    values, parent = {}, None
    with open(path, encoding='utf-8') as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            m = re.match(r'^(\s*)([A-Za-z0-9_.-]+):\s*(.*?)\s*$', line)
            if not m:
                continue
            indent, key, value = m.groups()
            if not indent:
                parent = key
                if value:
                    values[key] = value.strip('\'"')
            elif parent and value:
                values[parent + '.' + key] = value.strip('\'"')
    return values


def doc(lines):
    return '---\n' + '\n'.join(lines) + '\n'


def viz_install(argv):
    opts, i = {}, 0
    while i < len(argv):
        a = argv[i]
        if a in ('--ignore-cluster', '--skip-checks', '--ha'):
            opts[a] = True
            i += 1
        elif a in ('--values', '-f', '--kubeconfig', '--context', '--set', '--wait', '-o', '--output',
                   '--linkerd-namespace', '-L') and i + 1 < len(argv):
            opts.setdefault(a, [])
            opts[a].append(argv[i + 1])
            i += 2
        else:
            fail('unknown flag: %s' % a)
    if '--ignore-cluster' not in opts and '--skip-checks' not in opts:
        sys.stdout.write('kubernetes-api\n--------------\n\u00d7 can initialize the client\n'
                         '    error configuring Kubernetes API client: no cluster in this test (STAND-IN)\n')
        sys.exit(1)
    values = {}
    for path in opts.get('--values', []) + opts.get('-f', []):
        if not os.path.isfile(path):
            fail('open %s: no such file or directory' % path)
        values.update(read_values(path))
    prom_url = values.get('prometheusUrl', '')
    # the real CLI sets the chart value linkerdNamespace from --linkerd-namespace (default linkerd)
    linkerd_ns = (opts.get('--linkerd-namespace', []) + opts.get('-L', []) + ['linkerd'])[0]
    own_prometheus = values.get('prometheus.enabled', 'true') != 'false'
    grafana = values.get('grafana.url', '')
    replicas = values.get('dashboard.replicas', '1')
    key = base64.b64encode(os.urandom(48)).decode()
    out = []
    ns = ['apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: linkerd-viz', '  labels:',
          '    linkerd.io/extension: viz', '    pod-security.kubernetes.io/enforce: privileged',
          '  annotations:', '    linkerd.io/inject: enabled', '    config.linkerd.io/proxy-await: "enabled"']
    if prom_url:
        ns.append('    viz.linkerd.io/external-prometheus: "%s"' % prom_url)
    out.append(doc(ns))
    out.append(doc(['apiVersion: v1', 'kind: ServiceAccount', 'metadata:', '  name: web', '  namespace: linkerd-viz',
                    '  labels:', '    linkerd.io/extension: viz', '    component: web']))
    out.append(doc(['apiVersion: v1', 'kind: Secret', 'type: kubernetes.io/tls', 'metadata:', '  name: tap-k8s-tls',
                    '  namespace: linkerd-viz', 'data:', '  tls.crt: %s' % key, '  tls.key: %s' % key]))
    out.append(doc(['apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', '  namespace: linkerd-viz',
                    '  labels:', '    linkerd.io/extension: viz', '    component: web', 'spec:', '  type: ClusterIP',
                    '  selector:', '    linkerd.io/extension: viz', '    component: web', '  ports:',
                    '  - name: http', '    port: 8084', '    targetPort: 8084',
                    '  - name: admin', '    port: 9994', '    targetPort: 9994']))
    args = ['        - -linkerd-metrics-api-addr=metrics-api.linkerd-viz.svc.cluster.local:8085',
            '        - -cluster-domain=cluster.local', '        - -controller-namespace=%s' % linkerd_ns,
            '        - -viz-namespace=linkerd-viz', '        - -log-level=info',
            '        - -enforced-host=^(localhost|127\\.0\\.0\\.1|web\\.linkerd-viz\\.svc\\.cluster\\.local|web\\.linkerd-viz\\.svc|\\[::1\\])(:\\d+)?$']
    if grafana:
        args.insert(0, '        - -grafana-addr=%s' % grafana)
    web = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', '  namespace: linkerd-viz',
           '  labels:', '    linkerd.io/extension: viz', '    component: web', 'spec:',
           '  replicas: %s' % replicas, '  selector:', '    matchLabels:',
           '      linkerd.io/extension: viz', '      component: web', '  template:', '    metadata:',
           '      annotations:', '        checksum/config: "%s"' % base64.b16encode(os.urandom(8)).decode().lower(),
           '      labels:', '        linkerd.io/extension: viz', '        component: web', '    spec:',
           '      serviceAccountName: web', '      containers:', '      - name: web',
           '        image: cr.l5d.io/linkerd/web:%s' % version(), '        args:']
    web.extend(args)
    web.extend(['        ports:', '        - name: http', '          containerPort: 8084',
                '        - name: admin', '          containerPort: 9994'])
    out.append(doc(web))
    if own_prometheus:
        out.append(doc(['apiVersion: v1', 'kind: Service', 'metadata:', '  name: prometheus', '  namespace: linkerd-viz',
                        'spec:', '  selector:', '    component: prometheus', '  ports:',
                        '  - name: admin', '    port: 9090', '    targetPort: 9090']))
        out.append(doc(['apiVersion: policy.linkerd.io/v1beta3', 'kind: Server', 'metadata:', '  name: prometheus-admin',
                        '  namespace: linkerd-viz', 'spec:', '  podSelector:', '    matchLabels:',
                        '      component: prometheus', '  port: 9090', '  proxyProtocol: HTTP/1']))
    sys.stdout.write(''.join(out))
    return 0


def main(argv):
    os.makedirs(STATE, exist_ok=True)
    with open(LOG, 'a', encoding='utf-8') as f:
        f.write(json.dumps(argv) + '\n')
    if not argv:
        fail('a command is required')
    cmd, flags = argv[0], None
    if argv[:2] == ['viz', 'install']:
        return viz_install(argv[2:])
    if cmd == 'version':
        if argv[1:] != ['--client', '--short']:
            fail('STAND-IN only answers version --client --short')
        print(version())
        return 0
    if cmd in ('install', 'upgrade'):
        flags = parse(argv[1:])
        need_cluster(flags)
        return render(cmd, flags)
    if cmd == 'prune':
        flags = parse(argv[1:])
        need_cluster(flags)
        return 0
    if cmd == 'check':
        flags = parse(argv[1:])
        need_cluster(flags)
        print(json.dumps({'success': True, 'categories': [{'categoryName': 'kubernetes-api', 'checks': [
            {'description': 'can initialize the client', 'hint': 'https://linkerd.io/2/checks/#k8s-api', 'result': 'success'}]}]}))
        return 0
    fail('unknown command "%s" for "linkerd"' % cmd)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
