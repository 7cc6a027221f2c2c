import Foundation
import HeraldProtos
import Synchronization

/// A chaos run: a retrying client publishes the workload at a steady rate while the kill schedule
/// SIGKILLs and restarts the target's processes; then it waits for every acknowledged event to
/// reach every endpoint it routes to, and counts what the receiver got.
public struct ChaosRun: Sendable {
    public struct Configuration: Sendable {
        public var events: Int
        /// Events per second.
        public var rate: Double
        public var rounds: Int
        public var seed: UInt64
        /// Longest a restarted process stays down before it is started again.
        public var maxDowntime: Duration = .milliseconds(500)
        public var attemptTimeout: Duration = .seconds(30)
        /// The client gives up on an event this long after its first attempt.
        public var eventDeadline: Duration = .seconds(120)
        /// After publishing, how long to wait for the last deliveries before counting what is missing as lost.
        public var drainTimeout: Duration = .seconds(180)
        /// After everything arrived, how long to keep listening for repeats and duplicates.
        public var settle: Duration = .seconds(3)
        public var repeatEvery = 20

        public init(events: Int, rate: Double, rounds: Int, seed: UInt64) {
            self.events = events
            self.rate = rate
            self.rounds = rounds
            self.seed = seed
        }

        public var schedule: KillSchedule {
            KillSchedule(seed: seed, rounds: rounds, window: .seconds(Double(events) / rate), maxDowntime: maxDowntime)
        }
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Publishes warm-up events until one reached every endpoint: the pipeline is live, routes
    /// and endpoints applied. Returns how long that took.
    public static func warmUp(_ target: any ChaosTarget, receiver: WebhookReceiver, within limit: Duration = .seconds(120)) async throws -> Duration {
        let start = ContinuousClock.now
        var probe = 0
        while ContinuousClock.now < start + limit {
            let id = "warmup-\(probe)"
            let source = ChaosWorkload.sources.last!
            try? await target.publish(ChaosWorkload.event(id: id, source: source, index: probe), timeout: .seconds(5))
            let wait = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < wait {
                let reached = Set(receiver.received.filter { request in
                    (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["id"] as? String == id
                }.compactMap { $0.headers[ChaosWorkload.endpointHeader] })
                if reached.isSuperset(of: ChaosWorkload.endpoints(forSource: source)) { return .now - start }
                try await Task.sleep(for: .milliseconds(100))
            }
            probe += 1
        }
        throw WarmUpFailed(target: target.name, limit: limit)
    }

    public struct WarmUpFailed: Error, CustomStringConvertible {
        public let target: String
        public let limit: Duration
        public var description: String { "\(target): no warm-up event reached every endpoint within \(limit)" }
    }

    /// Runs the workload against `target` (already warmed up) and `receiver`; `progress` gets a
    /// line every few seconds and one per kill.
    public func run(
        _ target: any ChaosTarget, receiver: WebhookReceiver, progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> ChaosResult {
        let configuration = self.configuration
        let schedule = configuration.schedule
        let events = (0..<configuration.events).map(ChaosWorkload.event)
        let publisher = RetryingPublisher(
            rate: configuration.rate, attemptTimeout: configuration.attemptTimeout,
            deadline: configuration.eventDeadline, repeatEvery: configuration.repeatEvery)
        let acknowledged = Counter()
        let failed = Counter()
        let lastFailure = LastFailure()
        let start = ContinuousClock.now
        let seconds: @Sendable (ContinuousClock.Instant) -> Double = { (instant: ContinuousClock.Instant) in (instant - start).seconds }

        // Publishing, the kills, and a progress line every 5 s, side by side.
        let (outcomes, kills) = try await withThrowingTaskGroup(of: Phase.self) { group in
            group.addTask {
                .published(await publisher.run(events, to: target, start: start, onAcknowledged: { acknowledged.increment() }) { error in
                    failed.increment()
                    lastFailure.text.withLock { $0 = "\(error)" }
                })
            }
            group.addTask {
                var done: [ChaosResult.KillRecord] = []
                for kill in schedule.kills {
                    try await Task.sleep(until: start + kill.at, clock: .continuous)
                    let began = ContinuousClock.now
                    do {
                        try await target.crash(kill.role, downtime: kill.downtime)
                    } catch {
                        throw RestartFailed(role: kill.role, at: seconds(began), error: "\(error)", logs: target.logTails(lines: 30))
                    }
                    let record = ChaosResult.KillRecord(
                        role: kill.role, scheduledAt: kill.at.seconds, killedAt: seconds(began),
                        downtime: kill.downtime.seconds, readyAfter: (ContinuousClock.now - began).seconds)
                    progress("  t=\(fixed(record.killedAt, 1))s  SIGKILL \(kill.role.rawValue) (down \(fixed(record.downtime, 2))s, ready again after \(fixed(record.readyAfter, 1))s)")
                    done.append(record)
                }
                return .killed(done)
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(5))
                    if Task.isCancelled { break }
                    let failure = failed.value == 0 ? "" : ", failed calls \(failed.value) (last: \(lastFailure.text.withLock { $0 }.prefix(160)))"
                    progress("  t=\(fixed(seconds(.now), 1))s  acknowledged \(acknowledged.value) / \(events.count), webhooks received \(receiver.received.count)\(failure)")
                }
                return .ticker
            }
            var outcomes: [RetryingPublisher.Outcome]?
            var kills: [ChaosResult.KillRecord]?
            while outcomes == nil || kills == nil, let phase = try await group.next() {
                switch phase {
                case .published(let value): outcomes = value
                case .killed(let value): kills = value
                case .ticker: break
                }
            }
            group.cancelAll()
            return (outcomes ?? [], kills ?? [])
        }

        // Drain: until every acknowledged event reached all its endpoints, or the drain timeout.
        let publishingEnded = outcomes.compactMap(\.acknowledged).max() ?? .now
        let quiet = ContinuousClock.now
        var ledger = DeliveryLedger()
        let expected = outcomes.filter { $0.acknowledged != nil }.map { outcome in
            (id: events[outcome.index].id, endpoints: ChaosWorkload.endpoints(forSource: events[outcome.index].source))
        }
        var missing = expected
        while true {
            ledger.absorb(receiver.received)
            missing = missing.filter { !ledger.reachedAll($0.id, endpoints: $0.endpoints) }
            if missing.isEmpty || ContinuousClock.now >= quiet + configuration.drainTimeout { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let drained = missing.isEmpty
        let lastExpectedArrival = expected.flatMap { event in
            event.endpoints.compactMap { ledger.firstArrival[DeliveryLedger.Key(eventID: event.id, endpoint: $0)] }
        }.max()
        try await Task.sleep(for: configuration.settle)
        ledger.absorb(receiver.received)

        return ChaosResult(
            target: target.name, configuration: configuration, events: events, outcomes: outcomes, kills: kills, ledger: ledger,
            start: start, publishingEnded: publishingEnded, drained: drained,
            drainTime: drained ? max(.zero, (lastExpectedArrival ?? publishingEnded) - publishingEnded) : nil)
    }

    private final class Counter: Sendable {
        private let count = Atomic(0)
        func increment() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }

    private final class LastFailure: Sendable {
        let text = Mutex("")
    }

    private enum Phase: Sendable {
        case published([RetryingPublisher.Outcome])
        case killed([ChaosResult.KillRecord])
        case ticker
    }

    public struct RestartFailed: Error, CustomStringConvertible {
        public let role: ChaosRole
        public let at: Double
        public let error: String
        public let logs: String
        public var description: String { "restarting \(role.rawValue) after its SIGKILL at t=\(fixed(at, 1))s failed: \(error)\n\(logs)" }
    }
}

extension Duration {
    /// As a floating-point number of seconds, for reports.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
