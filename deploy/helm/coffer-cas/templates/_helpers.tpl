{{- define "coffer-cas.labels" -}}
app.kubernetes.io/name: coffer-cas
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The members: 1 with SQLite, `members` on etcd. */}}
{{- define "coffer-cas.members" -}}
{{- if eq .Values.store "etcd" -}}
{{- if not .Values.etcd.endpoints -}}
{{- fail "store=etcd needs etcd.endpoints (HOST:PORT of etcd's client URLs)" -}}
{{- end -}}
{{- if not .Values.etcd.tlsSecret -}}
{{- fail "store=etcd needs etcd.tlsSecret: Coffer talks to etcd over TLS with a client certificate only" -}}
{{- end -}}
{{- .Values.members -}}
{{- else if eq .Values.store "sqlite" -}}
{{- if gt (int .Values.members) 1 -}}
{{- fail "store=sqlite has one member: several members share a state on etcd (store=etcd)" -}}
{{- end -}}
1
{{- else -}}
{{- fail (printf "store=%s: write sqlite or etcd" .Values.store) -}}
{{- end -}}
{{- end }}

{{- define "coffer-cas.pdbApiVersion" -}}
{{- /* policy/v1 came with Kubernetes 1.21 */ -}}
{{- if semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version -}}
policy/v1
{{- else -}}
policy/v1beta1
{{- end -}}
{{- end }}
