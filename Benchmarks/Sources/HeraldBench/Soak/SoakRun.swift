import Foundation
import HeraldProtos
import HeraldTestSupport
import Synchronization

/// What a soak run saw.
struct SoakOutcome: Sendable {
    var samples: [SoakReport.Sample]
    var acknowledged: Int
    var failed: Int
    var delivered: Int
    var expectedDeliveries: Int
}

/// Publishes the chaos workload's events at a steady rate (retrying an event until acknowledged,
/// with the same source and id) while sampling every service's RSS, then waits for the deliveries.
/// Events are made when sent, so the client's memory does not grow with their number either.
struct SoakRun: Sendable {
    var events: Int
    var rate: Double
    var sampleInterval: Duration
    var drainTimeout: Duration
    var concurrency = 64
    var attemptTimeout = Duration.seconds(30)
    var eventDeadline = Duration.seconds(120)

    private final class Progress: Sendable {
        let next = Atomic(0)
        let acknowledged = Atomic(0)
        let failed = Atomic(0)
        let samples = Mutex<[SoakReport.Sample]>([])
    }

    func run(_ target: HeraldChaosTarget, receiver: SoakReceiver, say: @escaping @Sendable (String) -> Void) async throws -> SoakOutcome {
        let progress = Progress()
        let services = target.stack.services
        let expected = (0..<events).reduce(0) { $0 + ChaosWorkload.endpoints(forSource: ChaosWorkload.event($1).source).count }
        // The first webhooks prove the routes and endpoints are applied before the clock starts.
        let probes = try await warmUp(target, receiver: receiver)
        let sampler = Task {
            var count = 0
            while !Task.isCancelled {
                let sample = SoakReport.Sample(
                    events: progress.acknowledged.load(ordering: .relaxed),
                    rssMB: Dictionary(uniqueKeysWithValues: services.compactMap { service in
                        ResidentMemory.megabytes(of: service.processIdentifier).map { (service.name, $0) }
                    }))
                progress.samples.withLock { $0.append(sample) }
                count += 1
                if count % 10 == 0 {
                    let rss = services.map { "\($0.name) \(String(format: "%.0f", sample.rssMB[$0.name] ?? 0)) MB" }.joined(separator: ", ")
                    say("  \(sample.events) acknowledged, \(receiver.received - probes) webhooks; RSS \(rss)")
                }
                try? await Task.sleep(for: sampleInterval)
            }
        }
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let index = progress.next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard index < events else { return }
                        try? await Task.sleep(until: start + .seconds(Double(index) / rate), clock: .continuous)
                        if await publish(ChaosWorkload.event(index), to: target) {
                            progress.acknowledged.add(1, ordering: .relaxed)
                        } else {
                            progress.failed.add(1, ordering: .relaxed)
                        }
                    }
                }
            }
        }
        say("published in \(ContinuousClock.now - start); waiting for the last webhooks")
        let drainDeadline = ContinuousClock.now + drainTimeout
        while receiver.received - probes < expected, ContinuousClock.now < drainDeadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        // One more sample once everything arrived, then the sampler stops.
        try await Task.sleep(for: sampleInterval)
        sampler.cancel()
        _ = await sampler.value
        return SoakOutcome(
            samples: progress.samples.withLock { $0 }, acknowledged: progress.acknowledged.load(ordering: .relaxed),
            failed: progress.failed.load(ordering: .relaxed), delivered: receiver.received - probes, expectedDeliveries: expected)
    }

    /// Publishes probe events until one reached its endpoints; returns the webhooks the probes caused.
    private func warmUp(_ target: HeraldChaosTarget, receiver: SoakReceiver) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(120)
        var probe = 0
        while ContinuousClock.now < deadline {
            let source = ChaosWorkload.sources.last!
            try? await target.publish(ChaosWorkload.event(id: "soak-warmup-\(probe)", source: source, index: probe), timeout: .seconds(5))
            probe += 1
            let wait = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < wait {
                if receiver.received > 0 {
                    // Let the other probes' webhooks arrive too, so none is counted as a workload delivery.
                    let expected = probe * ChaosWorkload.endpoints(forSource: source).count
                    let settle = ContinuousClock.now + .seconds(10)
                    while receiver.received < expected, ContinuousClock.now < settle { try await Task.sleep(for: .milliseconds(100)) }
                    return receiver.received
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw WarmUpFailed()
    }

    struct WarmUpFailed: Error, CustomStringConvertible {
        var description: String { "no warm-up event reached its endpoints within 120 s" }
    }

    /// Publishes `event` until acknowledged or its deadline passed.
    private func publish(_ event: Herald_V1_Event, to target: HeraldChaosTarget) async -> Bool {
        let deadline = ContinuousClock.now + eventDeadline
        while ContinuousClock.now < deadline {
            do {
                try await target.publish(event, timeout: attemptTimeout)
                return true
            } catch {
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        return false
    }
}
