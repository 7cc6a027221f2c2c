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
            var factory = PrometheusMetricsFactory(registry: registry)
            for label in requestLatencyLabels { factory.durationHistogramBuckets[label] = requestLatencyBuckets }
            MetricsSystem.bootstrap(factory)
            installed = registry
            return registry
        }
    }

    /// Request timers whose calls mostly take a millisecond or two, below the library's smallest
    /// default bucket (5 ms): they get buckets from 0.5 ms up.
    static let requestLatencyLabels = [
        "herald_grpc_server_request_duration_seconds", "herald_http_server_request_duration_seconds",
    ]
    static let requestLatencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// The Prometheus text exposition of every metric.
    public static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
