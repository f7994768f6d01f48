export { checkDependency, connects, databaseDependency, redisAddress, redisDependency, DEPENDENCY_HEALTH, type Address, type Dependency, type DependencyHealth } from './health.js';
export { cached, createProcessMetrics, Counter, Gauge, Histogram, Registry, type ProcessMetrics, type ProcessName } from './metrics.js';
