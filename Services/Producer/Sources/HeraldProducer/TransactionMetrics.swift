import Metrics

/// What the producer reports about its Kafka transactions (Services/Producer/README.md, Metrics):
/// how long each took from its start to its commit or abort, and how many records a committed one
/// held — the group commit's batching as operators see it. Handles are made per transaction, so
/// they always reach the backend installed by then.
enum TransactionMetrics {
    static func committed(records count: Int, after duration: Duration) {
        Metrics.Timer(label: "herald_producer_transaction_duration_seconds", dimensions: [("result", "committed")])
            .record(duration: duration)
        Recorder(label: "herald_producer_transaction_records").record(count)
    }

    static func failed(after duration: Duration) {
        Metrics.Timer(label: "herald_producer_transaction_duration_seconds", dimensions: [("result", "failed")])
            .record(duration: duration)
    }
}
