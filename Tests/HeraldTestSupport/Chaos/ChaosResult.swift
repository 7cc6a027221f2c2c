import Foundation
import HeraldProtos

/// What a chaos run counted, and its table.
public struct ChaosResult: Sendable {
    public struct KillRecord: Sendable {
        public let role: ChaosRole
        public let scheduledAt: Double
        public let killedAt: Double
        public let downtime: Double
        public let readyAfter: Double
    }

    /// An acknowledged event that did not reach every endpoint it routes to.
    public struct Loss: Sendable, CustomStringConvertible {
        public let eventID: String
        public let source: String
        public let missing: [String]
        public let firstAttempt: Double
        public let acknowledged: Double
        public let attempts: Int
        public var description: String {
            "\(eventID) (source \(source)) acknowledged at t=\(fixed(acknowledged, 2))s after \(attempts) attempt(s), "
                + "first tried at t=\(fixed(firstAttempt, 2))s, never reached \(missing.joined(separator: ", "))"
        }
    }

    public let target: String
    public let seed: UInt64
    public let configuration: ChaosRun.Configuration
    public let published: Int
    public let acknowledged: Int
    public let unacknowledged: [String]
    public let attempts: Int
    public let failedAttempts: Int
    public let expectedDeliveries: Int
    /// (event, endpoint) pairs that arrived at least once.
    public let delivered: Int
    public let losses: [Loss]
    /// Distinct webhook-ids beyond one per (event, endpoint): the receiver acted twice.
    public let duplicateEffects: Int
    /// (event, endpoint) pairs with more than one distinct webhook-id.
    public let duplicatedPairs: [DeliveryLedger.Key]
    /// Arrivals of a webhook-id already received (a receiver that keys on webhook-id drops them).
    public let repeats: Int
    /// Arrivals for an endpoint the event does not route to, or for no published event.
    public let unexpected: Int
    public let unreadable: Int
    public let drainTime: Duration?
    /// First publish attempt to first arrival, per (event, endpoint), sorted.
    public let latencies: [Duration]
    public let deliveriesPerSecond: Double
    public let kills: [KillRecord]

    public var lost: Int { losses.count }

    init(
        target: String, configuration: ChaosRun.Configuration, events: [Herald_V1_Event], outcomes: [RetryingPublisher.Outcome],
        kills: [KillRecord], ledger: DeliveryLedger, start: ContinuousClock.Instant, publishingEnded: ContinuousClock.Instant,
        drained: Bool, drainTime: Duration?
    ) {
        self.target = target
        self.seed = configuration.seed
        self.configuration = configuration
        self.kills = kills
        published = events.count
        acknowledged = outcomes.filter { $0.acknowledged != nil }.count
        unacknowledged = outcomes.filter { $0.acknowledged == nil }.map { events[$0.index].id }
        attempts = outcomes.map(\.attempts).reduce(0, +)
        failedAttempts = outcomes.map(\.failedAttempts).reduce(0, +)

        var expectedKeys = Set<DeliveryLedger.Key>()
        var losses: [Loss] = []
        var latencies: [Duration] = []
        for outcome in outcomes {
            let event = events[outcome.index]
            let endpoints = ChaosWorkload.endpoints(forSource: event.source)
            for endpoint in endpoints { expectedKeys.insert(.init(eventID: event.id, endpoint: endpoint)) }
            guard let acknowledgedAt = outcome.acknowledged else { continue }
            var missing: [String] = []
            for endpoint in endpoints {
                if let arrival = ledger.firstArrival[.init(eventID: event.id, endpoint: endpoint)] {
                    latencies.append(arrival - outcome.firstAttempt)
                } else {
                    missing.append(endpoint)
                }
            }
            if !missing.isEmpty {
                losses.append(Loss(
                    eventID: event.id, source: event.source, missing: missing, firstAttempt: (outcome.firstAttempt - start).seconds,
                    acknowledged: (acknowledgedAt - start).seconds, attempts: outcome.attempts))
            }
        }
        expectedDeliveries = outcomes.filter { $0.acknowledged != nil }
            .map { ChaosWorkload.endpoints(forSource: events[$0.index].source).count }.reduce(0, +)
        delivered = ledger.webhookIDs.keys.filter(expectedKeys.contains).count
        unexpected = ledger.webhookIDs.filter { !expectedKeys.contains($0.key) }.map { $0.value.count }.reduce(0, +)
        unreadable = ledger.unreadable
        self.losses = losses
        duplicatedPairs = ledger.webhookIDs.filter { $0.value.count > 1 }.map(\.key).sorted { ($0.eventID, $0.endpoint) < ($1.eventID, $1.endpoint) }
        duplicateEffects = ledger.webhookIDs.values.map { max(0, $0.count - 1) }.reduce(0, +)
        repeats = ledger.arrivals.values.map { $0 - 1 }.reduce(0, +)
        self.drainTime = drained ? drainTime : nil
        self.latencies = latencies.sorted()
        let span = ((ledger.lastArrival ?? publishingEnded) - start).seconds
        deliveriesPerSecond = span > 0 ? Double(delivered) / span : 0
    }

    /// What a chaos run must show: nothing acknowledged went missing, nothing acted on twice,
    /// nothing sent where it was not routed, every event acknowledged in the end.
    public var isExactlyOnce: Bool {
        lost == 0 && duplicateEffects == 0 && unexpected == 0 && unreadable == 0 && unacknowledged.isEmpty
    }

    public func latency(_ quantile: Double) -> Duration? {
        guard !latencies.isEmpty else { return nil }
        return latencies[min(latencies.count - 1, Int(Double(latencies.count) * quantile))]
    }

    /// The rows of the table, metric and value.
    public var rows: [(String, String)] {
        func ms(_ duration: Duration?) -> String { duration.map { "\(fixed($0.seconds * 1000, 0)) ms" } ?? "—" }
        let errorRate = attempts == 0 ? 0 : Double(failedAttempts) / Double(attempts) * 100
        return [
            ("published (events)", Self.grouped(published)),
            ("acknowledged", Self.grouped(acknowledged)),
            ("unacknowledged at the deadline", Self.grouped(unacknowledged.count)),
            ("publish calls (incl. retries, repeats)", Self.grouped(attempts)),
            ("failed calls (error rate)", "\(Self.grouped(failedAttempts)) (\(fixed(errorRate, 2)) %)"),
            ("deliveries expected (event × endpoint)", Self.grouped(expectedDeliveries)),
            ("delivered", Self.grouped(delivered)),
            ("lost", Self.grouped(lost)),
            ("duplicate effects (extra webhook-ids)", Self.grouped(duplicateEffects)),
            ("repeats of the same webhook-id", Self.grouped(repeats)),
            ("unexpected deliveries", Self.grouped(unexpected + unreadable)),
            ("time to drain", drainTime.map { "\(fixed($0.seconds, 1)) s" } ?? "not drained (\(Int(configuration.drainTimeout.seconds)) s)"),
            ("e2e latency p50 / p95 / p99", "\(ms(latency(0.5))) / \(ms(latency(0.95))) / \(ms(latency(0.99)))"),
            ("throughput (deliveries/s)", fixed(deliveriesPerSecond, 0)),
            ("SIGKILLs", "\(kills.count)"),
        ]
    }

    /// The table for one or more results side by side (same rows, one column each).
    public static func table(_ results: [ChaosResult]) -> String {
        guard let first = results.first else { return "" }
        let labels = first.rows.map(\.0)
        let columns = results.map { $0.rows.map(\.1) }
        let labelWidth = labels.map(\.count).max() ?? 0
        let widths = zip(results, columns).map { result, values in max(result.target.count, values.map(\.count).max() ?? 0) }
        func line(_ label: String, _ cells: [String]) -> String {
            "| " + label.padding(toLength: labelWidth, withPad: " ", startingAt: 0) + " | "
                + zip(cells, widths).map { String(repeating: " ", count: $1 - $0.count) + $0 }.joined(separator: " | ") + " |"
        }
        var lines = [line("", results.map(\.target))]
        lines.append("|" + String(repeating: "-", count: labelWidth + 2) + "|" + widths.map { String(repeating: "-", count: $0 + 1) + ":" }.joined(separator: "|") + "|")
        for (row, label) in labels.enumerated() { lines.append(line(label, columns.map { $0[row] })) }
        return lines.joined(separator: "\n")
    }

    /// The run's parameters, the kills as they happened, and anything that went wrong, by id.
    public var details: String {
        let c = configuration
        var lines = ["\(target): seed \(seed), \(published) events at \(fixed(c.rate, 0))/s, \(c.rounds) round(s) of one SIGKILL per role"]
        for kill in kills {
            lines.append("  SIGKILL \(kill.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) at t=\(fixed(kill.killedAt, 2))s "
                + "(scheduled \(fixed(kill.scheduledAt, 2))s), down \(fixed(kill.downtime, 2))s, ready after \(fixed(kill.readyAfter, 1))s")
        }
        for loss in losses.prefix(20) { lines.append("  LOST " + loss.description) }
        if losses.count > 20 { lines.append("  … \(losses.count - 20) more lost") }
        for pair in duplicatedPairs.prefix(20) { lines.append("  DUPLICATE EFFECT \(pair.eventID) at \(pair.endpoint)") }
        if duplicatedPairs.count > 20 { lines.append("  … \(duplicatedPairs.count - 20) more (event, endpoint) pairs with duplicates") }
        if !unacknowledged.isEmpty { lines.append("  UNACKNOWLEDGED " + unacknowledged.prefix(20).joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { result += "," }
            result.append(character)
        }
        return result
    }
}

/// `value` with `digits` decimals.
func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
