import Foundation
import HeraldCore
import Testing

@Suite struct PartitionerTests {
    static func event(_ type: String, _ source: String, _ subject: String = "") -> EventAttributes {
        EventAttributes(id: "1", source: source, type: type, subject: subject)
    }

    @Test func typeSourceHashesTheRecordKeyLikeKafka() {
        var partitioner = Partitioner()
        let event = Self.event("order.created", "https://shop.example/orders", "o-1")
        #expect(partitioner.recordKey(for: event) == "order.created|https://shop.example/orders")
        // Broker-observed vector (Murmur2Tests): this key lands in partition 0 of 12 and 94 of 97.
        #expect(partitioner.partition(for: event, partitionCount: 12) == 0)
        #expect(partitioner.partition(for: event, partitionCount: 97) == 94)
    }

    @Test func typeSourceSubjectKeysBySubject() {
        var partitioner = Partitioner(strategy: .typeSourceSubject)
        let event = Self.event("invoice.paid", "urn:billing:eu-1", "inv-2026-0001")
        #expect(partitioner.recordKey(for: event) == "invoice.paid|urn:billing:eu-1|inv-2026-0001")
        #expect(partitioner.partition(for: event, partitionCount: 97) == 60)
    }

    @Test func strategyNames() {
        for name in PartitionStrategy.names { #expect(PartitionStrategy(name: name)?.name == name) }
        #expect(PartitionStrategy(name: "random") == nil)
        #expect(PartitionStrategy(name: "adaptive") == .adaptive())
    }

    /// Zipf(1.1) over `keys` (type, source) pairs with random subjects, seeded.
    static func zipfWorkload(events: Int, keys: Int, seed: UInt64) -> [EventAttributes] {
        var random = SeededRandom(seed: seed)
        var cumulative: [Double] = []
        var sum = 0.0
        for rank in 1...keys {
            sum += 1 / pow(Double(rank), 1.1)
            cumulative.append(sum)
        }
        return (0..<events).map { _ in
            let target = Double.random(in: 0..<sum, using: &random)
            var low = 0, high = keys - 1
            while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] <= target { low = mid + 1 } else { high = mid }
            }
            return event("type\(low)", "/source/\(low)", "subject-\(Int.random(in: 0..<100_000, using: &random))")
        }
    }

    static func skew(_ strategy: PartitionStrategy, _ workload: [EventAttributes], skipping warmUp: Int) -> Double {
        var partitioner = Partitioner(strategy: strategy)
        var load = PartitionLoad(partitionCount: 12)
        for (index, event) in workload.enumerated() {
            let partition = partitioner.partition(for: event, partitionCount: 12)
            if index >= warmUp { load.record(partition) }
        }
        return load.skew
    }

    @Test func adaptiveRemovesHotPartitionsUnderZipf() {
        let workload = Self.zipfWorkload(events: 60_000, keys: 1_000, seed: 7)
        let plain = Self.skew(.typeSource, workload, skipping: 10_000)
        let adaptive = Self.skew(.adaptive(), workload, skipping: 10_000)
        #expect(plain > 1.5)
        #expect(adaptive <= 1.2, "type-source \(plain), adaptive \(adaptive)")
    }

    @Test func adaptiveKeepsEachSubjectOnOnePartitionOnceHot() {
        var partitioner = Partitioner(strategy: .adaptive(AdaptivePartitioning(windowSize: 100, hotThreshold: 1, spreadWidth: 4)))
        // 100 × 1 / 12 → hot from 9 events of one key in the window.
        var seen: [String: Set<Int32>] = [:]
        for round in 0..<200 {
            let subject = "s\(round % 10)"
            let partition = partitioner.partition(for: Self.event("hot", "/h", subject), partitionCount: 12)
            _ = partitioner.partition(for: Self.event("cold\(round)", "/c", subject), partitionCount: 12)
            if round >= 9 { seen[subject, default: []].insert(partition) }
        }
        #expect(partitioner.hotKeys == ["hot|/h"])
        #expect(seen.values.allSatisfy { $0.count == 1 })
        let base = Murmur2.partition(forKey: "hot|/h", partitionCount: 12)
        let used = seen.values.reduce(into: Set<Int32>()) { $0.formUnion($1) }
        #expect(used.count > 1)
        #expect(used.allSatisfy { ($0 - base + 12) % 12 < 4 })
    }

    @Test func adaptiveCoolsDownWithHysteresis() {
        var partitioner = Partitioner(strategy: .adaptive(AdaptivePartitioning(windowSize: 120, hotThreshold: 1)))
        // Enter at 10 events of the key in the last 120; leave below 5.
        for _ in 0..<10 { _ = partitioner.partition(for: Self.event("k", "/s"), partitionCount: 12) }
        #expect(partitioner.hotKeys == ["k|/s"])
        for index in 0..<113 { _ = partitioner.partition(for: Self.event("other\(index)", "/s"), partitionCount: 12) }
        // 7 of the key's events remain in the window: below the entry count, still hot.
        #expect(partitioner.hotKeys.contains("k|/s"))
        for index in 0..<3 { _ = partitioner.partition(for: Self.event("more\(index)", "/s"), partitionCount: 12) }
        #expect(partitioner.hotKeys.contains("k|/s") == false)
    }

    @Test func adaptiveIsDeterministic() {
        let workload = Self.zipfWorkload(events: 20_000, keys: 200, seed: 3)
        var first = Partitioner(strategy: .adaptive()), second = Partitioner(strategy: .adaptive())
        #expect(workload.map { first.partition(for: $0, partitionCount: 12) } == workload.map { second.partition(for: $0, partitionCount: 12) })
    }

    @Test func loadSkew() {
        var load = PartitionLoad(partitionCount: 4)
        #expect(load.skew == 0)
        for partition: Int32 in [0, 0, 1, 2, 3, 0] { load.record(partition) }
        #expect(load.counts == [3, 1, 1, 1])
        #expect(load.skew == 2)
    }
}
