import Foundation
import HeraldKafka
import Testing

extension KafkaIntegration {
    @Suite struct CompactedTableTests {
        let configuration = TestKafka.configuration
        let logger = TestKafka.logger

        func table(_ topic: String) -> CompactedTable<String, String> {
            CompactedTable(topic: topic, configuration: configuration, logger: logger) { String(decoding: $0, as: UTF8.self) }
        }

        /// Writes `records` (nil value = tombstone) in committed transactions of 100.
        func write(_ records: [(String, String?)], to topic: String, producer: TransactionalProducer) async throws {
            for start in stride(from: 0, to: records.count, by: 100) {
                try await producer.withTransaction { txn in
                    for (key, value) in records[start..<min(start + 100, records.count)] {
                        _ = try await txn.send(ProducerRecord(topic: topic, key: key, value: value))
                    }
                }
            }
        }

        @Test func replaysToTheStartWatermarksThenFollowsUpdatesAndTombstones() async throws {
            let topic = try await TestKafka.topic("table", partitions: 2, configs: ["cleanup.policy": "compact"])
            let producer = try TransactionalProducer(configuration: configuration, transactionalID: TestKafka.unique("table"), logger: logger)
            try await producer.initTransactions()
            // 1000 keys written twice, a tombstone, and an aborted write: the replay has to get past
            // the transaction markers that end the topic, and keep only the latest committed value.
            try await write((0..<1000).map { ("k\($0)", "v1") }, to: topic, producer: producer)
            try await write((0..<1000).map { ("k\($0)", "v2") } + [("k7", nil)], to: topic, producer: producer)
            // The aborted write comes from another producer: after an abort, the local broker hides
            // that producer's later transactions in the partition from readers that are tailing it.
            let aborting = try TransactionalProducer(configuration: configuration, transactionalID: TestKafka.unique("table-abort"), logger: logger)
            try await aborting.initTransactions()
            await #expect(throws: AbortingTransaction.self) {
                try await aborting.withTransaction { txn in
                    _ = try await txn.send(ProducerRecord(topic: topic, key: "k1", value: "aborted")).report
                    throw AbortingTransaction()
                }
            }
            await aborting.close()

            let table = table(topic)
            #expect(!table.isReady)
            let running = Task { try await table.run() }
            try await TestKafka.withDeadline { try await table.waitUntilReady() }

            // Ready means the whole replay is applied, not a prefix of it.
            #expect(table.isReady)
            let snapshot = table.snapshot()
            #expect(snapshot.count == 999)
            #expect(snapshot.values.allSatisfy { $0 == "v2" })
            #expect(table["k7"] == nil)
            #expect(table["k1"] == "v2")

            let changes = table.changes()
            try await write([("k1", "v3"), ("k2", nil), ("new", "n1")], to: topic, producer: producer)
            let applied = try await TestKafka.withDeadline {
                var applied: [String] = []
                for await change in changes {
                    switch change {
                    case .updated(let key, let value): applied.append("\(key)=\(value)")
                    case .deleted(let key): applied.append("-\(key)")
                    }
                    if applied.count == 3 { break }
                }
                return applied
            }
            #expect(Set(applied) == ["k1=v3", "-k2", "new=n1"])
            #expect(table["k1"] == "v3")
            #expect(table["k2"] == nil)
            #expect(table["new"] == "n1")
            #expect(table.count == 999)

            running.cancel()
            _ = await running.result
            await producer.close()
        }

        @Test func aTableRetainingSomeValuesHoldsOnlyThoseButReportsEveryChange() async throws {
            let topic = try await TestKafka.topic("table-retaining", configs: ["cleanup.policy": "compact"])
            let producer = try TransactionalProducer(configuration: configuration, transactionalID: TestKafka.unique("table-retaining"), logger: logger)
            try await producer.initTransactions()
            try await write((0..<100).map { ("k\($0)", $0 % 10 == 0 ? "open" : "done") }, to: topic, producer: producer)
            let table = CompactedTable<String, String>(topic: topic, configuration: configuration, logger: logger, retaining: { $0 == "open" }) {
                String(decoding: $0, as: UTF8.self)
            }
            let running = Task { try await table.run() }
            try await TestKafka.withDeadline { try await table.waitUntilReady() }
            #expect(table.count == 10 && table["k0"] == "open" && table["k1"] == nil)

            let changes = table.changes()
            // k0 finishes (leaves the table), k1 reopens (enters it).
            try await write([("k0", "done"), ("k1", "open")], to: topic, producer: producer)
            let applied = try await TestKafka.withDeadline {
                var applied: [String] = []
                for await change in changes {
                    if case .updated(let key, let value) = change { applied.append("\(key)=\(value)") }
                    if applied.count == 2 { break }
                }
                return applied
            }
            #expect(Set(applied) == ["k0=done", "k1=open"])
            #expect(table["k0"] == nil && table["k1"] == "open" && table.count == 10)
            running.cancel()
            _ = await running.result
            await producer.close()
        }

        @Test func anEmptyTopicIsReadyAtOnce() async throws {
            let topic = try await TestKafka.topic("table-empty", configs: ["cleanup.policy": "compact"])
            let table = table(topic)
            let running = Task { try await table.run() }
            try await TestKafka.withDeadline { try await table.waitUntilReady() }
            #expect(table.count == 0)
            running.cancel()
            _ = await running.result
        }

        @Test func aMissingTopicFailsTheTableAndItsWaiters() async throws {
            let table = table(TestKafka.unique("missing"))
            let running = Task { try await table.run() }
            let error = await #expect(throws: KafkaError.self) { try await TestKafka.withDeadline { try await table.waitUntilReady() } }
            #expect(error?.code == .unknownTopic)
            await #expect(throws: KafkaError.self) { try await running.value }
        }
    }
}
