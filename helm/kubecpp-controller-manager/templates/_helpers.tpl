{{/*
Names, labels and the decisions several templates share.
*/}}

{{- define "kubecpp-controller-manager.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name, at most 63 characters (a DNS label). */}}
{{- define "kubecpp-controller-manager.fullname" -}}
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

{{- define "kubecpp-controller-manager.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kubecpp-controller-manager.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubecpp-controller-manager.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kubecpp-controller-manager.labels" -}}
helm.sh/chart: {{ include "kubecpp-controller-manager.chart" . }}
{{ include "kubecpp-controller-manager.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: controller-manager
app.kubernetes.io/part-of: kubecpp
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "kubecpp-controller-manager.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kubecpp-controller-manager.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kubecpp-controller-manager.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{/*
The controllers the binary knows, in the order of its --help.
*/}}
{{- define "kubecpp-controller-manager.knownControllers" -}}
namespace garbagecollector replicaset deployment endpoints endpointslice podsim
{{- end }}

{{/*
"true" when the controller named .name runs under the list .controllers, else "".
The binary's rule (controllers/controller_manager/flags.cc ControllerEnabled): the
first entry that names the controller decides ("name" on, "-name" off); otherwise "*"
turns it on, except podsim, which is off by default. Also checks every entry is a known
controller, as the binary does, so a typo fails at render time and not in a crash loop.
Call as: include "kubecpp-controller-manager.enabled" (dict "name" "podsim" "controllers" .Values.controllers)
*/}}
{{- define "kubecpp-controller-manager.enabled" -}}
{{- $name := .name -}}
{{- $known := splitList " " (include "kubecpp-controller-manager.knownControllers" .) -}}
{{- $decided := false -}}
{{- $on := false -}}
{{- $star := false -}}
{{- range .controllers -}}
{{- $entry := toString . -}}
{{- if and (ne $entry "*") (not (has (trimPrefix "-" $entry) $known)) -}}
{{- fail (printf "controllers: unknown controller %q (known: %s, and \"*\")" $entry (join ", " $known)) -}}
{{- end -}}
{{- if not $decided -}}
{{- if eq $entry $name -}}
{{- $decided = true -}}
{{- $on = true -}}
{{- else if eq $entry (printf "-%s" $name) -}}
{{- $decided = true -}}
{{- else if eq $entry "*" -}}
{{- $star = true -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (not $decided) $star (ne $name "podsim") -}}
{{- $on = true -}}
{{- end -}}
{{- if $on }}true{{ end -}}
{{- end }}

{{/* "true" when the named controller runs under .Values.controllers. Call with (list $ "name"). */}}
{{- define "kubecpp-controller-manager.on" -}}
{{- $root := index . 0 -}}
{{- include "kubecpp-controller-manager.enabled" (dict "name" (index . 1) "controllers" $root.Values.controllers) -}}
{{- end }}

{{/*
"true" when the manager elects a leader: leaderElection.enabled "auto" means exactly
when there is more than one replica. Disabling it with several replicas is refused.
*/}}
{{- define "kubecpp-controller-manager.leaderElect" -}}
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

{{- define "kubecpp-controller-manager.leaseName" -}}
{{- default (include "kubecpp-controller-manager.fullname" .) .Values.leaderElection.resourceName }}
{{- end }}

{{/* The ":port" bind address of metrics, or "0" (off). */}}
{{- define "kubecpp-controller-manager.metricsAddress" -}}
{{- if .Values.metrics.enabled }}{{ printf ":%d" (int .Values.metrics.port) }}{{ else }}0{{ end -}}
{{- end }}
