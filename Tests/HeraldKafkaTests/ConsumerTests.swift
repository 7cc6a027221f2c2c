import Foundation
import HeraldKafka
import Testing

extension KafkaIntegration {
    @Suite struct ConsumerTests {
        let configuration = TestKafka.configuration
        let logger = TestKafka.logger

        func produce(_ count: Int, to topic: String, partitions: Int32 = 1, prefix: String = "v") async throws {
            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            var pending: [PendingDelivery] = []
            for index in 0..<count {
                pending.append(try await producer.enqueue(ProducerRecord(topic: topic, partition: Int32(index) % partitions, key: "k\(index)", value: "\(prefix)\(index)")))
            }
            for delivery in pending { _ = try await delivery.report }
            await producer.close()
        }

        @Test func aKilledStaticMemberRestartsWithItsPartitionsAndCommittedOffsets() async throws {
            let topic = try await TestKafka.topic("static", partitions: 2)
            try await produce(20, to: topic, partitions: 2)
            let group = TestKafka.unique("static-group")

            let probe = try Probe(["consume", TestKafka.brokers, topic, group, "6"])
            let output = await probe.lines(until: "DONE")
            probe.kill()
            #expect(output.last == "DONE", "probe output: \(output)")
            var committedByProbe: [Int32: Int64] = [:]
            for line in output where line.hasPrefix("COMMITTED ") {
                let fields = line.split(separator: " ")
                committedByProbe[Int32(fields[1])!] = Int64(fields[2])!
            }

            // Same group.instance.id as the probe ("<group>-member"): it replaces the dead member
            // without waiting for a session timeout the broker would never enforce.
            let restarted = try TestKafka.consumer(groupID: group, instanceID: "\(group)-member")
            try await restarted.subscribe([topic])
            let (assigned, firstOffsets) = try await TestKafka.withDeadline {
                var assigned: Set<TopicPartition> = []
                var firstOffsets: [Int32: Int64] = [:]
                for try await event in restarted.events {
                    switch event {
                    case .partitionsAssigned(let partitions): assigned.formUnion(partitions)
                    case .message(let message): firstOffsets[message.partition] = firstOffsets[message.partition] ?? message.offset
                    default: break
                    }
                    if firstOffsets.count == 2 { break }
                }
                return (assigned, firstOffsets)
            }
            await restarted.close()

            #expect(assigned == [TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1)])
            for partition: Int32 in [0, 1] {
                #expect(firstOffsets[partition] == (committedByProbe[partition] ?? 0), "partition \(partition) resumes at its committed offset")
            }
        }

        /// Eager protocols revoke everything and reassign; cooperative ones hand over only what moves
        /// (the rebalance callback must use incremental assign/unassign there).
        @Test(arguments: ["range,roundrobin", "cooperative-sticky"])
        func assignmentChangesArriveInOrderWithMessages(strategy: String) async throws {
            let topic = try await TestKafka.topic("rebalance", partitions: 4)
            let group = TestKafka.unique("rebalance-group")
            try await produce(400, to: topic, partitions: 4, prefix: "a")
            var memberConfiguration = configuration
            memberConfiguration.properties["partition.assignment.strategy"] = strategy
            let first = try KafkaConsumer(configuration: memberConfiguration, options: KafkaConsumer.Options(groupID: group), logger: TestKafka.logger)
            try await first.subscribe([topic])
            struct Observed: Sendable {
                var owned: Set<TopicPartition> = []
                var outsideAssignment: [KafkaMessage] = []
                var sawRevocation = false
                var second: Probe?
            }
            let observed = try await TestKafka.withDeadline(.seconds(60)) {
                var observed = Observed()
                for try await event in first.events {
                    switch event {
                    case .partitionsAssigned(let partitions):
                        observed.owned.formUnion(partitions)
                        if observed.second == nil {
                            // A second member joins mid-stream, forcing a rebalance. It runs in a
                            // child process that is killed rather than closed: librdkafka 2.0.2 aborts
                            // (`assignor_state` assertion) when a cooperative-sticky member is
                            // destroyed before its first assignment, and the local broker can leave
                            // a member that joined mid-rebalance without one for many seconds.
                            let second = try Probe(["join", TestKafka.brokers, topic, group, strategy])
                            _ = await second.lines(until: "SUBSCRIBED")
                            observed.second = second
                        }
                    case .partitionsRevoked(let partitions):
                        observed.owned.subtract(partitions)
                        observed.sawRevocation = true
                    case .message(let message):
                        if !observed.owned.contains(message.topicPartition) { observed.outsideAssignment.append(message) }
                    case .endOfPartition:
                        break
                    }
                    if observed.sawRevocation && !observed.owned.isEmpty && observed.owned.count < 4 { break }
                }
                return observed
            }
            observed.second?.kill()
            #expect(observed.sawRevocation)
            #expect(observed.outsideAssignment.isEmpty, "messages of partitions not assigned at the time: \(observed.outsideAssignment.prefix(3))")
            #expect(observed.owned.count < 4, "the group split the partitions: \(observed.owned)")
            await first.close()
        }

        /// With `.afterAcknowledgement` the group cannot hand revoked partitions on before the
        /// caller acknowledges: what it commits for them in between (standing for a transaction still
        /// in flight when the rebalance began) is where their next owner starts.
        @Test func aHeldRevocationLetsTheNextOwnerStartAtWhatWasCommittedBeforeTheAcknowledgement() async throws {
            let topic = try await TestKafka.topic("held-revocation", partitions: 2)
            let group = TestKafka.unique("held-revocation-group")
            try await produce(20, to: topic, partitions: 2)
            let both = [TopicPartition(topic: topic, partition: 0), TopicPartition(topic: topic, partition: 1)]
            let options = KafkaConsumer.Options(groupID: group, revocation: .afterAcknowledgement(timeout: .seconds(60)))
            let first = try KafkaConsumer(configuration: configuration, options: options, logger: logger)
            let second = try TestKafka.consumer(groupID: group)
            let producer = try TransactionalProducer(configuration: configuration, transactionalID: TestKafka.unique("held-revocation-txn"), logger: logger)
            try await producer.initTransactions()
            try await first.subscribe([topic])

            let (heldDuringRevocation, ownedAfter) = try await TestKafka.withDeadline(.seconds(60)) {
                var consumed = 0
                var held: [TopicPartition]?
                for try await event in first.events {
                    switch event {
                    case .message:
                        consumed += 1
                        // Everything read, nothing committed yet: a second member joins.
                        if consumed == 20 { try await second.subscribe([topic]) }
                    case .partitionsRevoked(let partitions):
                        // A transactional offset commit, as the exactly-once loops do (the local broker
                        // refuses a plain commit during a rebalance: docs/ARCHITECTURE.md §7).
                        try await producer.withTransaction { transaction in
                            try await transaction.sendOffsets(partitions.map { TopicPartitionOffset($0, offset: 10) }, groupMetadata: first.groupMetadata())
                        }
                        held = try first.assignment()
                        first.acknowledgeRevocations()
                    case .partitionsAssigned(let partitions):
                        if held != nil { return (held!, partitions) }
                    case .endOfPartition:
                        break
                    }
                }
                throw KafkaError(code: .closed, message: "events ended")
            }
            #expect(Set(heldDuringRevocation) == Set(both), "the revoked partitions stay assigned until acknowledged")

            // One new record per partition (offset 10): each member's first message is it.
            try await produce(2, to: topic, partitions: 2, prefix: "b")
            let firstOffsets = try await TestKafka.withDeadline(.seconds(60)) {
                var firstOffsets: [TopicPartition: Int64] = [:]
                for (consumer, owned) in [(first, Set(ownedAfter)), (second, Set(both).subtracting(ownedAfter))] where !owned.isEmpty {
                    for try await event in consumer.events {
                        if case .message(let message) = event, firstOffsets[message.topicPartition] == nil {
                            firstOffsets[message.topicPartition] = message.offset
                        }
                        if owned.isSubset(of: firstOffsets.keys) { break }
                    }
                }
                return firstOffsets
            }
            #expect(firstOffsets == [both[0]: 10, both[1]: 10])
            await producer.close()
            await second.close()
            await first.close()
        }

        @Test func positionCommitPauseResumeAndSeek() async throws {
            let topic = try await TestKafka.topic("controls", partitions: 2)
            let group = TestKafka.unique("controls-group")
            try await produce(200, to: topic, partitions: 2)
            let p0 = TopicPartition(topic: topic, partition: 0)
            let p1 = TopicPartition(topic: topic, partition: 1)

            let consumer = try TestKafka.consumer(groupID: group)
            try await consumer.assign([TopicPartitionOffset(p0, offset: KafkaOffset.beginning), TopicPartitionOffset(p1, offset: KafkaOffset.beginning)])

            // Take a few, then pause partition 0 while more of it sits in the buffer.
            var messages = try await TestKafka.collect(10, from: consumer)
            try await consumer.pause([p0])
            let whilePaused = try await TestKafka.collect(100 - messages.filter { $0.partition == 1 }.count, from: consumer)
            #expect(whilePaused.allSatisfy { $0.partition == 1 }, "nothing from a paused partition")
            messages += whilePaused
            try await consumer.resume([p0])
            messages += try await TestKafka.collect(200 - messages.count, from: consumer)

            for partition in [p0, p1] {
                let offsets = messages.filter { $0.topicPartition == partition }.map(\.offset)
                #expect(offsets == Array(0..<100), "every message of \(partition) exactly once, in order")
            }
            #expect(consumer.position([p0, p1]).map(\.offset) == [100, 100])

            try await consumer.commit([TopicPartitionOffset(p0, offset: 100), TopicPartitionOffset(p1, offset: 42)])
            #expect(try await consumer.committed([p0, p1]).map(\.offset) == [100, 42])
            _ = try consumer.groupMetadata()

            try await consumer.seek([TopicPartitionOffset(p1, offset: 90)])
            #expect(consumer.position([p1]).first?.offset == 90)
            let replayed = try await TestKafka.collect(10, from: consumer)
            #expect(replayed.map(\.offset) == Array(90..<100))
            #expect(replayed.allSatisfy { $0.partition == 1 })
            await consumer.close()
        }

        @Test func eventsEndAfterClose() async throws {
            let topic = try await TestKafka.topic("close")
            let consumer = try TestKafka.consumer()
            try await consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
            await consumer.close()
            let remaining = try await TestKafka.withDeadline {
                var events: [KafkaConsumerEvent] = []
                for try await event in consumer.events { events.append(event) }
                return events
            }
            #expect(remaining.last == .partitionsRevoked([TopicPartition(topic: topic, partition: 0)]))
            await #expect(throws: KafkaError.self) { try await consumer.seek([TopicPartitionOffset(topic: topic, partition: 0, offset: 0)]) }
        }
    }
}
