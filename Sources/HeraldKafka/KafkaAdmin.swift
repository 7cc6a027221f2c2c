public import Logging
import Foundation

/// Topic administration and offset queries.
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient
    private let executor: BlockingExecutor
    private let thread: ServiceThread
    private let configuration: KafkaConfiguration

    public init(configuration: KafkaConfiguration, logger: Logger) throws {
        let client = try RDKafkaClient(
            kind: .producer,
            properties: configuration.clientProperties,
            callbacks: RDKafkaClient.Callbacks(logger: logger) { error in
                logger.debug("Kafka admin client error", metadata: [LogKeys.error: "\(error)"])
            }
        )
        self.client = client
        self.configuration = configuration
        executor = BlockingExecutor(label: "herald.kafka.admin.blocking")
        // Serves logs and errors only; admin results arrive on per-request queues.
        thread = ServiceThread(name: "herald.kafka.admin.poll") { thread in
            while !thread.isStopRequested { client.poll(timeoutMilliseconds: 100) }
        }
    }

    deinit { thread.requestStop() }

    /// Creates a topic and waits until the cluster's metadata lists it, so it is usable on return.
    /// With `ignoreIfExists`, an existing topic (whatever its settings) is not an error.
    /// `replicationFactor` -1 (the default) takes the cluster's `default.replication.factor`, so a
    /// topic a service creates on a real cluster is replicated as the operators configured it.
    public func createTopic(
        _ name: String,
        partitions: Int,
        replicationFactor: Int = -1,
        configs: [String: String] = [:],
        ignoreIfExists: Bool = false
    ) async throws {
        let client = client
        let timeout = configuration.requestTimeout
        try await executor.run {
            do {
                try client.createTopic(name: name, partitions: partitions, replicationFactor: replicationFactor, configs: configs, timeout: timeout)
            } catch let error as KafkaError where ignoreIfExists && error.code == .topicAlreadyExists {
                return
            }
            let deadline = ContinuousClock.now + timeout
            while true {
                do {
                    if try client.partitions(of: name, timeout: timeout).count >= min(partitions, 1) { return }
                } catch let error as KafkaError where error.code == .unknownTopic && ContinuousClock.now < deadline {
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
    }

    /// Runs `body` with an admin client of its own, closed again when `body` returns or throws.
    public static func withAdmin<Result>(
        configuration: KafkaConfiguration, logger: Logger, _ body: (KafkaAdmin) async throws -> Result
    ) async throws -> Result {
        try await closing(try KafkaAdmin(configuration: configuration, logger: logger), body)
    }

    /// Creates a one-partition compacted topic unless it exists, with an admin client of its own
    /// that is closed again: for a table a process keeps, such as its ledger or its keys.
    public static func createCompactedTopic(_ name: String, configuration: KafkaConfiguration, logger: Logger) async throws {
        try await withAdmin(configuration: configuration, logger: logger) { admin in
            try await admin.createTopic(name, partitions: 1, configs: ["cleanup.policy": "compact"], ignoreIfExists: true)
        }
    }

    public func deleteTopic(_ name: String) async throws {
        let client = client
        let timeout = configuration.requestTimeout
        try await executor.run { try client.deleteTopic(name: name, timeout: timeout) }
    }

    /// Partition count and configuration of a topic; `.unknownTopic` if it does not exist.
    public func describeTopic(_ name: String) async throws -> TopicDescription {
        let client = client
        let timeout = configuration.requestTimeout
        return try await executor.run {
            let partitions = try client.partitions(of: name, timeout: timeout)
            let configs = try client.topicConfigs(name: name, timeout: timeout)
            return TopicDescription(name: name, partitions: partitions, configs: configs)
        }
    }

    /// Names of all topics in the cluster.
    public func listTopics() async throws -> [String] {
        let client = client
        let timeout = configuration.requestTimeout
        return try await executor.run { try client.topicNames(timeout: timeout).sorted() }
    }

    /// The oldest retained offset and the offset after the newest record of one partition.
    public func watermarks(topic: String, partition: Int32) async throws -> Watermarks {
        let client = client
        let timeout = configuration.requestTimeout
        let (low, high) = try await executor.run { try client.watermarks(topic: topic, partition: partition, timeout: timeout) }
        return Watermarks(low: low, high: high)
    }

    /// For every partition of `topic`, the offset matching `specification`.
    public func listOffsets(topic: String, _ specification: OffsetSpecification) async throws -> [TopicPartitionOffset] {
        let client = client
        let timeout = configuration.requestTimeout
        return try await executor.run {
            let partitions = try client.partitions(of: topic, timeout: timeout)
            switch specification.backing {
            case .earliest, .latest:
                return try partitions.map { partition in
                    let marks = try client.watermarks(topic: topic, partition: partition, timeout: timeout)
                    let offset = if case .earliest = specification.backing { marks.low } else { marks.high }
                    return TopicPartitionOffset(topic: topic, partition: partition, offset: offset)
                }
            case .timestamp(let milliseconds):
                let query = partitions.map { TopicPartitionOffset(topic: topic, partition: $0, offset: milliseconds) }
                return try client.offsetsForTimes(query, timeout: timeout)
            }
        }
    }

    /// The end offset (high watermark) of every partition of `topics`, as the broker reports them now.
    public func endOffsets(of topics: [String]) async throws -> [TopicPartition: Int64] {
        var ends: [TopicPartition: Int64] = [:]
        for topic in topics {
            for end in try await listOffsets(topic: topic, .latest) { ends[end.topicPartition] = end.offset }
        }
        return ends
    }

    /// Stops the client's thread; later calls may fail.
    public func close() async {
        thread.requestStop()
        await thread.join()
    }
}

/// What `KafkaAdmin.describeTopic` reports.
public struct TopicDescription: Sendable, Hashable {
    public var name: String
    /// Partition ids, ascending.
    public var partitions: [Int32]
    /// Every configuration entry with a value, defaults included (e.g. `cleanup.policy`).
    public var configs: [String: String]

    public var partitionCount: Int { partitions.count }

    public init(name: String, partitions: [Int32], configs: [String: String]) {
        self.name = name
        self.partitions = partitions
        self.configs = configs
    }
}

/// A partition's offset range: records live in `low..<high`.
public struct Watermarks: Sendable, Hashable {
    public var low: Int64
    public var high: Int64

    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }
}

/// Which offset `KafkaAdmin.listOffsets` looks up.
public struct OffsetSpecification: Sendable, Hashable {
    enum Backing: Sendable, Hashable {
        case earliest
        case latest
        case timestamp(Int64)
    }

    let backing: Backing

    /// The oldest retained offset.
    public static let earliest = OffsetSpecification(backing: .earliest)
    /// The offset after the newest record (the high watermark).
    public static let latest = OffsetSpecification(backing: .latest)
    /// The first offset whose timestamp is at or after `millisecondsSinceEpoch` (-1 if none).
    public static func timestamp(_ millisecondsSinceEpoch: Int64) -> OffsetSpecification {
        OffsetSpecification(backing: .timestamp(millisecondsSinceEpoch))
    }
}
