// Validates Kubernetes resources against their published schemas, offline: the Prometheus Operator CRDs' OpenAPI
// schemas (npm @kubernetes-models/prometheus-operator) and Kubernetes' own (npm kubernetes-models), both checked by
// @kubernetes-models/validate. Input: JSON files, each one resource or an array of them. Prints every violation and
// exits 1; run by obs-dashboards/tests/generated/kubernetes.rs and scripts/test.sh.
import { readFileSync } from "node:fs";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { PodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";

const models = { PrometheusRule, ServiceMonitor, PodMonitor, ConfigMap };
let failed = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  const parsed = JSON.parse(readFileSync(file, "utf8"));
  for (const doc of Array.isArray(parsed) ? parsed : [parsed]) {
    const Model = models[doc.kind];
    const what = `${file}: ${doc.kind} ${doc.metadata?.name}`;
    if (!Model) {
      console.log(`${what}: no schema for kind ${doc.kind}`);
      failed++;
      continue;
    }
    try {
      const m = new Model(doc);
      m.validate();
      if (m.apiVersion !== doc.apiVersion) throw new Error(`apiVersion ${doc.apiVersion}, expected ${m.apiVersion}`);
      checked++;
    } catch (e) {
      console.log(`${what}: ${e.message}${e.errors ? "\n" + JSON.stringify(e.errors, null, 1) : ""}`);
      failed++;
    }
  }
}
if (failed || !checked) {
  console.log(`${failed} invalid, ${checked} valid`);
  process.exit(1);
}
