# STAND-IN (tests/cluster/charts/README.md): Deployment (admin Secret, dashboard ConfigMaps) and Service only.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: {app.kubernetes.io/name: grafana, app.kubernetes.io/instance: {{ .Release.Name }}, meshlab-test: stand-in}
spec:
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/name: grafana, app.kubernetes.io/instance: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: grafana, app.kubernetes.io/instance: {{ .Release.Name }}}
      annotations:
        checksum/values: {{ toJson .Values | sha256sum }}
    spec:
      containers:
        - name: grafana
          image: docker.io/grafana/grafana:{{ .Chart.AppVersion }}
          ports: [{name: grafana, containerPort: 3000}]
          env:
            - name: GF_SECURITY_ADMIN_USER
              valueFrom: {secretKeyRef: {name: {{ required "admin.existingSecret" .Values.admin.existingSecret }}, key: {{ .Values.admin.userKey }}}}
            - name: GF_SECURITY_ADMIN_PASSWORD
              valueFrom: {secretKeyRef: {name: {{ .Values.admin.existingSecret }}, key: {{ .Values.admin.passwordKey }}}}
          volumeMounts:
            {{- range $provider, $maps := .Values.dashboardsConfigMaps }}
            - name: dashboards-{{ $provider }}
              mountPath: /var/lib/grafana/dashboards/{{ $provider }}
            {{- end }}
      volumes:
        {{- range $provider, $map := .Values.dashboardsConfigMaps }}
        - name: dashboards-{{ $provider }}
          configMap: {name: {{ $map }}}
        {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
  labels: {app.kubernetes.io/name: grafana, meshlab-test: stand-in}
spec:
  type: {{ .Values.service.type }}
  selector: {app.kubernetes.io/name: grafana, app.kubernetes.io/instance: {{ .Release.Name }}}
  ports:
    - name: service
      port: {{ .Values.service.port }}
      targetPort: 3000
      {{- if and (eq .Values.service.type "NodePort") .Values.service.nodePort }}
      nodePort: {{ .Values.service.nodePort }}
      {{- end }}
