{{/* Names: the release's fullname, cut to the 63 characters a label value allows. */}}
{{- define "cellbridge.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cellbridge.workerName" -}}{{ include "cellbridge.fullname" . | trunc 56 | trimSuffix "-" }}-worker{{- end -}}
{{- define "cellbridge.apiName" -}}{{ include "cellbridge.fullname" . | trunc 59 | trimSuffix "-" }}-api{{- end -}}

{{- define "cellbridge.workerServiceAccount" -}}
{{- .Values.worker.serviceAccount.name | default (include "cellbridge.workerName" .) -}}
{{- end -}}
{{- define "cellbridge.apiServiceAccount" -}}
{{- .Values.api.serviceAccount.name | default (include "cellbridge.apiName" .) -}}
{{- end -}}

{{/* The labels a component's pods are selected by; never change between upgrades. */}}
{{- define "cellbridge.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "cellbridge.labels" -}}
{{ include "cellbridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "cellbridge.image" -}}
{{- with .Values.image -}}
{{- if .digest -}}{{ .repository }}@{{ .digest }}{{- else -}}{{ .repository }}:{{ .tag | default $.Chart.AppVersion }}{{- end -}}
{{- end -}}
{{- end -}}

{{/*
  What the chart refuses to render: settings the processes would refuse at start (no API
  authentication) or silently ignore (a Temporal TLS connection, not supported yet).
*/}}
{{- define "cellbridge.validate" -}}
{{- if .Values.temporal.tls -}}
{{- fail "temporal.tls: the worker and the API cannot connect to Temporal with TLS, mTLS or an API key yet (domain/settings.ts); leave temporal.tls empty" -}}
{{- end -}}
{{- if not .Values.codec.existingSecret -}}
{{- fail "codec.existingSecret: name the Secret holding the payload codec's keyring (README \"Deploy\")" -}}
{{- end -}}
{{- if and (not .Values.api.auth.tokenSecret.name) (not .Values.api.auth.oidc.issuer) -}}
{{- fail "api.auth: set tokenSecret.name (a Secret with the API token) or oidc.issuer; the API refuses to start without authentication off loopback" -}}
{{- end -}}
{{- end -}}

{{/* Environment both processes read: Temporal, the payload codec, the metrics host. */}}
{{- define "cellbridge.commonEnv" -}}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: CELLBRIDGE_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
- name: CELLBRIDGE_CODEC_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ .Values.codec.existingSecret }}
      key: {{ .Values.codec.keysKey }}
{{- with .Values.codec.currentKeyId }}
- name: CELLBRIDGE_CODEC_KEY_ID
  value: {{ . | quote }}
{{- end }}
- name: CELLBRIDGE_METRICS_HOST
  value: {{ .Values.metrics.host | quote }}
{{- end -}}

{{/* prometheus.io annotations for a pod whose cellbridge metrics are on `port`. */}}
{{- define "cellbridge.scrapeAnnotations" -}}
{{- if and .root.Values.metrics.scrapeAnnotations .port -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end -}}
{{- end -}}

{{/* /tmp: the one writable place of a read-only root filesystem. */}}
{{- define "cellbridge.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}
