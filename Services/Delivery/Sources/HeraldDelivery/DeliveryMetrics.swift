import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldRuntime
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

    /// What an attempt came to, the `outcome` label: the state it left the delivery in, or why there is none.
    enum AttemptOutcome: Hashable, Sendable {
        case state(Herald_V1_DeliveryState)
        /// The record is not a delivery task.
        case unreadable
        /// The task was processed already (read again after a restart or a rebalance).
        case skipped

        var label: String {
            switch self {
            case .state(let state): "\(state)"
            case .unreadable: "unreadable"
            case .skipped: "skipped"
            }
        }
    }

    private struct AttemptKey: Hashable, Sendable {
        let endpointID: String
        let outcome: AttemptOutcome
    }

    private static let attempts = MetricHandles<AttemptKey, CountedDurations> { key in
        CountedDurations(total: "herald_delivery_attempts_total", duration: "herald_delivery_request_duration_seconds",
                         dimensions: [("endpoint", key.endpointID), ("outcome", key.outcome.label)])
    }
    private static let deadLetters = MetricHandles<DeadLetterReason, Counter> { reason in
        Counter(label: "herald_delivery_dead_letters_total", dimensions: [("reason", reason.rawValue)])
    }
    private static let circuits = MetricHandles<String, Gauge> { endpointID in
        Gauge(label: "herald_delivery_circuit_state", dimensions: [("endpoint", endpointID)])
    }
    private static let retryBacklogs = MetricHandles<Duration, Gauge> { delay in
        Gauge(label: "herald_delivery_retry_backlog_tasks", dimensions: [("tier", RetryTiers.label(delay))])
    }

    /// One attempt's outcome, per endpoint; `requestDuration` when a request was made.
    static func attempt(endpointID: String, outcome: AttemptOutcome, requestDuration: Duration?) {
        attempts[AttemptKey(endpointID: endpointID, outcome: outcome)].record(requestDuration)
    }

    static func deadLettered(_ reason: DeadLetterReason) {
        deadLetters[reason].increment()
    }

    /// 0 closed, 1 half-open (one probe allowed), 2 open (attempts refused).
    static func circuit(endpointID: String, _ state: CircuitBreaker.State) {
        let value = switch state {
        case .closed: 0
        case .halfOpen: 1
        case .open: 2
        }
        circuits[endpointID].record(value)
    }

    /// Tasks waiting in each retry tier: the lag of this instance's partitions of the tier's topic
    /// and the tasks it holds there until they are due.
    static func retryBacklog(_ lags: [PartitionLag], held: Set<TopicPartition>, tiers: RetryTiers) {
        for (delay, waiting) in zip(tiers.delays, tiers.backlog(lags: lags, held: held)) {
            retryBacklogs[delay].record(waiting)
        }
    }
}
