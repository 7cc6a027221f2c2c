@testable import HeraldKafka
import Testing

/// Lag from librdkafka's statistics JSON: the partition's end minus the consumer's position, for
/// assigned partitions whose offsets are known.
@Suite struct ConsumerLagTests {
    /// Trimmed from a real librdkafka 2.0 statistics document (fields the parser skips left in).
    static func statistics(_ partitions: String) -> [UInt8] {
        Array("""
        {"name":"rdkafka#consumer-1","type":"consumer","ts":1,"brokers":{"b":{"name":"b","state":"UP"}},
         "topics":{"orders":{"topic":"orders","age":100,"partitions":{\(partitions),
           "-1":{"partition":-1,"desired":false,"hi_offset":-1001,"ls_offset":-1001,"app_offset":-1001,"next_offset":0,
                 "committed_offset":-1001,"consumer_lag":-1,"fetch_state":"none"}}}},
         "cgrp":{"state":"up","rebalance_cnt":1}}
        """.utf8)
    }

    static func partition(_ id: Int, state: String = "active", hi: Int, ls: Int, app: Int, next: Int = -1001, committed: Int) -> String {
        #""\#(id)":{"partition":\#(id),"desired":false,"hi_offset":\#(hi),"ls_offset":\#(ls),"app_offset":\#(app),"next_offset":\#(next),"committed_offset":\#(committed),"consumer_lag":-1,"fetch_state":"\#(state)","msgs":3}"#
    }

    @Test func lagIsTheEndMinusThePositionOfEachAssignedPartition() throws {
        let json = Self.statistics([
            Self.partition(0, hi: 120, ls: 100, app: 40, committed: 10),
            // Nothing handed out yet since the assignment: measured from the committed offset.
            Self.partition(1, hi: 50, ls: 50, app: -1001, committed: 20),
            // Revoked from this consumer, or never its own: known from metadata only.
            Self.partition(2, state: "stopped", hi: 70, ls: 70, app: 5, committed: 5),
            Self.partition(4, state: "none", hi: 70, ls: 70, app: -1001, committed: 5),
            // A seek made librdkafka forget the application's offset: measured from the next fetch.
            Self.partition(5, hi: 50, ls: 50, app: -1001, next: 45, committed: -1001),
            // Nothing consumed, nothing committed: the position is unknown, so no lag is claimed.
            Self.partition(3, hi: 9, ls: 9, app: -1001, committed: -1001),
        ].joined(separator: ","))
        let orders = { (partition: Int32) in TopicPartition(topic: "orders", partition: partition) }
        #expect(try ConsumerStatistics.lags(fromJSON: json, readCommitted: true)
                == [PartitionLag(orders(0), records: 60), PartitionLag(orders(1), records: 30), PartitionLag(orders(5), records: 5)])
        // read_uncommitted reads up to the high watermark.
        #expect(try ConsumerStatistics.lags(fromJSON: json, readCommitted: false)
                == [PartitionLag(orders(0), records: 80), PartitionLag(orders(1), records: 30), PartitionLag(orders(5), records: 5)])
    }

    @Test func aDocumentWithoutTopicsHasNoLagAndGarbageIsAnError() throws {
        #expect(try ConsumerStatistics.lags(fromJSON: Array(#"{"name":"c","type":"consumer"}"#.utf8), readCommitted: true).isEmpty)
        #expect(throws: (any Error).self) { try ConsumerStatistics.lags(fromJSON: Array("{not json".utf8), readCommitted: true) }
    }

    /// Only the partitions' offsets are read; everything around them is skipped whatever it holds.
    @Test func everythingButThePartitionsOffsetsIsSkippedWhateverItHolds() throws {
        let json = Array(#"""
        {"brokers":{"b":{"rtt":{"min":1,"p99":2.5e3},"toppars":{"t-0":{"topic":"t","partition":0}},"up":true,"x":null,
                         "list":[1,[2,{"a":"]}"}],"q\"uote",-0.5],"empty":{},"none":[]}},
         "topics":{"we\"ird\u00e9":{"batchsize":{"cnt":0},"partitions":{
           "0":{"partition":0,"fetch_state":"active","hi_offset":10,"ls_offset":10,"app_offset":4,"next_offset":4,
                "committed_offset":-1001,"nested":{"x":[{}]},"txmsgs":0}}}}}
        """#.utf8)
        #expect(try ConsumerStatistics.lags(fromJSON: json, readCommitted: true)
                == [PartitionLag(TopicPartition(topic: "we\"ird\u{e9}", partition: 0), records: 6)])
        // A partition entry without an offset lag is computed from is an error, not a lag of zero.
        let partial = Array(#"{"topics":{"t":{"partitions":{"0":{"partition":0,"fetch_state":"active","hi_offset":3}}}}}"#.utf8)
        #expect(throws: (any Error).self) { try ConsumerStatistics.lags(fromJSON: partial, readCommitted: true) }
        #expect(throws: (any Error).self) { try ConsumerStatistics.lags(fromJSON: Array(#"{"topics":{}} trailing"#.utf8), readCommitted: true) }
    }
}
