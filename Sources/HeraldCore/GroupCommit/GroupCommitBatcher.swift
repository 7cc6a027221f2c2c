/// Group commit as a pure state machine: it decides when publish
/// calls become one Kafka transaction; the producer service performs the returned actions and
/// reports back. No clocks, no I/O: time comes in as `now`.
///
/// Rules:
/// * An item weighs `count` (the records it carries: one call may hold many) and `size` bytes. A
///   batch closes when it reaches `maxCount` or `maxBytes`, or `linger` after its first item.
/// * At most one transaction is in flight. Closed batches queue in order while it commits; the next
///   one starts as soon as the previous transaction is answered, and is announced before that
///   transaction's items are answered (so Kafka is not idle while the callers are answered).
/// * An item heavier than `maxCount` or `maxBytes` is accepted and travels alone: the hard
///   per-event limit is the producer's size check (RESOURCE_EXHAUSTED); the bounds only tune
///   transaction size and must never make a valid event unpublishable.
/// * Every submitted item is answered exactly once, by `.complete` or `.reject`.
/// * `shutdown` stops intake, closes the open batch at once and emits `.finished` when nothing is left.
/// * `producerFailed` (the transaction failed and no later one can commit: fenced, fatal) fails
///   the transaction's items and every waiting item with that error, stops intake and finishes.
public struct GroupCommitBatcher<Item> {
    public struct Configuration: Hashable, Sendable {
        public var maxCount: Int
        public var maxBytes: Int
        public var linger: Duration

        public init(maxCount: Int = 500, maxBytes: Int = 1 << 20, linger: Duration = .milliseconds(5)) {
            precondition(maxCount > 0 && maxBytes > 0 && linger >= .zero, "batch bounds must be positive")
            self.maxCount = maxCount
            self.maxBytes = maxBytes
            self.linger = linger
        }
    }

    public enum Completion: Sendable {
        case committed
        case failed(any Error)
    }

    public enum RejectionReason: Hashable, Sendable {
        case shuttingDown
    }

    public enum Action {
        /// Begin a transaction holding exactly these items, in submission order.
        case startTransaction([Item])
        /// Call `tick(now:)` at `deadline` (earlier or extra ticks are harmless).
        case scheduleLinger(deadline: ContinuousClock.Instant)
        /// Answer every item of the transaction that just ended.
        case complete([Item], Completion)
        /// Answer `item` at once; it was never part of a transaction.
        case reject(Item, RejectionReason)
        /// Shut down and nothing is left: the service may exit.
        case finished
    }

    private enum Phase { case accepting, draining, finished }

    public let configuration: Configuration
    // The batch still accepting items; its deadline is its first item's arrival plus `linger`.
    private var openItems: [Item] = []
    private var openCount = 0
    private var openBytes = 0
    private var openDeadline: ContinuousClock.Instant?
    private var closed: [[Item]] = []
    private var closedHead = 0
    private var inFlight: [Item]?
    private var phase = Phase.accepting

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Whether a transaction has been started and not yet reported.
    public var isTransactionInFlight: Bool { inFlight != nil }

    /// Items accepted and not yet answered.
    public var pendingCount: Int {
        (inFlight?.count ?? 0) + openItems.count + closed[closedHead...].reduce(0) { $0 + $1.count }
    }

    /// - Parameters:
    ///   - count: Records the item carries (at least 1).
    ///   - size: Its bytes.
    public mutating func submit(_ item: Item, count: Int = 1, size: Int, now: ContinuousClock.Instant) -> [Action] {
        guard phase == .accepting else { return [.reject(item, .shuttingDown)] }
        let count = max(1, count)
        var actions: [Action] = []
        if !openItems.isEmpty,
           openCount + count > configuration.maxCount || openBytes + size > configuration.maxBytes {
            closeOpenBatch()
        }
        if openItems.isEmpty {
            let deadline = now.advanced(by: configuration.linger)
            openDeadline = deadline
            if deadline > now { actions.append(.scheduleLinger(deadline: deadline)) }
        }
        openItems.append(item)
        openCount += count
        openBytes += size
        if openCount >= configuration.maxCount || openBytes >= configuration.maxBytes {
            closeOpenBatch()
        }
        startNextIfIdle(now: now, into: &actions)
        return actions
    }

    /// A scheduled linger deadline arrived (or any other moment the driver wants to re-evaluate).
    public mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        startNextIfIdle(now: now, into: &actions)
        return actions
    }

    public mutating func transactionCommitted(now: ContinuousClock.Instant) -> [Action] {
        finishTransaction(.committed, now: now)
    }

    /// The transaction aborted or could not be started: all of its items fail with `error`.
    public mutating func transactionFailed(_ error: any Error, now: ContinuousClock.Instant) -> [Action] {
        finishTransaction(.failed(error), now: now)
    }

    /// The transaction failed and the producer can never commit again: its items and every
    /// waiting item fail with `error` (in submission order), intake stops and `.finished` follows.
    public mutating func producerFailed(_ error: any Error) -> [Action] {
        guard let items = inFlight else { preconditionFailure("transaction reported without one in flight") }
        inFlight = nil
        var actions: [Action] = [.complete(items, .failed(error))]
        for batch in closed[closedHead...] { actions.append(.complete(batch, .failed(error))) }
        if !openItems.isEmpty { actions.append(.complete(openItems, .failed(error))) }
        closed.removeAll()
        closedHead = 0
        openItems = []
        openCount = 0
        openBytes = 0
        openDeadline = nil
        phase = .finished
        actions.append(.finished)
        return actions
    }

    /// Stops accepting; the open batch is sent without waiting for its linger.
    public mutating func shutdown(now: ContinuousClock.Instant) -> [Action] {
        guard phase == .accepting else { return [] }
        phase = .draining
        if !openItems.isEmpty { closeOpenBatch() }
        var actions: [Action] = []
        startNextIfIdle(now: now, into: &actions)
        return actions
    }

    private mutating func finishTransaction(_ completion: Completion, now: ContinuousClock.Instant) -> [Action] {
        guard let items = inFlight else { preconditionFailure("transaction reported without one in flight") }
        inFlight = nil
        var actions: [Action] = []
        startNextIfIdle(now: now, into: &actions)
        // The next transaction goes first; `.finished` must stay last.
        if case .finished? = actions.last {
            actions.insert(.complete(items, completion), at: actions.count - 1)
        } else {
            actions.append(.complete(items, completion))
        }
        return actions
    }

    private mutating func closeOpenBatch() {
        closed.append(openItems)
        openItems = []
        openCount = 0
        openBytes = 0
        openDeadline = nil
    }

    private mutating func startNextIfIdle(now: ContinuousClock.Instant, into actions: inout [Action]) {
        guard inFlight == nil, phase != .finished else { return }
        if closedHead == closed.count, !openItems.isEmpty, let deadline = openDeadline, now >= deadline {
            closeOpenBatch()
        }
        if closedHead < closed.count {
            let next = closed[closedHead]
            closedHead += 1
            if closedHead == closed.count {
                closed.removeAll(keepingCapacity: true)
                closedHead = 0
            }
            inFlight = next
            actions.append(.startTransaction(next))
        } else if phase == .draining, openItems.isEmpty {
            phase = .finished
            actions.append(.finished)
        }
    }
}

extension GroupCommitBatcher: Sendable where Item: Sendable {}
extension GroupCommitBatcher.Action: Sendable where Item: Sendable {}
