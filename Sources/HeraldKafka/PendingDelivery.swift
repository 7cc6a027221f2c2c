import Synchronization

/// The acknowledgement of one enqueued record, awaitable any number of times.
///
/// Returned by `KafkaProducer.enqueue` and `Transaction.send`, which do not wait for the broker,
/// so callers can put many records in flight and collect their reports afterwards.
public final class PendingDelivery: Sendable {
    private enum State {
        case waiting([UnsafeContinuation<DeliveryReport, any Error>])
        case done(Result<DeliveryReport, KafkaError>)
    }

    /// The record's topic; kept here so the delivery callback need not read it back from librdkafka.
    let topic: String
    /// Told when the record is acknowledged (outside a transaction, that makes it readable).
    private let signal: LocalWriteSignal?
    private let state = Mutex(State.waiting([]))

    init(topic: String, announcingTo signal: LocalWriteSignal? = nil) {
        self.topic = topic
        self.signal = signal
    }

    /// The partition and offset the record was written to, or the delivery error.
    ///
    /// Waits for the broker's acknowledgement, which is bounded by the configuration's `deliveryTimeout`.
    /// Inside a transaction, an offset only becomes visible to `read_committed` readers if the
    /// transaction commits.
    public var report: DeliveryReport {
        get async throws {
            try await withUnsafeThrowingContinuation { continuation in
                let result: Result<DeliveryReport, KafkaError>? = state.withLock { state in
                    switch state {
                    case .done(let result):
                        return result
                    case .waiting(var waiters):
                        waiters.append(continuation)
                        state = .waiting(waiters)
                        return nil
                    }
                }
                if let result { continuation.resume(with: result) }
            }
        }
    }

    /// Whether the report (or error) has arrived.
    public var isDelivered: Bool {
        state.withLock { if case .done = $0 { true } else { false } }
    }

    func complete(_ result: Result<DeliveryReport, KafkaError>) {
        let waiters: [UnsafeContinuation<DeliveryReport, any Error>] = state.withLock { state in
            guard case .waiting(let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        if let signal, case .success = result { signal.announce([topic]) }
        for waiter in waiters { waiter.resume(with: result.mapError { $0 }) }
    }
}
