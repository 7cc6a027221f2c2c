import Foundation
import HeraldCore
import Testing

@Suite struct AuditRecordTests {
    static let time = Date(timeIntervalSince1970: 1_772_366_400.125)

    @Test func theEncodingIsStableSortedJSON() throws {
        let record = AuditRecord(time: Self.time, service: "delivery", keyID: "k1", action: "endpoint.rotate_secret",
                                 target: "orders/hook", outcome: .succeeded, detail: "")
        #expect(String(decoding: record.encoded(), as: UTF8.self) == #"""
            {"action":"endpoint.rotate_secret","detail":"","key_id":"k1","outcome":"succeeded","service":"delivery","target":"orders/hook","time":"2026-03-01T12:00:00.125Z","v":1}
            """#)
        #expect(try AuditRecord(decoding: record.encoded()) == record)
        let anonymous = AuditRecord(time: Self.time, service: "router", keyID: nil, action: "route.delete", target: "r", outcome: .failed, detail: "unavailable")
        #expect(anonymous.keyID == AuditRecord.authenticationOff)
        #expect(try AuditRecord(decoding: anonymous.encoded()) == anonymous)
    }

    @Test(arguments: [
        ("not json", "not a JSON object"),
        (#"{"v":2}"#, "v: expected 1"),
        (#"{"v":1,"time":"yesterday","service":"s","key_id":"k","action":"a","target":"t","outcome":"succeeded","detail":""}"#, "time"),
        (#"{"v":1,"time":"2026-03-01T12:00:00.123Z","service":"s","key_id":"k","action":"a","target":"t","outcome":"maybe","detail":""}"#, "outcome"),
        (#"{"v":1,"time":"2026-03-01T12:00:00.123Z","service":"s","action":"a","target":"t","outcome":"failed","detail":""}"#, "key_id"),
    ])
    func malformedRecordsAreRefusedWithTheMember(text: String, reason: String) {
        do {
            _ = try AuditRecord(decoding: Array(text.utf8))
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func aQuerySelectsTheNewestRecordsSinceATimeOldestFirst() throws {
        let now = Self.time
        let records = (0..<5).map { minutesAgo in
            AuditRecord(time: now.addingTimeInterval(Double(-60 * minutesAgo)), service: "router", keyID: "k", action: "route.update",
                        target: "r\(minutesAgo)", outcome: .succeeded)
        }
        #expect(try AuditQuery(since: nil, limit: 100, now: now).select(records).map(\.target) == ["r4", "r3", "r2", "r1", "r0"])
        #expect(try AuditQuery(since: nil, limit: 2, now: now).select(records).map(\.target) == ["r1", "r0"])
        #expect(try AuditQuery(since: "150s", limit: 100, now: now).select(records).map(\.target) == ["r2", "r1", "r0"])
        #expect(try AuditQuery(since: "2026-03-01T11:57:30Z", limit: 100, now: now).select(records).map(\.target) == ["r2", "r1", "r0"])
        #expect(try AuditQuery(since: "2026-03-01T11:58:00.125Z", limit: 100, now: now).select(records).map(\.target) == ["r2", "r1", "r0"])
        #expect(try AuditQuery(since: "1d", limit: 1, now: now).since == now.addingTimeInterval(-86400))
        for (since, limit) in [("yesterday", 10), ("0m", 10), ("-5m", 10), ("5w", 10), ("1h", 0)] {
            #expect(throws: AuditQuery.Invalid.self) { try AuditQuery(since: since, limit: limit, now: now) }
        }
    }
}
