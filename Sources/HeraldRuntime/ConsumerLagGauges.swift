public import HeraldKafka
import Metrics
import Synchronization

/// Exports a consumer group member's lag as `herald_kafka_consumer_lag_records{group,topic,partition}`,
/// one gauge per partition it is assigned. A partition it no longer reports (revoked) loses its
/// gauge rather than keeping its last value, so summing over a group's members counts each
/// partition once.
public final class ConsumerLagGauges: Sendable {
    private let group: String
    private let exported = Mutex<[TopicPartition: Gauge]>([:])

    public init(group: String) {
        self.group = group
    }

    public func record(_ lags: [PartitionLag]) {
        exported.withLock { exported in
            var current: [TopicPartition: Gauge] = [:]
            for lag in lags {
                let partition = lag.topicPartition
                let gauge = exported.removeValue(forKey: partition) ?? Gauge(
                    label: "herald_kafka_consumer_lag_records",
                    dimensions: [("group", group), ("topic", partition.topic), ("partition", "\(partition.partition)")])
                gauge.record(lag.records)
                current[partition] = gauge
            }
            for gone in exported.values { gone.destroy() }
            exported = current
        }
    }

    /// Reporting every 5 s into these gauges, and into `also` (a service's own view of the same lags).
    public func reporting(also: (@Sendable ([PartitionLag]) -> Void)? = nil) -> ConsumerLagReporting {
        ConsumerLagReporting(interval: .seconds(5)) { [self] lags in
            record(lags)
            also?(lags)
        }
    }
}
