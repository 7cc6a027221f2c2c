import Logging

/// Which incarnation of each transactional id is current, kept in a compacted topic (key: the base
/// id, value: the incarnation number in decimal).
///
/// A `TransactionalProducer` started with `incarnating(_:configuration:…)` uses `<base>.<n>` and moves to
/// `<base>.<n+1>` on every start and after every abort, fencing `<base>.<n>` first. A fresh
/// transactional id means a fresh producer id, which is what readers need on the local broker:
/// noida-db 0.2.3 lists every aborted transaction of a producer id in every later fetch response,
/// so librdkafka drops all later records of that producer id for a reader that starts past the
/// abort marker (docs/ARCHITECTURE.md §7). On Apache Kafka the move costs a ledger write per start or abort
/// and nothing else.
struct TransactionalIDLedger: Sendable {
    let topic: String
    let configuration: KafkaConfiguration
    let logger: Logger

    init(configuration: KafkaConfiguration, logger: Logger) {
        self.topic = configuration.transactionalIDLedgerTopic
        self.configuration = configuration
        self.logger = logger
    }

    /// Creates the ledger topic (one partition, compacted) unless it exists.
    func prepare() async throws {
        try await KafkaAdmin.createCompactedTopic(topic, configuration: configuration, logger: logger)
    }

    /// The incarnation last recorded for `base`, or `nil` if none was. Fails with `.timedOut` when
    /// the ledger cannot be read within the request timeout.
    func latestIncarnation(of base: String) async throws -> Int? {
        let table = CompactedTable<String, Int>(topic: topic, configuration: configuration, logger: logger) { bytes in
            guard let number = Int(String(decoding: bytes, as: UTF8.self)), number >= 0 else {
                throw KafkaError(code: .invalidArgument, message: "not an incarnation number")
            }
            return number
        }
        let timeout = configuration.requestTimeout
        let topic = topic
        return try await withThrowingTaskGroup(of: Int??.self) { group in
            group.addTask {
                try await table.run()
                return nil
            }
            group.addTask {
                try await table.waitUntilReady()
                return .some(table[base])
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw KafkaError(code: .timedOut, message: "transactional id ledger \(topic) not read within \(timeout)", isRetriable: true)
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let latest = result { return latest }
            }
            throw KafkaError(code: .closed, message: "transactional id ledger \(topic): reader ended")
        }
    }

    /// Records `incarnation` as current for `base`, waiting for the broker's acknowledgement.
    func record(_ incarnation: Int, of base: String) async throws {
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        do {
            _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, key: base, value: String(incarnation)))
        } catch {
            await producer.close()
            throw error
        }
        await producer.close()
    }
}
