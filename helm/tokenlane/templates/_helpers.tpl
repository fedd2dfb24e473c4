{{/* The chart's name, or nameOverride. */}}
{{- define "tokenlane.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name; the headless Service appends "-hazelcast", so keep room for it (63 - 10). */}}
{{- define "tokenlane.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 53 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 53 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 53 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "tokenlane.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "tokenlane.labels" -}}
helm.sh/chart: {{ include "tokenlane.chart" . }}
{{ include "tokenlane.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the gateway's pods (never change them across upgrades). */}}
{{- define "tokenlane.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tokenlane.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount the pods run as. */}}
{{- define "tokenlane.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tokenlane.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The gateway's image, tagged with the appVersion unless image.tag is set. */}}
{{- define "tokenlane.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The headless Service through whose DNS the members find each other. */}}
{{- define "tokenlane.headlessServiceName" -}}
{{- printf "%s-hazelcast" (include "tokenlane.fullname" .) }}
{{- end }}

{{/* Its fully qualified name: cluster.kubernetesServiceDns of the gateway's configuration. */}}
{{- define "tokenlane.kubernetesServiceDns" -}}
{{- printf "%s.%s.svc.%s" (include "tokenlane.headlessServiceName" .) .Release.Namespace .Values.clusterDomain }}
{{- end }}

{{/* "true" when the members form a cluster: asked for, more than one replica, or autoscaled. */}}
{{- define "tokenlane.clustered" -}}
{{- if or .Values.cluster.enabled (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled }}true{{ end }}
{{- end }}

{{/* The environment variable that carries a provider's API key: OPENAI_API_KEY for provider "openai". */}}
{{- define "tokenlane.providerKeyEnv" -}}
{{- $secret := .provider.apiKeySecret }}
{{- default (printf "%s_API_KEY" (.name | upper | replace "-" "_" | replace "." "_")) $secret.env }}
{{- end }}

{{/* Where auth.keysFile is mounted. */}}
{{- define "tokenlane.keysFilePath" -}}
/secrets/auth/keys.yaml
{{- end }}

{{/* Seconds the pod gets between SIGTERM and SIGKILL: preStop sleep + shutdown grace + margin. */}}
{{- define "tokenlane.terminationGracePeriodSeconds" -}}
{{- add (int .Values.lifecycle.preStopSleepSeconds) (div (add (int .Values.shutdown.graceMs) 999) 1000) (int .Values.lifecycle.terminationMarginSeconds) }}
{{- end }}
