import HeraldCore
import HeraldKafka
import HeraldProtos
import Metrics

/// The delivery service's own metrics, recorded by the engine as it carries out its decisions.
enum DeliveryMetrics {
    /// Why a task went to the dead-letter topic (`reason` of `herald_delivery_dead_letters_total`).
    enum DeadLetterReason: String {
        /// The endpoint answered 410 Gone.
        case gone
        /// The retry policy's attempts are used up.
        case attemptsExhausted = "attempts_exhausted"
        /// The endpoint does not exist or is disabled: no request is possible.
        case undeliverable
        /// The retry task would not fit the record limit.
        case oversized
        /// The record is not a delivery task.
        case unreadable
    }

    /// One attempt's outcome, per endpoint; `requestDuration` when a request was made.
    static func attempt(endpointID: String, outcome: String, requestDuration: Duration?) {
        let dimensions = [("endpoint", endpointID), ("outcome", outcome)]
        Counter(label: "herald_delivery_attempts_total", dimensions: dimensions).increment()
        if let requestDuration {
            Metrics.Timer(label: "herald_delivery_request_duration_seconds", dimensions: dimensions).record(duration: requestDuration)
        }
    }

    static func deadLettered(_ reason: DeadLetterReason) {
        Counter(label: "herald_delivery_dead_letters_total", dimensions: [("reason", reason.rawValue)]).increment()
    }

    /// 0 closed, 1 half-open (one probe allowed), 2 open (attempts refused).
    static func circuit(endpointID: String, _ state: CircuitBreaker.State) {
        let value = switch state {
        case .closed: 0
        case .halfOpen: 1
        case .open: 2
        }
        Gauge(label: "herald_delivery_circuit_state", dimensions: [("endpoint", endpointID)]).record(value)
    }

    /// Tasks waiting in each retry tier: the lag of this instance's partitions of the tier's topic
    /// and the tasks it holds there until they are due.
    static func retryBacklog(_ lags: [PartitionLag], held: Set<TopicPartition>, tiers: RetryTiers) {
        for (delay, waiting) in zip(tiers.delays, tiers.backlog(lags: lags, held: held)) {
            Gauge(label: "herald_delivery_retry_backlog_tasks", dimensions: [("tier", RetryTiers.label(delay))]).record(waiting)
        }
    }
}
