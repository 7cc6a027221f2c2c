import HeraldKafka
import Testing

extension KafkaIntegration {
    /// `TransactionalProducer.incarnating`: a fresh transactional id per start and after each abort,
    /// with the previous incarnation fenced. What a reader notices is that no record goes missing
    /// after an abort, whichever offset it starts reading from.
    @Suite struct IncarnationTests {
        let configuration = TestKafka.configuration
        let logger = TestKafka.logger

        @Test func afterAnAbortAReaderStartingPastItStillGetsTheProducersLaterRecords() async throws {
            let topic = try await TestKafka.topic("incarnation-abort")
            let base = TestKafka.unique("incarnating")
            let producer = try await TransactionalProducer.incarnating(base, configuration: configuration, logger: logger)
            #expect(producer.transactionalID == "\(base).0")

            _ = try await producer.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "k", value: "before")) }
            await #expect(throws: AbortingTransaction.self) {
                try await producer.withTransaction { txn in
                    _ = try await txn.send(ProducerRecord(topic: topic, key: "k", value: "aborted")).report
                    throw AbortingTransaction()
                }
            }
            let later = try await producer.withTransaction { txn in
                [try await txn.send(ProducerRecord(topic: topic, key: "k", value: "after-1")),
                 try await txn.send(ProducerRecord(topic: topic, key: "k", value: "after-2"))]
            }
            #expect(producer.transactionalID == "\(base).1", "the abort moved the producer to its next incarnation")
            await producer.close()

            // A reader that starts after the abort marker, as a consumer restarting at its committed
            // offset does. Under one producer id for good, the local broker's listing of the old
            // aborted transaction makes librdkafka drop both records (docs/ARCHITECTURE.md §7).
            let first = try await later[0].report.offset
            let reader = try TestKafka.consumer()
            try await reader.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: first)])
            let seen = try await TestKafka.collect(2, from: reader, within: .seconds(15)).compactMap { TestKafka.string($0.value) }
            await reader.close()
            #expect(seen == ["after-1", "after-2"])

            let committed = try await TestKafka.readAll(topic).compactMap { TestKafka.string($0.value) }
            #expect(committed == ["before", "after-1", "after-2"])
        }

        @Test func theNextIncarnationAbortsWhatAKilledOneLeftOpen() async throws {
            let topic = try await TestKafka.topic("incarnation-kill")
            let base = TestKafka.unique("incarnating-killed")
            let probe = try Probe(["incarnating-transaction", TestKafka.brokers, topic, base, "3"])
            let output = await probe.lines(until: "SENT")
            #expect(output == ["ID \(base).0", "SENT"], "probe output: \(output)")
            probe.kill()

            let restarted = try await TransactionalProducer.incarnating(base, configuration: configuration, logger: logger)
            #expect(restarted.transactionalID == "\(base).1")
            let pending = try await restarted.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "k", value: "restarted")) }
            await restarted.close()

            // Readable at once (the orphan no longer holds readers back), also from its own offset.
            let reader = try TestKafka.consumer()
            try await reader.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: try await pending.report.offset)])
            let seen = try await TestKafka.collect(1, from: reader, within: .seconds(15)).compactMap { TestKafka.string($0.value) }
            await reader.close()
            #expect(seen == ["restarted"])
            #expect(try await TestKafka.readAll(topic).compactMap { TestKafka.string($0.value) } == ["restarted"])
            let everything = try await TestKafka.readAll(topic, isolation: .readUncommitted)
            #expect(everything.filter { TestKafka.string($0.value)?.hasPrefix("orphan-") == true }.count == 3, "the orphaned records were written")
        }

        @Test func aLaterIncarnationFencesTheEarlierOneEvenAcrossItsAbort() async throws {
            let topic = try await TestKafka.topic("incarnation-fence")
            let base = TestKafka.unique("incarnating-fenced")
            let first = try await TransactionalProducer.incarnating(base, configuration: configuration, logger: logger)
            _ = try await first.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "k", value: "first-1")) }

            let second = try await TransactionalProducer.incarnating(base, configuration: configuration, logger: logger)
            #expect(second.transactionalID == "\(base).1")

            let fenced = await #expect(throws: KafkaError.self) {
                _ = try await first.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "k", value: "first-2")) }
            }
            #expect(fenced?.code == .fenced && fenced?.isFatal == true, "got \(String(describing: fenced))")

            // The second aborts, then finds no later incarnation and moves on to the next one itself.
            await #expect(throws: AbortingTransaction.self) {
                try await second.withTransaction { txn in
                    _ = try await txn.send(ProducerRecord(topic: topic, key: "k", value: "second-aborted")).report
                    throw AbortingTransaction()
                }
            }
            _ = try await second.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "k", value: "second-1")) }
            #expect(second.transactionalID == "\(base).2")

            // A third starting while the second is between an abort and its renewal: the second must
            // not come back under an incarnation of its own.
            await #expect(throws: AbortingTransaction.self) {
                try await second.withTransaction { _ in throw AbortingTransaction() }
            }
            let third = try await TransactionalProducer.incarnating(base, configuration: configuration, logger: logger)
            #expect(third.transactionalID == "\(base).3")
            let refused = await #expect(throws: KafkaError.self) {
                _ = try await second.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "k", value: "second-2")) }
            }
            #expect(refused?.code == .fenced && refused?.isFatal == true, "got \(String(describing: refused))")
            _ = try await third.withTransaction { txn in try await txn.send(ProducerRecord(topic: topic, key: "k", value: "third-1")) }
            for producer in [first, second, third] { await producer.close() }

            #expect(try await TestKafka.readAll(topic).compactMap { TestKafka.string($0.value) } == ["first-1", "second-1", "third-1"])
        }
    }
}
