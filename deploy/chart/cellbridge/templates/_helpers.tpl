{{/* Names: the release's fullname, cut to the 63 characters a label value allows. */}}
{{- define "cellbridge.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cellbridge.workerName" -}}{{ include "cellbridge.fullname" . | trunc 56 | trimSuffix "-" }}-worker{{- end -}}
{{- define "cellbridge.istioReleasesName" -}}{{ include "cellbridge.fullname" . | trunc 48 | trimSuffix "-" }}-istio-releases{{- end -}}
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

{{/* What the chart refuses to render: settings the processes would refuse at start. */}}
{{- define "cellbridge.validate" -}}
{{- if and .Values.temporal.tls.clientSecret (not (and .Values.temporal.tls.certKey .Values.temporal.tls.keyKey)) -}}
{{- fail "temporal.tls.certKey and temporal.tls.keyKey: name the client certificate's and key's entries of temporal.tls.clientSecret" -}}
{{- end -}}
{{- if not .Values.codec.existingSecret -}}
{{- fail "codec.existingSecret: name the Secret holding the payload codec's keyring (README \"Deploy\")" -}}
{{- end -}}
{{- if not .Values.istio.releases -}}
{{- fail "istio.releases: list at least one Istio release the worker installs (README \"Istio releases\")" -}}
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
{{- include "cellbridge.temporalCredentialsEnv" . }}
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
- name: CELLBRIDGE_ISTIO_RELEASES
  value: /etc/cellbridge/istio/releases.json
{{- with .Values.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
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

{{/*
  Temporal's TLS and API key (README "Configuration"): files of existing Secrets, each Secret
  mounted whole (not by subPath) so the kubelet's updates reach the processes, which re-read them.
*/}}
{{- define "cellbridge.temporalCredentialsEnv" -}}
{{- $tls := .Values.temporal.tls }}
{{- if $tls.enabled }}
- name: TEMPORAL_TLS
  value: "1"
{{- end }}
{{- with $tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- if $tls.serverCaSecret }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: /etc/cellbridge/temporal-ca/{{ $tls.serverCaKey }}
{{- end }}
{{- if $tls.clientSecret }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: /etc/cellbridge/temporal-client/{{ $tls.certKey }}
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: /etc/cellbridge/temporal-client/{{ $tls.keyKey }}
{{- end }}
{{- if .Values.temporal.apiKey.existingSecret }}
- name: TEMPORAL_API_KEY_PATH
  value: /etc/cellbridge/temporal-api-key/{{ .Values.temporal.apiKey.key }}
{{- end }}
{{- end -}}

{{- define "cellbridge.temporalVolumeMounts" -}}
{{- if .Values.temporal.tls.serverCaSecret }}
- name: temporal-ca
  mountPath: /etc/cellbridge/temporal-ca
  readOnly: true
{{- end }}
{{- if .Values.temporal.tls.clientSecret }}
- name: temporal-client
  mountPath: /etc/cellbridge/temporal-client
  readOnly: true
{{- end }}
{{- if .Values.temporal.apiKey.existingSecret }}
- name: temporal-api-key
  mountPath: /etc/cellbridge/temporal-api-key
  readOnly: true
{{- end }}
{{- end -}}

{{- define "cellbridge.temporalVolumes" -}}
{{- if .Values.temporal.tls.serverCaSecret }}
- name: temporal-ca
  secret:
    secretName: {{ .Values.temporal.tls.serverCaSecret }}
{{- end }}
{{- if .Values.temporal.tls.clientSecret }}
- name: temporal-client
  secret:
    secretName: {{ .Values.temporal.tls.clientSecret }}
{{- end }}
{{- if .Values.temporal.apiKey.existingSecret }}
- name: temporal-api-key
  secret:
    secretName: {{ .Values.temporal.apiKey.existingSecret }}
{{- end }}
{{- end -}}

{{/* The Istio releases (istio.releases) as the file CELLBRIDGE_ISTIO_RELEASES names, in both processes. */}}
{{- define "cellbridge.istioReleasesVolumeMount" -}}
- name: istio-releases
  mountPath: /etc/cellbridge/istio
  readOnly: true
{{- end -}}

{{- define "cellbridge.istioReleasesVolume" -}}
- name: istio-releases
  configMap:
    name: {{ include "cellbridge.istioReleasesName" . }}
{{- end -}}
