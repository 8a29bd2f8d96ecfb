{{- define "mariadb.labels" -}}
app.kubernetes.io/name: coffer-mariadb
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The database session: Coffer's coffer.configId or SCONE's scone.attestation.config_id. */}}
{{- define "mariadb.configId" -}}
{{- $coffer := .Values.coffer.configId -}}
{{- $scone := .Values.scone.attestation.config_id -}}
{{- if and $coffer $scone (ne $coffer $scone) -}}
{{- fail (printf "coffer.configId=%s and scone.attestation.config_id=%s differ: set one of them" $coffer $scone) -}}
{{- end -}}
{{- $id := default $scone $coffer -}}
{{- if not $id -}}
{{- fail "set the database session: --set coffer.configId=$DBSESSION (or scone.attestation.config_id)" -}}
{{- end -}}
{{- if contains "/" $id -}}
{{- fail (printf "coffer.configId=%s: give the session only; the chart adds /mariadb, /primary, /replica and /proxy" $id) -}}
{{- end -}}
{{- $id -}}
{{- end }}

{{- define "mariadb.scalable" -}}
{{- if or .Values.scalable (gt (int .Values.replicas) 0) }}true{{ end -}}
{{- end }}

{{/* "true" when the scalable variant's pods spread over nodes. */}}
{{- define "mariadb.spread" -}}
{{- if not (has .Values.placement (list "together" "spread")) -}}
{{- fail (printf "placement=%s: use together (all pods on the primary's node) or spread (each database server on a node of its own)" (toString .Values.placement)) -}}
{{- end -}}
{{- if and (include "mariadb.scalable" .) (eq .Values.placement "spread") }}true{{ end -}}
{{- end }}

{{/* The DNS domain of the database servers' headless Service (spread). */}}
{{- define "mariadb.dbDomain" -}}
{{ .Release.Name }}-db.{{ .Release.Namespace }}.svc.{{ .Values.clusterDomain }}
{{- end }}

{{- define "mariadb.pdbApiVersion" -}}
{{- /* policy/v1 came with Kubernetes 1.21 */ -}}
{{- if semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version -}}
policy/v1
{{- else -}}
policy/v1beta1
{{- end -}}
{{- end }}

{{/* The pod settings every database pod shares. */}}
{{- define "mariadb.podCommon" -}}
automountServiceAccountToken: false
enableServiceLinks: false
hostNetwork: true
dnsPolicy: ClusterFirstWithHostNet
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  # The LAS's socket is open to this group only.
  supplementalGroups: [{{ .Values.las.group }}]
  # `coffer run` gives the service its files in a private mount namespace:
  # as a non-root user, that is unshare(CLONE_NEWUSER | CLONE_NEWNS), which
  # the container runtimes' default seccomp profiles refuse.
  seccompProfile: {type: Unconfined}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The container settings of every `coffer run` container. */}}
{{- define "mariadb.containerCommon" -}}
image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: {drop: [ALL]}
{{- end }}

{{/* Addresses only: where the CAS and the LAS are, and the pod's name. */}}
{{- define "mariadb.runEnv" -}}
- {name: COFFER_CAS_ADDR, value: {{ .Values.cas.address | quote }}}
- {name: COFFER_LAS_ADDR, value: /run/coffer-las/las.sock}
- name: POD_NAME
  valueFrom: {fieldRef: {fieldPath: metadata.name}}
{{- end }}

{{/* /run/coffer: where `coffer run` lays the service's files over, in
its own mount namespace. A directory of its own, because as a non-root user
the kernel refuses an overlay whose lower directory holds mounts inherited
from the container (/run holds the LAS's). */}}
{{- define "mariadb.runMounts" -}}
- {name: las, mountPath: /run/coffer-las, readOnly: true}
- {name: files, mountPath: /run/coffer}
- {name: tmp, mountPath: /tmp}
{{- end }}

{{- define "mariadb.runVolumes" -}}
- name: las
  hostPath: {path: {{ .Values.las.socketDir }}, type: Directory}
- name: files
  emptyDir: {medium: Memory, sizeLimit: 16Mi}
- name: tmp
  emptyDir: {medium: Memory}
{{- end }}

{{/* Where a pod of COMPONENT goes: (list . COMPONENT). Together: on the
primary's node, whose loopback the templates use by default. Spread: no two
database servers on one node (a node lost takes one copy of the data at
most), and proxies apart where the cluster has room. */}}
{{- define "mariadb.placement" -}}
{{- $ := index . 0 -}}
{{- $component := index . 1 -}}
{{- if include "mariadb.spread" $ }}
{{- if has $component (list "primary" "replica") }}
affinity:
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "mariadb.labels" $ | nindent 12 }}
            coffer.io/role: database
{{- else if eq $component "proxy" }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "mariadb.labels" $ | nindent 14 }}
              app.kubernetes.io/component: proxy
{{- end }}
{{- else if ne $component "primary" }}
affinity:
  podAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "mariadb.labels" $ | nindent 12 }}
            app.kubernetes.io/component: primary
{{- end }}
{{- end }}

{{- define "mariadb.dataClaim" -}}
volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      {{- with .Values.mariadb.persistence.storageClassName }}
      storageClassName: {{ . }}
      {{- end }}
      resources:
        requests:
          storage: {{ .Values.mariadb.persistence.size }}
{{- end }}

{{/* An exec probe: is 127.0.0.1:PORT open? (TLS-only ports: a TCP connect
is all a probe can do; the pods' loopback is the node's.) */}}
{{- define "mariadb.portProbe" -}}
exec:
  command: [bash, -c, {{ printf "exec 3<>/dev/tcp/127.0.0.1/%s" . | quote }}]
{{- end }}
