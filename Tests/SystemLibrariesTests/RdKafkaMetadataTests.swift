import CRdKafka
import Foundation
import Testing

/// librdkafka links, loads, and talks to the broker named by HERALD_KAFKA_BROKERS.
@Suite struct RdKafkaMetadataTests {
    let brokers = ProcessInfo.processInfo.environment["HERALD_KAFKA_BROKERS"] ?? "127.0.0.1:9092"

    @Test func producerFetchesClusterMetadata() throws {
        let config = rd_kafka_conf_new()
        var errorText = [CChar](repeating: 0, count: 512)
        #expect(rd_kafka_conf_set(config, "bootstrap.servers", brokers, &errorText, errorText.count) == RD_KAFKA_CONF_OK)
        let handle = try #require(rd_kafka_new(RD_KAFKA_PRODUCER, config, &errorText, errorText.count),
                                  "rd_kafka_new: \(String(cString: errorText))")
        defer { rd_kafka_destroy(handle) }

        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(handle, 1, nil, &metadata, 10_000)
        #expect(result == RD_KAFKA_RESP_ERR_NO_ERROR, "metadata: \(String(cString: rd_kafka_err2str(result)))")
        let cluster = try #require(metadata)
        defer { rd_kafka_metadata_destroy(cluster) }

        #expect(cluster.pointee.broker_cnt >= 1)
        let first = cluster.pointee.brokers[0]
        let advertised = "\(String(cString: first.host)):\(first.port)"
        #expect(brokers.split(separator: ",").contains { $0.hasSuffix(":\(first.port)") },
                "broker advertised as \(advertised), expected a port from \(brokers)")
    }
}
