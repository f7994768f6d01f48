import { describe, expect, it } from 'vitest';
import { helm } from '../support/helm.js';
import { byKind, chartDir, findOne, podTemplate, RELEASE_NAMESPACE, renderChart, schemaProblems, type Container, type Manifest } from './manifests.js';

/** The Prometheus Operator's kinds: not in kubernetes-models, so their shape is checked here. */
const MONITOR_KINDS = ['ServiceMonitor', 'PodMonitor'];

const containerOf = (deployment: Manifest): Container => podTemplate(deployment).spec.containers[0] as Container;
const annotationsOf = (deployment: Manifest): Record<string, string> => (podTemplate(deployment).metadata as { annotations?: Record<string, string> }).annotations ?? {};
const portNamed = (container: Container, name: string): number | undefined => container.ports?.find((port) => port.name === name)?.containerPort;
const selected = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([key, value]) => labels[key] === value);

describe('the chart\'s metrics', () => {
  it('annotates the API and orchestrator pods for annotation-based scraping, on their declared ports, keeping their own annotations', async () => {
    const manifests = await renderChart([], ['--set', 'orchestrator.podAnnotations.team=ci', '--set', 'api.port=9090']);
    const api = findOne(manifests, 'Deployment', '-api');
    const orchestrator = findOne(manifests, 'Deployment', '-orchestrator');
    expect(annotationsOf(api)).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090', 'prometheus.io/path': '/metrics' });
    expect(portNamed(containerOf(api), 'http')).toBe(9090);
    expect(annotationsOf(orchestrator)).toEqual({ team: 'ci', 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(portNamed(containerOf(orchestrator), 'health')), 'prometheus.io/path': '/metrics' });
    // no monitor unless asked for: the operator's CRDs may not be installed
    expect(manifests.filter((manifest) => MONITOR_KINDS.includes(manifest.kind))).toEqual([]);
  });

  it('leaves the annotations out with metrics.podAnnotations=false', async () => {
    const manifests = await renderChart([], ['--set', 'metrics.podAnnotations=false']);
    expect(annotationsOf(findOne(manifests, 'Deployment', '-api'))).toEqual({});
    expect(annotationsOf(findOne(manifests, 'Deployment', '-orchestrator'))).toEqual({});
  });

  it('renders a ServiceMonitor for the API\'s Service and a PodMonitor for the orchestrator\'s health port when enabled', async () => {
    const extra = ['--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.serviceMonitor.interval=15s', '--set', 'metrics.serviceMonitor.labels.release=kube-prometheus'];
    const lint = await helm(['lint', '--strict', chartDir, '--namespace', RELEASE_NAMESPACE, ...extra]);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    const manifests = await renderChart([], extra);
    expect(manifests.filter((manifest) => !MONITOR_KINDS.includes(manifest.kind)).flatMap(schemaProblems)).toEqual([]);

    const [serviceMonitor] = byKind(manifests, 'ServiceMonitor');
    const [podMonitor] = byKind(manifests, 'PodMonitor');
    for (const monitor of [serviceMonitor, podMonitor]) {
      expect(monitor?.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(monitor?.metadata).toMatchObject({ namespace: RELEASE_NAMESPACE, labels: { release: 'kube-prometheus' } });
    }
    type MonitorSpec = { namespaceSelector: { matchNames: string[] }; selector: { matchLabels: Record<string, string> }; endpoints?: Record<string, string>[]; podMetricsEndpoints?: Record<string, string>[] };
    const serviceSpec = serviceMonitor?.spec as MonitorSpec;
    const podSpec = podMonitor?.spec as MonitorSpec;

    // the ServiceMonitor selects the API's Service (and only it), on a port that Service declares
    const services = byKind(manifests, 'Service').filter((service) => selected(serviceSpec.selector.matchLabels, service.metadata.labels));
    expect(services.map((service) => service.metadata.name)).toEqual([findOne(manifests, 'Service', '-api').metadata.name]);
    const servicePorts = (services[0]?.spec as { ports: { name: string }[] }).ports.map((port) => port.name);
    expect(serviceSpec.namespaceSelector.matchNames).toEqual([RELEASE_NAMESPACE]);
    expect(serviceSpec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '10s' }]);
    expect(servicePorts).toContain('http');

    // the PodMonitor selects the orchestrator's pods (and only them), on their health port
    const pods = byKind(manifests, 'Deployment').filter((deployment) => selected(podSpec.selector.matchLabels, podTemplate(deployment).metadata?.labels));
    expect(pods.map((deployment) => deployment.metadata.name)).toEqual([findOne(manifests, 'Deployment', '-orchestrator').metadata.name]);
    expect(podSpec.podMetricsEndpoints).toEqual([{ port: 'health', path: '/metrics', interval: '15s', scrapeTimeout: '10s' }]);
    expect(portNamed(containerOf(pods[0] as Manifest), 'health')).toBeGreaterThan(0);
  });

  it('does not route /metrics through the Ingress', async () => {
    const manifests = await renderChart([], ['--set', 'ingress.enabled=true', '--set', 'ingress.host=ci.example.com']);
    const ingress = findOne(manifests, 'Ingress', '');
    const paths = (ingress.spec as { rules: { http: { paths: { path: string }[] } }[] }).rules.flatMap((rule) => rule.http.paths.map((path) => path.path));
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect('/metrics'.startsWith(path)).toBe(false);
  });
});
