import Foundation
import HeraldKafka
import Logging
import Synchronization
import Testing

extension KafkaIntegration {
    @Suite struct TransactionTests {
        let configuration = TestKafka.configuration
        let logger = TestKafka.logger

        @Test func committedRecordsAreVisibleAndAbortedOnesOnlyUncommitted() async throws {
            let topic = try await TestKafka.topic("txn-visibility")
            let producer = try TransactionalProducer(configuration: configuration, transactionalID: TestKafka.unique("txn"), logger: logger)
            try await producer.initTransactions()

            let pending = try await producer.withTransaction { txn in
                var pending: [PendingDelivery] = []
                for index in 0..<3 { pending.append(try await txn.send(ProducerRecord(topic: topic, key: "k\(index)", value: "committed-\(index)"))) }
                return pending
            }
            await #expect(throws: AbortingTransaction.self) {
                try await producer.withTransaction { txn in
                    for index in 0..<2 {
                        // Awaited, so the records are in the log before the abort (not just purged from the queue).
                        _ = try await txn.send(ProducerRecord(topic: topic, key: "k\(index)", value: "aborted-\(index)")).report
                    }
                    throw AbortingTransaction()
                }
            }
            // After an abort the producer is usable again.
            _ = try await producer.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "k", value: "committed-3")) }
            await producer.close()

            var reports: [DeliveryReport] = []
            for delivery in pending { reports.append(try await delivery.report) }

            let committed = try await TestKafka.readAll(topic, isolation: .readCommitted)
            #expect(committed.compactMap { TestKafka.string($0.value) } == ["committed-0", "committed-1", "committed-2", "committed-3"])
            #expect(Array(committed.prefix(3).map(\.offset)) == reports.map(\.offset), "delivery reports name the offsets readers see")

            let uncommitted = try await TestKafka.readAll(topic, isolation: .readUncommitted)
            #expect(uncommitted.compactMap { TestKafka.string($0.value) } == ["committed-0", "committed-1", "committed-2", "aborted-0", "aborted-1", "committed-3"])
        }

        @Test func aNewerProducerFencesTheOlderOne() async throws {
            let topic = try await TestKafka.topic("txn-fencing")
            let id = TestKafka.unique("fenced")
            let old = try TransactionalProducer(configuration: configuration, transactionalID: id, logger: logger)
            try await old.initTransactions()
            _ = try await old.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "a", value: "old-1")) }

            let new = try TransactionalProducer(configuration: configuration, transactionalID: id, logger: logger)
            try await new.initTransactions()

            let error = await #expect(throws: KafkaError.self) {
                _ = try await old.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "a", value: "old-2")) }
            }
            #expect(error?.code == .fenced, "got \(String(describing: error))")
            #expect(error?.isFatal == true)

            // Unusable from now on, with the same distinct error.
            let again = await #expect(throws: KafkaError.self) {
                _ = try await old.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "a", value: "old-3")) }
            }
            #expect(again?.code == .fenced)
            await #expect(throws: KafkaError.self) { _ = try await old.initTransactions() }

            _ = try await new.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "a", value: "new-1")) }
            await old.close()
            await new.close()

            let values = try await TestKafka.readAll(topic).compactMap { TestKafka.string($0.value) }
            #expect(values == ["old-1", "new-1"])
        }

        @Test func offsetsAreCommittedOnlyWithTheTransaction() async throws {
            let input = try await TestKafka.topic("ctp-in")
            let output = try await TestKafka.topic("ctp-out")
            let group = TestKafka.unique("ctp-group")
            let plain = try KafkaProducer(configuration: configuration, logger: logger)
            for index in 0..<10 { _ = try await plain.send(ProducerRecord(topic: input, key: "k\(index)", value: "v\(index)")) }
            await plain.close()

            let consumer = try TestKafka.consumer(groupID: group)
            try await consumer.subscribe([input])
            let producer = try TransactionalProducer(configuration: configuration, transactionalID: TestKafka.unique("ctp"), logger: logger)
            try await producer.initTransactions()
            let partition = TopicPartition(topic: input, partition: 0)

            let firstBatch = try await TestKafka.collect(5, from: consumer)
            await #expect(throws: AbortingTransaction.self) {
                try await producer.withTransaction { txn in
                    for message in firstBatch {
                        _ = try await txn.send(ProducerRecord(topic: output, key: message.key, value: Array("out-".utf8) + (message.value ?? [])))
                    }
                    try await txn.sendOffsets([firstBatch.last!.nextOffset], groupMetadata: consumer.groupMetadata())
                    throw AbortingTransaction()
                }
            }
            #expect(try await consumer.committed([partition]).first?.offset == KafkaOffset.invalid, "an aborted transaction commits no offsets")

            try await producer.withTransaction { txn in
                for message in firstBatch {
                    _ = try await txn.send(ProducerRecord(topic: output, key: message.key, value: Array("out-".utf8) + (message.value ?? [])))
                }
                try await txn.sendOffsets([firstBatch.last!.nextOffset], groupMetadata: consumer.groupMetadata())
            }
            #expect(try await consumer.committed([partition]).first?.offset == 5)
            await producer.close()
            await consumer.close()

            let values = try await TestKafka.readAll(output).compactMap { TestKafka.string($0.value) }
            #expect(values == (0..<5).map { "out-v\($0)" })
        }

        @Test func anOrphanedTransactionOfAKilledProcessIsAbortedWhenItsIDReturns() async throws {
            let topic = try await TestKafka.topic("txn-orphan")
            let id = TestKafka.unique("orphan")
            let probe = try Probe(["transaction", TestKafka.brokers, topic, id, "5"])
            let output = await probe.lines(until: "SENT")
            #expect(output.last == "SENT", "probe output: \(output)")
            probe.kill()

            // A committed record written after the orphaned ones: read_committed readers cannot get
            // past the open transaction to reach it until the transaction is resolved.
            let other = try TransactionalProducer(configuration: configuration, transactionalID: TestKafka.unique("other"), logger: logger)
            try await other.initTransactions()
            _ = try await other.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "after", value: "after-orphan")) }
            await other.close()

            let reader = try TestKafka.consumer()
            try await reader.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])

            let restarted = try TransactionalProducer(configuration: configuration, transactionalID: id, logger: logger)
            try await restarted.initTransactions()
            _ = try await restarted.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "restarted", value: "restarted")) }
            await restarted.close()

            // The reader waiting behind the orphan moves on once the restarted id aborted it.
            let seen = try await TestKafka.collect(1, from: reader).compactMap { TestKafka.string($0.value) }
            await reader.close()
            #expect(seen == ["after-orphan"])
            // A reader starting now sees exactly the committed records. (The restarted producer's own
            // records are checked with a fresh reader: the local broker hides them from readers that
            // were already waiting when the orphan was aborted; see docs/ARCHITECTURE.md §7.)
            let committed = try await TestKafka.readAll(topic).compactMap { TestKafka.string($0.value) }
            #expect(committed == ["after-orphan", "restarted"])
            let everything = try await TestKafka.readAll(topic, isolation: .readUncommitted)
            #expect(everything.filter { TestKafka.string($0.value)?.hasPrefix("orphan-") == true }.count == 5, "the orphaned records were written")
        }

        @Test func anAbortableFailureAbortsTheTransactionAndIsReported() async throws {
            // The broker rejects records over the topic's limit, which makes the transaction abortable.
            let topic = try await TestKafka.topic("txn-abortable", configs: ["max.message.bytes": "1000"])
            let producer = try TransactionalProducer(configuration: configuration, transactionalID: TestKafka.unique("abortable"), logger: logger)
            try await producer.initTransactions()

            let error = await #expect(throws: KafkaError.self) {
                try await producer.withTransaction { txn in
                    _ = try await txn.send(ProducerRecord(topic: topic, key: "k", value: "in-failed-transaction"))
                    _ = try await txn.send(ProducerRecord(topic: topic, key: Array("k".utf8), value: [UInt8](repeating: 1, count: 5000)))
                }
            }
            #expect(error?.requiresAbort == true, "\(String(describing: error))")
            #expect(error?.isFatal == false)
            #expect(error?.code == .messageTooLarge)
            await producer.close()
            // Aborted, not left open: a read_committed reader reaches the end and sees nothing. (The
            // local broker then rejects this producer's next transaction with an out-of-order
            // sequence, so carrying on with the same producer is not checked here.)
            #expect(try await TestKafka.readAll(topic).isEmpty)
        }

        @Test func aCommitThatTimesOutIsRetriedNotAborted() async throws {
            // librdkafka's in-process mock cluster, slowed down so every request outlives the 1 s
            // request timeout: the commit times out (retriable) and must be retried to success.
            let log = CapturedLog()
            var captured = Logger(label: "herald-kafka-tests.captured", factory: { (_: String) -> any LogHandler in log })
            captured.logLevel = .debug
            let slow = KafkaConfiguration(
                bootstrapServers: ["unused:9092"],
                requestTimeout: .seconds(1),
                deliveryTimeout: .seconds(30),
                properties: ["test.mock.num.brokers": "1", "test.mock.broker.rtt": "700"]
            )
            let producer = try TransactionalProducer(configuration: slow, transactionalID: TestKafka.unique("slow"), logger: captured)
            let initialised = try await TestKafka.eventually {
                do {
                    try await producer.initTransactions()
                    return true
                } catch let error as KafkaError where error.isRetriable {
                    return false
                }
            }
            try #require(initialised)

            let pending = try await producer.withTransaction { txn in
                try await (0..<3).asyncMap { try await txn.send(ProducerRecord(topic: "slow", key: "k", value: "v\($0)")) }
            }
            var offsets: [Int64] = []
            for delivery in pending { offsets.append(try await delivery.report.offset) }
            await producer.close()

            #expect(offsets.count == 3)
            #expect(log.messages.contains("Retrying transaction commit"), "the commit timed out at least once")
            #expect(!log.messages.contains("Aborting transaction"))
        }
    }
}

/// Records the messages logged through it (a swift-log handler for assertions on library logs).
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let storage = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var messages: [String] { storage.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        storage.withLock { $0.append(event.message.description) }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
