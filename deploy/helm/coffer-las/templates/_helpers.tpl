{{- define "coffer-las.labels" -}}
app.kubernetes.io/name: coffer-las
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
