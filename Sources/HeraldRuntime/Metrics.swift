import Metrics
public import Prometheus
import Synchronization

/// One Prometheus registry per process, installed as the swift-metrics backend the first time it
/// is asked for (`herald dev` runs four services in one process: they share it).
public enum HeraldMetrics {
    private static let installed = Mutex<PrometheusCollectorRegistry?>(nil)

    public static var registry: PrometheusCollectorRegistry {
        installed.withLock { installed in
            if let registry = installed { return registry }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            installed = registry
            return registry
        }
    }

    /// The Prometheus text exposition of every metric.
    public static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
