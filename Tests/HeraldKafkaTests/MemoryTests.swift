import CHeapStats
import Foundation
import Glibc
import HeraldKafka
import Testing

extension KafkaIntegration {
    @Suite struct MemoryTests {
        /// Bytes malloc has handed out and not had back, over every arena. Resident memory was tried
        /// first and varied by 0–33 MB between identical runs (free pages kept by arenas); live heap
        /// bytes only move when something is allocated and kept.
        static func liveHeapBytes() -> Int { Int(herald_live_heap_bytes()) }

        /// Produces `count` 256-byte records, awaiting every report, then consumes them all and
        /// deletes the topic (the local broker keeps everything in memory).
        static func roundTrip(_ count: Int) async throws {
            let topic = try await TestKafka.topic("memory")
            let producer = try KafkaProducer(configuration: TestKafka.configuration, logger: TestKafka.logger)
            let value = [UInt8](repeating: 0x2a, count: 256)
            var pending: [PendingDelivery] = []
            pending.reserveCapacity(1000)
            for index in 0..<count {
                pending.append(try await producer.enqueue(ProducerRecord(topic: topic, key: Array("key-\(index)".utf8), value: value, headers: [KafkaHeader(name: "n", value: "\(index)")])))
                if pending.count == 1000 {
                    for delivery in pending { _ = try await delivery.report }
                    pending.removeAll(keepingCapacity: true)
                }
            }
            for delivery in pending { _ = try await delivery.report }
            await producer.close()

            let consumer = try TestKafka.consumer()
            try await consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
            let received = try await TestKafka.withDeadline(.seconds(60)) {
                var received = 0
                for try await event in consumer.events {
                    if case .message = event { received += 1 }
                    if received == count { break }
                }
                return received
            }
            await consumer.close()
            #expect(received == count)
            let admin = try KafkaAdmin(configuration: TestKafka.configuration, logger: TestKafka.logger)
            try await admin.deleteTopic(topic)
            await admin.close()
        }

        @Test func producingAndConsuming100kMessagesKeepsMemoryFlat() async throws {
            // The first round brings librdkafka's queues, Swift's metadata caches and the
            // allocator to their working size.
            try await Self.roundTrip(100_000)
            let before = Self.liveHeapBytes()
            try await Self.roundTrip(100_000)
            let growth = Self.liveHeapBytes() - before
            #expect(growth < 8 << 20, "live heap grew by \(growth >> 10) KB over 100k messages")

            // The measure itself must see a leak of the size that matters: one 100-byte block kept
            // per message (less than a leaked delivery context) has to show as ≥ 8 MB.
            let blocks = (0..<100_000).map { _ in malloc(100) }
            let withLeak = Self.liveHeapBytes() - before
            blocks.forEach { free($0) }
            #expect(withLeak >= 8 << 20, "a 100-byte leak per message showed as only \(withLeak >> 10) KB")
        }
    }
}
