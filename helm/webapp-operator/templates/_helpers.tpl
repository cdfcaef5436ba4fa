{{/*
Names, labels and the decisions several templates share.
*/}}

{{- define "webapp-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name, at most 63 characters (a DNS label). */}}
{{- define "webapp-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "webapp-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "webapp-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "webapp-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "webapp-operator.labels" -}}
helm.sh/chart: {{ include "webapp-operator.chart" . }}
{{ include "webapp-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: kubecpp
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "webapp-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "webapp-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "webapp-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{/*
"true" when the manager elects a leader: leaderElection.enabled "auto" means exactly
when there is more than one replica. Disabling it with several replicas is refused.
*/}}
{{- define "webapp-operator.leaderElect" -}}
{{- $setting := .Values.leaderElection.enabled -}}
{{- $replicas := int .Values.replicaCount -}}
{{- if kindIs "bool" $setting -}}
{{- if and (not $setting) (gt $replicas 1) -}}
{{- fail "leaderElection.enabled=false with replicaCount > 1: the replicas would all reconcile the same objects" -}}
{{- end -}}
{{- if $setting }}true{{ end -}}
{{- else if eq (toString $setting) "auto" -}}
{{- if gt $replicas 1 }}true{{ end -}}
{{- else -}}
{{- fail (printf "leaderElection.enabled must be auto, true or false, not %v" $setting) -}}
{{- end -}}
{{- end }}

{{/* The ":port" bind address of metrics, or "0" (off). */}}
{{- define "webapp-operator.metricsAddress" -}}
{{- if .Values.metrics.enabled }}{{ printf ":%d" (int .Values.metrics.port) }}{{ else }}0{{ end -}}
{{- end }}
