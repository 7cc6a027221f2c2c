import Synchronization
import Logging

/// Where a consumer's librdkafka callbacks go. They are fixed when the client is created, before
/// the poll loop that handles them exists (the loop is given the client), so they go to this relay
/// and the relay forwards to the loop once it is connected. Nothing polls before that, and only a
/// poll or a close runs these callbacks, so none is lost.
final class ConsumerCallbackRelay: Sendable {
    /// Weak: the loop owns the client, which owns the callbacks that hold this relay.
    private struct Target {
        weak var loop: ConsumerPollLoop?
    }

    private let target = Mutex(Target())

    func connect(_ loop: ConsumerPollLoop) {
        target.withLock { $0.loop = loop }
    }

    func callbacks(
        logger: Logger, onStatistics: (@Sendable (UnsafeRawBufferPointer) -> Void)?
    ) -> RDKafkaClient.Callbacks {
        RDKafkaClient.Callbacks(
            logger: logger,
            onError: { [self] error in loop?.report(error) },
            onRebalance: { [self] rebalance in loop?.handle(rebalance) },
            onStatistics: onStatistics
        )
    }

    private var loop: ConsumerPollLoop? { target.withLock { $0.loop } }
}
