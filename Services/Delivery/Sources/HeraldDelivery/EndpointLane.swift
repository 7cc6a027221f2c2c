import HeraldCore

/// One endpoint's jobs: those queued in arrival order, how many run, its rate limit and circuit
/// breaker, and whether it was disabled (410 Gone). A value: the engine yields the jobs it starts.
struct EndpointLane {
    var running = 0
    private(set) var queue: [DeliveryEngine.Job] = []
    private var head = 0
    var bucket: TokenBucket?
    var breaker: CircuitBreaker
    var disabled = false

    init(breaker: CircuitBreaker) {
        self.breaker = breaker
    }

    var queued: Int { queue.count - head }

    /// Queues `job` unless `capacity` jobs wait already (then its partition is held and paused).
    mutating func enqueue(_ job: DeliveryEngine.Job, capacity: Int) -> Bool {
        guard queued < capacity else { return false }
        queue.append(job)
        return true
    }

    /// Takes the queued jobs that may start now, counting them as running, up to `concurrency` running.
    mutating func start(upTo concurrency: Int) -> [DeliveryEngine.Job] {
        var started: [DeliveryEngine.Job] = []
        while running < concurrency, let job = pop() {
            running += 1
            started.append(job)
        }
        return started
    }

    /// The oldest queued job; the consumed prefix is compacted away once it is most of the queue.
    mutating func pop() -> DeliveryEngine.Job? {
        guard head < queue.count else { return nil }
        defer {
            head += 1
            if head > 64 && head * 2 > queue.count { queue.removeFirst(head); head = 0 }
        }
        return queue[head]
    }

    /// Circuit breaker, then rate limit, for one attempt starting `now`; a changed rate starts a new bucket.
    mutating func permit(ratePerSecond: Double, now: ContinuousClock.Instant) -> DeliveryEngine.Permit {
        if case .refused(let until) = breaker.permit(now: now) {
            return .refused(retryIn: max(until - now, .milliseconds(1)))
        }
        let rate = TokenBucket.effectiveRate(ratePerSecond)
        guard rate > 0 else { return .go(after: .zero) }
        if bucket?.rate != rate { bucket = TokenBucket(rate: rate, burst: max(1, rate), now: now) }
        return .go(after: bucket!.reserve(now: now))
    }

    /// Takes the queued (not started) jobs `leaving` picks out of the lane, keeping the others' order.
    mutating func removeQueued(where leaving: (DeliveryEngine.Job) -> Bool) -> [DeliveryEngine.Job] {
        var kept: [DeliveryEngine.Job] = []
        var removed: [DeliveryEngine.Job] = []
        for job in queue[head...] {
            if leaving(job) { removed.append(job) } else { kept.append(job) }
        }
        queue = kept
        head = 0
        return removed
    }
}
